// Child process of runByolMany(): runs each command line of the JSON list on stdin in this
// process, one after the other, and writes what each printed to the file named in argv[2].

import { writeFileSync } from "node:fs";
import { text } from "node:stream/consumers";
import { main } from "../../agent/commands/dispatch.ts";

const lines = JSON.parse(await text(process.stdin)) as string[][];
const results: { code: number; stdout: string; stderr: string }[] = [];
const { stdout, stderr } = process;
const writeOut = stdout.write;
const writeErr = stderr.write;
for (const argv of lines) {
  const out: string[] = [];
  const err: string[] = [];
  stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof stdout.write;
  stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof stderr.write;
  let code: number;
  try {
    code = await main(argv);
  } catch (error) {
    code = -1; // main() must never throw: the test reports it
    err.push(`main() threw: ${String(error)}`);
  } finally {
    stdout.write = writeOut;
    stderr.write = writeErr;
  }
  results.push({ code, stdout: out.join(""), stderr: err.join("") });
}
writeFileSync(process.argv[2]!, JSON.stringify(results));
process.exit(0);
