// status.json, kept up to date by the running install: a second event sink beside the
// terminal/JSON one, so `byol status` (a provisioning system polling over SSH) reads one
// small file instead of the whole event stream.

import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResultEventSink, RunResult } from "../exec/events.ts";
import type { StepEvent } from "../exec/types.ts";
import type { Redactor } from "../redact.ts";
import { initialStatus, type RunStatus, reduceStatus } from "./reduce.ts";

export const STATUS_FILE = "status.json";
export const PROGRESS_WRITE_EVERY_MS = 500;

export interface StatusTapOptions {
  dir: string; // the state dir, beside current.json
  runId: string;
  planStepIds: readonly string[];
  now?: () => number; // for tests
  redactor?: Redactor; // the run's: the file is redacted like every other output (error messages land in it)
}

export type StatusTap = ResultEventSink & { readonly status: RunStatus };

// Every event updates the status; the file is rewritten at once except for progress, which is
// written at most every PROGRESS_WRITE_EVERY_MS. A write that fails never stops the install.
export function createStatusTap(opts: StatusTapOptions): StatusTap {
  const now = opts.now ?? Date.now;
  const file = join(opts.dir, STATUS_FILE);
  let status = initialStatus(opts.runId, opts.planStepIds);
  let lastWrite = Number.NEGATIVE_INFINITY;
  const write = () => {
    lastWrite = now();
    try {
      writeStatusFile(file, status, opts.redactor);
    } catch {
      // status is a convenience; the event stream and journal still have everything
    }
  };
  write();
  return {
    get status() {
      return status;
    },
    emit(event: StepEvent) {
      status = reduceStatus(status, event);
      if (event.phase === "log") return;
      if (event.phase !== "progress" || now() - lastWrite >= PROGRESS_WRITE_EVERY_MS) write();
    },
    result(r: RunResult) {
      status = reduceStatus(status, { phase: "result", ...r });
      write();
    },
  };
}

// Atomic, as the state file: a poller sees the old status or the new one.
export function writeStatusFile(file: string, status: RunStatus, redactor?: Redactor): void {
  mkdirSync(join(file, ".."), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const text = `${JSON.stringify(status)}\n`;
  writeFileSync(tmp, redactor === undefined ? text : redactor.redact(text));
  renameSync(tmp, file);
}

// One sink that forwards every event to each of several (the user's view and the status tap).
// `add` joins a sink later: the install adds the status tap only once it knows no other run is
// in progress, so a refused install never overwrites the running one's status.json.
export type TeeSink = ResultEventSink & { add(sink: ResultEventSink): void };

export function teeEvents(...initial: ResultEventSink[]): TeeSink {
  const sinks = [...initial];
  return {
    emit(event) {
      for (const s of sinks) s.emit(event);
    },
    result(r) {
      for (const s of sinks) s.result(r);
    },
    add(sink) {
      sinks.push(sink);
    },
  };
}
