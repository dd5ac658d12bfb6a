// The real `byol` process for CLI tests: its exit code, stdout and stderr.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const byol = join(import.meta.dirname, "../../bin/byol.mjs");

export interface ByolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function byolRun(...args: string[]): Promise<ByolResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [byol, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as ByolResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
