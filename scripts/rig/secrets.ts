// The secrets every rig request carries, so that the secrets check of the run record means something: an
// Authorization header, a password in the image URL and, when the scenario has no user data, user data with a
// marker in it. The image server only answers requests that carry the header. And the scan: no file of a run
// record may hold any of them.
import { readFile } from "node:fs/promises";
import tar from "tar-stream";
import { fromLegacy, isLegacy } from "../../agent/request/legacy.ts";
import type { Check } from "./checks.ts";

export const RIG_AUTHORIZATION = "Basic cmlnOnJpZy1oZWFkZXItc2VjcmV0LTRmOWM="; // rig:rig-header-secret-4f9c
export const RIG_URL_USER = "byol";
export const RIG_URL_PASSWORD = "rig-url-secret-8d21";
export const RIG_USER_DATA_MARKER = "rig-user-data-secret-c35e";
export const RIG_USER_DATA = `#cloud-config\n# ${RIG_USER_DATA_MARKER}\n`;

// The request with the rig's secrets in: the header, user:password in the image URL, user data if it had none.
// A request in the legacy install/start form gets them as userMetadata entries, the way that form carries them.
export function withRigSecrets(request: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(request["userMetadata"])) return withLegacyRigSecrets(request);
  const c = { ...((request["customizations"] ?? {}) as Record<string, unknown>) };
  const headers = (c["httpHeaders"] ?? {}) as Record<string, string>;
  c["httpHeaders"] = { ...headers, Authorization: RIG_AUTHORIZATION };
  if (typeof c["imageURL"] === "string") c["imageURL"] = withPassword(c["imageURL"]);
  if (c["configDriveUserData"] === undefined) c["configDriveUserData"] = RIG_USER_DATA;
  return { ...request, customizations: c };
}

type Entry = { key: string; value: string };

// userMetadata [{key, value}]: imageURL gets the password, a new httpHeadersNKey/Value pair the header (or the
// request's own Authorization pair its value), configDriveUserData is added when absent.
function withLegacyRigSecrets(request: Record<string, unknown>): Record<string, unknown> {
  const list = (request["userMetadata"] as Entry[]).map((e) =>
    e.key === "imageURL" ? { ...e, value: withPassword(e.value) } : { ...e },
  );
  const auth = list.find((e) => /^httpHeaders\d+Key$/.test(e.key) && e.value.toLowerCase() === "authorization");
  if (auth !== undefined) {
    const value = list.find((e) => e.key === auth.key.replace(/Key$/, "Value"));
    if (value !== undefined) value.value = RIG_AUTHORIZATION;
  } else {
    let n = 0;
    while (list.some((e) => e.key === `httpHeaders${n}Key`)) n++;
    list.push(
      { key: `httpHeaders${n}Key`, value: "Authorization" },
      { key: `httpHeaders${n}Value`, value: RIG_AUTHORIZATION },
    );
  }
  if (!list.some((e) => e.key === "configDriveUserData"))
    list.push({ key: "configDriveUserData", value: RIG_USER_DATA });
  return { ...request, userMetadata: list };
}

// The request in the reinstall form, whichever form it came in (the agent's own reading of the legacy form).
export function reinstallForm(request: Record<string, unknown>): Record<string, unknown> {
  return isLegacy(request) ? fromLegacy(request).payload : request;
}

// http://host/path -> http://byol:<password>@host/path
export function withPassword(url: string): string {
  const u = new URL(url);
  u.username = RIG_URL_USER;
  u.password = RIG_URL_PASSWORD;
  return u.toString();
}

// What must never be in a record of this request: the header value (and its token), the URL password, and the
// user data's marker, or, for a scenario's own user data, its distinctive lines and its base64.
export function secretsOf(request: Record<string, unknown>): string[] {
  const c = (reinstallForm(request)["customizations"] ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  for (const value of Object.values((c["httpHeaders"] ?? {}) as Record<string, string>)) {
    out.push(value, ...value.split(" ").filter((w) => w.length >= 12));
  }
  if (typeof c["imageURL"] === "string") {
    const password = decodeURIComponent(new URL(c["imageURL"]).password);
    if (password !== "") out.push(password);
  }
  const ud = c["configDriveUserData"];
  if (typeof ud === "string") {
    if (ud.includes(RIG_USER_DATA_MARKER)) out.push(RIG_USER_DATA_MARKER);
    else {
      const plain = /^[A-Za-z0-9+/=\s]+$/.test(ud) ? Buffer.from(ud, "base64").toString("utf8") : ud;
      out.push(Buffer.from(plain).toString("base64"));
      out.push(...plain.split("\n").filter((l) => l.trim().length >= 16 && !l.startsWith("#")));
    }
  }
  return [...new Set(out.map((s) => s.trim()).filter((s) => s !== ""))];
}

// The members of a tar, by name, as bytes.
export async function tarMembers(file: string): Promise<Map<string, Buffer>> {
  const members = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      members.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  extract.end(await readFile(file));
  await done;
  return members;
}

// Which secrets are in which member (and in the tar's own bytes); [] when none is anywhere.
export function findSecrets(tarBytes: Buffer, members: Map<string, Buffer>, secrets: readonly string[]): string[] {
  const found: string[] = [];
  const where = [["(the tar itself)", tarBytes] as const, ...members];
  for (const [name, bytes] of where) {
    for (const s of secrets) if (bytes.includes(s)) found.push(`${name} holds ${s.slice(0, 6)}…`);
  }
  return found;
}

// The rig check: no secret of the request in any file of the run record.
export async function secretsCheck(file: string, request: Record<string, unknown>, name = "secrets"): Promise<Check> {
  const secrets = secretsOf(request);
  try {
    const members = await tarMembers(file);
    const found = findSecrets(await readFile(file), members, secrets);
    const ok = found.length === 0 && members.size > 0 && secrets.length >= 3;
    const detail = ok
      ? `none of ${secrets.length} secrets (header, URL password, user data) in the ${members.size} files of ${file}`
      : found.length > 0
        ? found.join("; ")
        : `nothing to scan: ${members.size} files, ${secrets.length} secrets`;
    return { name, ok, detail };
  } catch (error) {
    return { name, ok: false, detail: `cannot read ${file}: ${(error as Error).message}` };
  }
}
