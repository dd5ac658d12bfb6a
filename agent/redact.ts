// Secrets (httpHeaders values, URL credentials, user data) must never reach a log,
// event, journal, report or error message. Everything that prints goes through here.

import type { InstallRequest } from "./request/types.ts";

const MASK = "***";

// https://user:pass@host/x -> https://user:***@host/x (the user name is kept, it helps debugging)
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === "" && u.username === "") return url;
    if (u.password !== "") u.password = MASK;
    else u.username = MASK;
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, `//${MASK}@`);
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
  try {
    const u = new URL(request.image.url);
    if (u.password !== "") secrets.push(u.password, decodeURIComponent(u.password));
  } catch {}
  if (request.userData !== undefined) {
    secrets.push(request.userData);
  }
  return secrets;
}

export function redactorFor(request: InstallRequest): Redactor {
  return new Redactor().add(...requestSecrets(request));
}
