// The one place where a failed command's message is written. Everything in it is redacted.

import { CommandError } from "../errors.ts";
import { shellJoin } from "../plan/quote.ts";
import type { Redactor } from "../redact.ts";
import { lastLines, tail } from "./tail.ts";

export interface CommandFailure {
  step: string;
  argv: readonly string[]; // raw: redacted here
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  timeoutMs?: number;
  canceled: boolean;
  spawnError?: { code?: string; message: string }; // the command never ran (ENOENT, EACCES)
  durationMs: number;
  stderr: string; // raw: redacted here
}

// Says what happened to the process, in the words a rescue-shell user expects.
function outcome(f: CommandFailure, program: string): string {
  if (f.spawnError?.code === "ENOENT") return `command not found: ${program}`;
  if (f.spawnError !== undefined) return `could not be started: ${f.spawnError.message}`;
  if (f.timedOut) return `timed out after ${seconds(f.timeoutMs ?? f.durationMs)}`;
  if (f.canceled) return "was interrupted";
  if (f.signal !== undefined) return `was killed by ${f.signal}`;
  return `exited with code ${f.exitCode}`;
}

// 200 -> "0.2s", 600000 -> "600s": a timeout is read against the value someone configured.
function seconds(ms: number): string {
  return ms < 10_000 ? `${Number((ms / 1000).toFixed(1))}s` : `${Math.round(ms / 1000)}s`;
}

// `partition:/dev/sda: sgdisk -n 1:2048:1050623 /dev/sda exited with code 4: <stderr tail>`
export function commandError(f: CommandFailure, redactor: Redactor): CommandError {
  const argv = redactor.redactArgv(f.argv);
  const command = shellJoin(argv);
  const stderrTail = tail(redactor.redact(f.stderr));
  const what = outcome(f, argv[0] ?? "");
  const head = f.spawnError?.code === "ENOENT" ? `${f.step}: ${what}` : `${f.step}: ${command} ${what}`;
  const last = lastLines(stderrTail);
  const message = redactor.redact(last === "" ? head : `${head}: ${last}`);
  const cause =
    f.spawnError && Object.assign(new Error(redactor.redact(f.spawnError.message)), { code: f.spawnError.code });
  return new CommandError({
    message,
    step: f.step,
    argv,
    command,
    exitCode: f.exitCode,
    ...(f.signal !== undefined && { signal: f.signal }),
    timedOut: f.timedOut,
    durationMs: f.durationMs,
    stderrTail,
    ...(cause !== undefined && { cause }),
  });
}
