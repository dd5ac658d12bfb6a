// The run record (a tar, /var/log/byol/<runId>.tar or the install's --report FILE) copied from the
// server into --out DIR once the install has ended, whatever its outcome. The install writes it
// after its result line, so the copy waits (up to a minute) for the install's process to exit, or
// for the record to appear.

import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { shellQuote } from "../plan/quote.ts";
import { DEFAULT_REPORT_DIR } from "../report/recorder.ts";
import type { Transport } from "./ssh.ts";

export function recordPath(runId: string, report: string | undefined): string {
  return report ?? `${DEFAULT_REPORT_DIR}/${runId}.tar`;
}

// With the install's pid, wait for its process to end; without (status --follow --run by hand), for the
// record to appear (the recorder renames it into place whole). Up to a minute either way.
export function fetchScript(path: string, pid: number | undefined): string {
  const until = pid === undefined ? `[ ! -e ${shellQuote(path)} ]` : `kill -0 ${pid} 2>/dev/null`;
  return `i=0; while ${until} && [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done; cat ${shellQuote(path)}`;
}

// Returns the local file, or undefined (with the reason) when there was nothing to copy.
export async function fetchRecord(
  t: Transport,
  remote: { path: string; runId: string; pid?: number | undefined },
  outDir: string,
): Promise<{ file: string } | { error: string }> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `${remote.runId}.tar`);
  const out = createWriteStream(file, { mode: 0o600 });
  const call = await t.call(fetchScript(remote.path, remote.pid), { onStdout: (chunk) => out.write(chunk) });
  await new Promise<void>((resolve) => out.end(resolve));
  if (call.exitCode === 0) return { file };
  await rm(file, { force: true });
  return { error: call.stderr.trim().split("\n").at(-1) ?? `exit ${call.exitCode}` };
}
