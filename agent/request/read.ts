// Reads the request document from a file or stdin ("-"). Only JSON syntax is judged here;
// parseRequest() judges the content. Errors never quote the text: it may hold secrets.

import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import { RequestError } from "../errors.ts";
import { jsonErrorReason } from "./json-error.ts";

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
