// The step event stream: JSON lines on stdout with --json (a contract other tools read),
// a human view otherwise, and always events.jsonl in the run dir. Everything is redacted.
// The run dir is the record: when the observer goes away (a closed pipe, a dropped terminal),
// events stop going to `out` and keep going to events.jsonl.

import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Redactor } from "../redact.ts";
import { createHumanView } from "../view/human-view.ts";
import { ignoreWriteErrors } from "./observer.ts";
import type { EventSink, StepEvent } from "./types.ts";

// The version of the event lines' schema (schemas/events.schema.json, from event-schema.ts).
export const EVENTS_SCHEMA_VERSION = 1;

export interface RunResult {
  ok: boolean;
  exitCode: number;
  error?: { code: string; message: string };
  image?: object; // byol fetch: what it found in the image (agent/fetch/report.ts)
  released?: string[]; // byol cleanup
  problems?: string[]; // byol cleanup
}

export interface EventSinkOptions {
  json: boolean;
  out: NodeJS.WritableStream;
  redactor: Redactor;
  file?: string; // events.jsonl
  runId?: string; // on every line; null outside a run
  now?: () => number; // for tests
}

export type ResultEventSink = EventSink & { result(r: RunResult): void };

export function createEventSink(opts: EventSinkOptions): ResultEventSink {
  const now = opts.now ?? Date.now;
  if (opts.file !== undefined) mkdirSync(dirname(opts.file), { recursive: true });
  // `{"ts","schemaVersion","runId","step","phase",...}` (schemas/events.schema.json): ts first so
  // the lines read well in a terminal too
  const head = { schemaVersion: EVENTS_SCHEMA_VERSION, runId: opts.runId ?? null };
  const jsonLine = (event: object) =>
    opts.redactor.redact(`${JSON.stringify({ ts: new Date(now()).toISOString(), ...head, ...event })}\n`);
  const record = (line: string) => {
    if (opts.file !== undefined) appendFileSync(opts.file, line);
  };
  let observed = true;
  ignoreWriteErrors(opts.out, "output", (_, error) => {
    observed = false;
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    const message = `the output went away (${code}); the run goes on, its events in events.jsonl`;
    record(jsonLine({ step: "output", phase: "log", level: "warn", message }));
  });
  const write = (text: string) => {
    if (observed) opts.out.write(text);
  };
  const tty = opts.out as { isTTY?: boolean; columns?: number } & NodeJS.WritableStream;
  const human = createHumanView({
    write: (text) => write(opts.redactor.redact(text)),
    tty: tty.isTTY === true,
    now,
    columns: () => tty.columns,
    // the TTY stream emits 'resize' on SIGWINCH; only a human view on a TTY listens
    ...(tty.isTTY === true && !opts.json && { onResize: (redraw: () => void) => tty.on("resize", redraw) }),
  });
  return {
    emit(event: StepEvent) {
      const line = jsonLine(event);
      record(line);
      if (opts.json) write(line);
      else human.show(event);
    },
    result(r: RunResult) {
      const line = jsonLine({ phase: "result", ...r });
      record(line);
      if (opts.json) write(line);
      else human.line(resultText(r));
    },
  };
}

// The last line of the terminal view.
export function resultText(r: RunResult): string {
  return r.ok ? "==> done" : `==> failed (exit ${r.exitCode}): ${r.error?.message ?? "unknown error"}`;
}
