// Contracts shared by the command runner, the journal, the event stream and the steps.
// Implementations live beside this file (runner.ts, journal.ts, events.ts, handles.ts).

import type { Argv } from "../plan/types.ts";

export interface RunOptions {
  step: string; // plan step id, recorded in the journal and named in errors
  input?: string | Uint8Array; // stdin
  timeoutMs?: number;
  okExitCodes?: readonly number[]; // default [0]
  env?: Record<string, string>;
  cwd?: string;
  // called with each chunk of output as it arrives (live script output, progress parsing)
  onOutput?: (stream: "stdout" | "stderr", chunk: string) => void;
  // teardown commands (umount, mdadm --stop) must still run after SIGINT/SIGTERM
  ignoreAbort?: boolean;
}

export interface CommandResult {
  id: number; // per-run command id, 1-based
  argv: string[]; // redacted
  exitCode: number;
  signal?: string;
  durationMs: number;
  stdout: string; // full stdout (not redacted: callers parse it; never log it raw)
  stderr: string;
}

// One line of journal.jsonl
export interface JournalEntry {
  id: number;
  step: string;
  argv: string[]; // redacted
  startedAt: string; // ISO time
  exitCode: number | null;
  signal?: string;
  timedOut?: boolean;
  durationMs: number;
  stdoutTail: string; // last few KiB, redacted
  stderrTail: string; // last few KiB, redacted
}

export interface Runner {
  run(argv: Argv, options: RunOptions): Promise<CommandResult>;
}

// Step events, for --json lines and the terminal view:
// {"ts","step","phase":"start|progress|done|failed", ...}
export type StepEvent =
  | { step: string; phase: "start"; title: string }
  | { step: string; phase: "progress"; bytes: number; total: number | null; message?: string }
  | { step: string; phase: "done"; durationMs: number }
  | { step: string; phase: "failed"; durationMs: number; error: { code: string; message: string } }
  | { step: string; phase: "log"; level: "info" | "warn"; message: string };

export interface EventSink {
  emit(event: StepEvent): void;
}

// What a run holds (mounts, nbd connections, md arrays, loop devices, active VGs, ZFS pools, and
// "exec-queue" under "udev" while it has udev's event queue stopped), recorded in
// /run/byol/current.json so `byol cleanup` can release what a killed run left.
export type HeldKind = "mounts" | "nbd" | "md" | "loop" | "lvm" | "zpool" | "udev";

export interface Held {
  hold(kind: HeldKind, value: string): void;
  drop(kind: HeldKind, value: string): void;
  // persists RunContext.state (step, targetDisks, disksWritten); call it right after changing them
  save(state: { step?: string; targetDisks: string[]; disksWritten: boolean }): void;
}
