// httpHeaders are sent as they are by undici, which throws on a bad name or a line break.
// Catching them here keeps a typo from failing only after the disks were checked and wiped.

import { describe, expected, type Problem } from "./messages.ts";
import { isRecord } from "./raw.ts";

// RFC 9110 token characters.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// Each name must be a token, each value one line; values are never shown (they are credentials).
export function checkHeaders(headers: unknown): Problem[] {
  if (!isRecord(headers)) return [];
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const path = `customizations.httpHeaders.${name}`;
    if (!TOKEN.test(name)) {
      problems.push({ path, text: expected("an HTTP header name", describe(name)) });
    } else if (typeof value === "string" && /[\r\n\0]/.test(value)) {
      problems.push({
        path,
        text: expected("a one-line header value", "a value with a line break or NUL (not shown)"),
      });
    }
  }
  return problems;
}
