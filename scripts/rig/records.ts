// The rig's side of run records and status: the install writes its record to REPORT_FILE (--report), the rig
// fetches it into the output folder as <run-id>.tar and scans it for the request's secrets, and the status
// poll taken during the install is judged. Never throws: a problem is a failed check.
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readRunRecord } from "../../agent/report/read.ts";
import type { ExecResult } from "../vm/ssh.ts";
import type { Check } from "./checks.ts";
import { secretsCheck } from "./secrets.ts";
import { type StatusPoll, statusPollChecks } from "./status-poll.ts";

/** Where byol install writes the run record in the rescue system (--report). */
export const REPORT_FILE = "/var/tmp/byol-rig-record.tar";

interface Vm {
  exec(argv: readonly string[] | string, opts?: { timeoutMs?: number }): Promise<ExecResult>;
}

// Copies a file of the guest to the host (base64 over SSH).
export async function fetchFile(vm: Vm, guestPath: string, hostPath: string): Promise<void> {
  const r = await vm.exec(["base64", "-w0", guestPath], { timeoutMs: 300_000 });
  if (r.exitCode !== 0) throw new Error(`fetching ${guestPath}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  await writeFile(hostPath, Buffer.from(r.stdout.trim(), "base64"));
}

// The run record kept in outDir as <run-id>.tar; its path and run id, or a failed check.
export async function fetchRecord(
  vm: Vm,
  guestPath: string,
  outDir: string,
): Promise<{ file: string; runId: string } | Check> {
  try {
    const tmp = join(outDir, "run-record.tar");
    await fetchFile(vm, guestPath, tmp);
    const { summary } = await readRunRecord(tmp);
    const file = join(outDir, `${summary.runId}.tar`);
    await rename(tmp, file);
    return { file, runId: summary.runId };
  } catch (error) {
    return { name: "run record", ok: false, detail: (error as Error).message };
  }
}

// After the install, while the rescue VM still runs: stop the poll, fetch and scan the record.
export async function recordChecks(
  vm: Vm,
  request: Record<string, unknown>,
  outDir: string,
  poll: StatusPoll,
  log: (line: string) => void,
): Promise<Check[]> {
  const samples = await poll.stop();
  await writeFile(join(outDir, "status-poll.jsonl"), samples.map((s) => `${JSON.stringify(s)}\n`).join(""));
  const record = await fetchRecord(vm, REPORT_FILE, outDir);
  if ("ok" in record) return [record, ...statusPollChecks(samples)];
  log(`rig: run record ${record.file}`);
  return [
    { name: "run record", ok: true, detail: record.file },
    await secretsCheck(record.file, request, "secrets in the run record"),
    ...statusPollChecks(samples, record.runId),
  ];
}
