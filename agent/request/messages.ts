// Every text a request problem can show is built here, so wording stays consistent.
// OVH's documented messages are kept word for word (values filled in, no backticks);
// ours name the field, what was expected and what was received, and never print a secret.

import { redactUrl } from "../redact.ts";
import { escapeControls } from "../view/escape.ts";

// A problem: `path` is the modern JSON path (renamed for the legacy form when printed);
// no path means an OVH documented message that is printed as it is.
export interface Problem {
  path?: string;
  text: string;
}

export const OVH = {
  checksumPair: "Please provide checkSum AND checkSumType or none of them",
  checksumType: "Bad checkSumType, expected: md5, sha1, sha256, sha512.",
  imageFormat: "Bad format image, expected: qcow2, raw.",
  missingRoot: "Missing / partition. Please add a / partition in your partition scheme!",
  formatMismatch: (given: string) => `image provided format is ${given} which does not match expected qcow2 format`,
} as const;

const MAX_SHOWN = 80;

// How a received value is shown: short, quoted, and typed when it is not a string.
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    // JSON escapes C0 controls; the rest (C1, bidi marks, separators) is escaped too
    return escapeControls(JSON.stringify(shown));
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return typeof value === "object" ? "an object" : typeof value;
}

// Like describe(), for values that may be secrets: only their kind and length are shown.
export function describeSecret(value: unknown): string {
  if (typeof value === "string") return `a string of ${value.length} characters`;
  return describe(value);
}

// A URL is shown with its password masked.
export function describeUrl(value: unknown): string {
  return typeof value === "string" ? describe(redactUrl(value)) : describe(value);
}

// `expected X, received Y`: the tail of every message of ours.
export function expected(what: string, received: string): string {
  return `expected ${what}, received ${received}`;
}

// ["storage", 0, "partitioning"] -> "storage[0].partitioning"; the whole input is "request".
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "request" : out;
}

// The printed line of a problem; `rename` maps modern paths to the form the caller sent.
export function formatProblem(problem: Problem, rename: (path: string) => string = (p) => p): string {
  return problem.path === undefined ? problem.text : `${rename(problem.path)}: ${problem.text}`;
}

// A quoted key, with a hint when it differs from a known one only by case ("imageUrl").
export function quoteKey(key: string, known: readonly string[]): string {
  const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
  return near === undefined ? JSON.stringify(key) : `${JSON.stringify(key)} (did you mean "${near}"?)`;
}

// The message for keys a strict object does not know.
export function unknownKeys(keys: readonly string[], known: readonly string[]): string {
  const noun = keys.length === 1 ? "unknown key" : "unknown keys";
  return expected(`only the keys ${known.join(", ")}`, `${noun} ${keys.map((k) => quoteKey(k, known)).join(", ")}`);
}
