// Secrets (httpHeaders values, URL credentials, user data) must never reach a log,
// event, journal, report or error message. Everything that prints goes through here.

import type { InstallRequest } from "./request/types.ts";

const MASK = "***";

// Query parameters are secrets: pre-signed URLs carry their signature and credentials there
// (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, sig, signature, token, key, ...),
// and a parameter byol does not know may be one too, so every value is masked, names kept.
// https://user:pass@host/x?sig=abc&v=1 -> https://user:***@host/x?sig=***&v=*** (the user name is kept, it helps debugging)
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = MASK;
    else if (u.username !== "") u.username = MASK;
    const query = u.search === "" ? "" : `?${maskQuery(u.search.slice(1))}`;
    u.search = "";
    const hash = u.hash;
    u.hash = "";
    return `${u.toString()}${query}${hash === "" ? "" : `#${MASK}`}`;
  } catch {
    return url.replace(/\/\/[^/@]*@/, `//${MASK}@`).replace(/\?.*$/s, (q) => `?${maskQuery(q.slice(1))}`);
  }
}

// "a=1&b&c=" -> "a=***&***&c=": every value masked, and a bare entry (which may be a token) too.
function maskQuery(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 0) return pair === "" ? "" : MASK;
      return eq === pair.length - 1 ? pair : `${pair.slice(0, eq + 1)}${MASK}`;
    })
    .join("&");
}

// Parameter names that carry credentials in the pre-signed URLs of S3, GCS, Azure SAS, CloudFront and the like.
const SECRET_PARAM = /sig|signature|token|key|credential|secret|auth|pass|session|policy/i;
// Masking a short or common value everywhere (`true`, `1`, `raw`) would garble every output and
// protect nothing; a value from a parameter byol does not know is masked from this length on.
const MIN_UNKNOWN_VALUE = 8;

// The secrets a URL carries, in every form it may be printed in: the password, and the query
// values (as written and decoded) of credential parameters and of any parameter when long enough.
export function urlSecrets(url: string | undefined): string[] {
  if (url === undefined) return [];
  const secrets: string[] = [];
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  if (u.password !== "") secrets.push(u.password, safeDecode(u.password));
  for (const pair of u.search.slice(1).split("&")) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? "" : pair.slice(0, eq);
    const raw = eq < 0 ? pair : pair.slice(eq + 1);
    const decoded = safeDecode(raw.replaceAll("+", " "));
    if (raw !== "" && (SECRET_PARAM.test(name) || decoded.length >= MIN_UNKNOWN_VALUE)) secrets.push(raw, decoded);
  }
  const fragment = u.hash.slice(1);
  if (fragment.length >= MIN_UNKNOWN_VALUE) secrets.push(fragment, safeDecode(fragment));
  return secrets;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// Replaces every occurrence of every known secret. Secrets shorter than 4 characters are
// ignored: masking "a" everywhere would destroy the text and protect nothing.
export class Redactor {
  readonly #secrets = new Set<string>();

  add(...secrets: (string | undefined)[]): this {
    for (const s of secrets) {
      if (s === undefined || s.length < 4) continue;
      this.#secrets.add(s);
      // also the forms a secret takes in URLs and JSON
      this.#secrets.add(encodeURIComponent(s));
      this.#secrets.add(JSON.stringify(s).slice(1, -1));
    }
    return this;
  }

  redact(text: string): string {
    let out = text;
    // longest first, so a secret that contains another is masked whole
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(MASK);
    }
    return out;
  }

  redactArgv(argv: readonly string[]): string[] {
    return argv.map((a) => this.redact(a));
  }
}

// The secrets a request carries.
export function requestSecrets(request: InstallRequest): string[] {
  const secrets: string[] = Object.values(request.image.httpHeaders);
  // "Basic xxx" / "Bearer xxx": the credential alone also counts
  for (const v of Object.values(request.image.httpHeaders)) {
    const token = v.split(/\s+/)[1];
    if (token !== undefined) secrets.push(token);
  }
  secrets.push(...urlSecrets(request.image.url));
  if (request.userData !== undefined) {
    secrets.push(request.userData);
  }
  return secrets;
}

export function redactorFor(request: InstallRequest): Redactor {
  return new Redactor().add(...requestSecrets(request));
}
