// What every step gets: the runner, the event sink, the logger, the teardown stack
// and the run's mutable state. Built once per run by agent/install.ts.

import type { Logger } from "pino";
import type { Redactor } from "../redact.ts";
import type { EventSink, Held, Runner } from "./types.ts";

export interface RunState {
  runId: string;
  targetDisks: string[]; // every disk the plan writes
  disksWritten: boolean; // set just before the first command that writes a target disk
  step?: string; // current plan step id
}

export interface RunContext {
  runner: Runner;
  events: EventSink;
  log: Logger;
  redactor: Redactor;
  // Handles (mounts, nbd, loop, md, LVM activations) register their release here;
  // it is disposed in reverse order on success, failure and SIGINT/SIGTERM.
  stack: AsyncDisposableStack;
  state: RunState;
  signal: AbortSignal; // aborted on SIGINT/SIGTERM
  runDir: string; // /run/byol/<runId> by default: journal.jsonl, events.jsonl, state
  // records what handles hold into the run state file (a RunStateStore from ./state.ts)
  held?: Held;
}
