// Reads the request document from a file or stdin ("-"). Only JSON syntax is judged here;
// parseRequest() judges the content. Errors never quote the text: it may hold secrets.

import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import { RequestError } from "../errors.ts";

// V8's JSON.parse messages quote the input ('..."Basic abc..." is not valid JSON'); keep only the
// reason and the position.
export function jsonErrorReason(error: unknown, source: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = message.replace(/,? ".*" is not valid JSON$/s, "").replace(/ in JSON at position \d+.*$/s, "");
  const at = /at position (\d+)/.exec(message);
  if (at?.[1] === undefined) return reason;
  const before = source.slice(0, Number(at[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `${reason} at line ${line} column ${column}`;
}

// The parsed JSON of FILE, or of stdin when the argument is "-".
export async function readRequestInput(fileOrDash: string): Promise<unknown> {
  const name = fileOrDash === "-" ? "stdin" : fileOrDash;
  let source: string;
  try {
    source = fileOrDash === "-" ? await text(process.stdin) : await readFile(fileOrDash, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RequestError([`request: cannot read ${name}: ${reason}`]);
  }
  source = source.replace(/^\uFEFF/, "");
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new RequestError([`request: invalid JSON: ${jsonErrorReason(error, source)}`]);
  }
}
