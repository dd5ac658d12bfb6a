// Runs many byol command lines in one child process and returns what each printed: a process
// per input would take minutes on a shared machine, and the test runner's own stdout must not
// be captured.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Ran {
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
}

export async function runByolMany(argvs: string[][]): Promise<Ran[]> {
  const dir = mkdtempSync(join(tmpdir(), "byol-run-many-"));
  const file = join(dir, "results.json");
  try {
    await new Promise<void>((resolve, reject) => {
      const child = execFile(
        process.execPath,
        [join(import.meta.dirname, "run-many.ts"), file],
        { maxBuffer: 64 << 20 },
        (error) => (error ? reject(error) : resolve()),
      );
      child.stdin?.end(JSON.stringify(argvs));
    });
    const results = JSON.parse(readFileSync(file, "utf8")) as Omit<Ran, "argv">[];
    return results.map((r, i) => ({ argv: argvs[i]!, ...r }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A line of a stack trace ("    at f (file.ts:1:2)").
export const STACK_FRAME = /^\s+at /m;
