// The legacy userMetadata list ([{key, value}]) as a customizations object. Header pairs
// come as httpHeaders0Key/httpHeaders0Value, httpHeaders1Key/...; configDriveMetadata as JSON text.

import { isHeaderName } from "./checks-headers.ts";
import { describe, describeSecret, expected, type Problem, quoteKey } from "./messages.ts";
import { isRecord, type Raw } from "./raw.ts";

const PLAIN_KEYS = [
  "imageURL",
  "imageType",
  "imageCheckSum",
  "imageCheckSumType",
  "sshKey",
  "configDriveUserData",
  "configDriveMetadata",
  "efiBootloaderPath",
];
const HEADER_KEY = /^httpHeaders(\d+)(Key|Value)$/;
const KEYS_WANTED = `one of ${PLAIN_KEYS.join(", ")}, httpHeadersNKey, httpHeadersNValue`;

// configDriveMetadata is a JSON object in a string; a broken one is reported without its content.
function parseMetadata(value: string, problems: Problem[]): unknown {
  try {
    return JSON.parse(value);
  } catch {
    const what = "a JSON object of string values";
    problems.push({ path: "userMetadata.configDriveMetadata", text: expected(what, describeSecret(value)) });
    return undefined;
  }
}

// Pairs httpHeadersNKey with httpHeadersNValue; a half pair is a problem.
function pairHeaders(parts: Map<string, { Key?: string; Value?: string }>, problems: Problem[]): Raw | undefined {
  if (parts.size === 0) return undefined;
  const headers: Raw = {};
  for (const [n, { Key: name, Value: value }] of parts) {
    if (name === undefined) {
      problems.push({
        path: `userMetadata.httpHeaders${n}Key`,
        text: expected(`a name for httpHeaders${n}Value`, "nothing"),
      });
    } else if (value === undefined) {
      // a name that is not a valid header name may be a credential ("X-Token: abc"): not shown
      const what = `a value for httpHeaders${n}Key${isHeaderName(name) ? ` ${JSON.stringify(name)}` : ""}`;
      problems.push({ path: `userMetadata.httpHeaders${n}Value`, text: expected(what, "nothing") });
    } else {
      Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return headers;
}

// The shape of an entry with types only (values may be secrets): {"key": string, "value": number}.
function shapeOf(item: unknown): string {
  if (!isRecord(item)) return describe(item);
  const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "list" : typeof v);
  return `{${Object.entries(item)
    .map(([k, v]) => `${JSON.stringify(k)}: ${kind(v)}`)
    .join(", ")}}`;
}

// One {key, value} entry with a known key; undefined (and a problem) otherwise.
function readEntry(item: unknown, i: number, problems: Problem[]): { key: string; value: string } | undefined {
  const ok = isRecord(item) && Object.keys(item).length === 2;
  const key = ok ? item["key"] : undefined;
  const value = ok ? item["value"] : undefined;
  if (typeof key !== "string" || typeof value !== "string") {
    problems.push({ path: `userMetadata[${i}]`, text: expected('{"key": string, "value": string}', shapeOf(item)) });
    return undefined;
  }
  if (!PLAIN_KEYS.includes(key) && !HEADER_KEY.test(key)) {
    problems.push({ path: `userMetadata[${i}].key`, text: expected(KEYS_WANTED, quoteKey(key, PLAIN_KEYS)) });
    return undefined;
  }
  return { key, value };
}

// Reads every entry, reporting malformed, unknown and repeated keys with their index.
export function userMetadataToCustomizations(list: unknown, problems: Problem[]): Raw {
  const custom: Raw = {};
  if (list === undefined) return custom;
  if (!Array.isArray(list)) {
    problems.push({ path: "userMetadata", text: expected("a list of {key, value}", describe(list)) });
    return custom;
  }
  const first = new Map<string, number>();
  const headerParts = new Map<string, { Key?: string; Value?: string }>();
  list.forEach((item, i) => {
    const entry = readEntry(item, i, problems);
    if (entry === undefined) return;
    const { key, value } = entry;
    const seen = first.get(key);
    if (seen !== undefined) {
      const got = `${JSON.stringify(key)} again (first at userMetadata[${seen}])`;
      problems.push({ path: `userMetadata[${i}].key`, text: expected("each key once", got) });
      return;
    }
    first.set(key, i);
    const header = HEADER_KEY.exec(key);
    if (header !== null) {
      const [, n = "", part] = header;
      headerParts.set(n, { ...headerParts.get(n), [part as "Key" | "Value"]: value });
    } else if (value !== "") {
      custom[key] = key === "configDriveMetadata" ? parseMetadata(value, problems) : value;
    }
  });
  const headers = pairHeaders(headerParts, problems);
  if (headers !== undefined) custom["httpHeaders"] = headers;
  return custom;
}
