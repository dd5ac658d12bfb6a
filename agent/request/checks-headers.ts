// httpHeaders are sent as they are by undici, which throws on a bad name or value and decides
// the connection and the framing itself. Catching them here keeps a typo from failing only after
// the disks were checked, and a Host or Range header from changing what is downloaded.

import { expected, type Problem } from "./messages.ts";
import { isRecord } from "./raw.ts";

// RFC 9110 token characters: what undici accepts as a header name.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// What undici accepts in a value: tab, visible ASCII, space and the Latin-1 range.
const VALUE_REFUSED = /[^\t\x20-\x7e\x80-\xff]/;
const LINE_BREAK = /[\r\n\0]/;

// Headers that govern the connection or the transfer (RFC 9110 7.6.1 hop-by-hop, framing), or that
// byol sets itself to resume a download: the request may not choose them.
const RESERVED = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "content-length",
  "expect",
  "range",
  "if-range",
]);
const RESERVED_LIST =
  "Host, Connection, Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade, Content-Length, Expect, Range, If-Range or Proxy-*";

// True for a header name that is a valid token: only such names are ever shown.
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

// True for a name the request may not set (see RESERVED); Proxy-Authorization and the like included.
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED.has(lower) || lower.startsWith("proxy-");
}

// How a header is named in a problem: by its name when it is a token, by its position otherwise
// (a name such as "X-Token: abc" holds a credential and is never shown).
export function headerLabel(name: string, index: number): string {
  return isHeaderName(name) ? name : `#${index + 1}`;
}

// The characters that make a name invalid, shown as code points (never the name itself).
function badCharacters(name: string): string {
  const bad = [...new Set([...name].filter((c) => !TOKEN.test(c)))].slice(0, 5);
  return bad.map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`).join(" ");
}

function checkName(name: string, path: string): Problem[] {
  if (!isHeaderName(name)) {
    const got =
      name === ""
        ? "an empty name"
        : `a name of ${[...name].length} characters with ${badCharacters(name)} (not shown: it may hold a credential)`;
    return [{ path, text: expected("an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)", got) }];
  }
  if (isReservedHeader(name)) {
    const what = `a header other than ${RESERVED_LIST} (they govern the connection or the transfer, which byol does)`;
    return [{ path, text: expected(what, JSON.stringify(name)) }];
  }
  return [];
}

// Values are never shown: they are credentials.
function checkValue(value: unknown, path: string): Problem[] {
  if (typeof value !== "string") return [];
  if (LINE_BREAK.test(value)) {
    return [{ path, text: expected("a one-line header value", "a value with a line break or NUL (not shown)") }];
  }
  if (VALUE_REFUSED.test(value)) {
    const what = "a header value of printable Latin-1 characters and tabs";
    const kind = [...value].some((c) => (c.codePointAt(0) ?? 0) > 0xff)
      ? "a character beyond Latin-1"
      : "a control character";
    return [{ path, text: expected(what, `a value with ${kind} (not shown)`) }];
  }
  return [];
}

// Each name must be a token the request may set, each value one line of Latin-1 text.
export function checkHeaders(headers: unknown): Problem[] {
  if (!isRecord(headers)) return [];
  return Object.entries(headers).flatMap(([name, value], i) => {
    const path = `customizations.httpHeaders.${headerLabel(name, i)}`;
    const problems = checkName(name, path);
    return problems.length > 0 ? problems : checkValue(value, path);
  });
}
