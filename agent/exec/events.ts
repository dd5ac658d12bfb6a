// The step event stream: JSON lines on stdout with --json (a contract other tools read),
// a human view otherwise, and always events.jsonl in the run dir. Everything is redacted.

import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Redactor } from "../redact.ts";
import { createHumanView } from "../view/human-view.ts";
import type { EventSink, StepEvent } from "./types.ts";

export interface RunResult {
  ok: boolean;
  exitCode: number;
  error?: { code: string; message: string };
}

export interface EventSinkOptions {
  json: boolean;
  out: NodeJS.WritableStream;
  redactor: Redactor;
  file?: string; // events.jsonl
  now?: () => number; // for tests
}

export type ResultEventSink = EventSink & { result(r: RunResult): void };

export function createEventSink(opts: EventSinkOptions): ResultEventSink {
  const now = opts.now ?? Date.now;
  if (opts.file !== undefined) mkdirSync(dirname(opts.file), { recursive: true });
  const write = (text: string) => opts.out.write(opts.redactor.redact(text));
  const human = createHumanView({ write, tty: (opts.out as { isTTY?: boolean }).isTTY === true, now });
  // `{"ts","step","phase",...}`: ts first so the lines read well in a terminal too
  const jsonLine = (event: object) =>
    opts.redactor.redact(`${JSON.stringify({ ts: new Date(now()).toISOString(), ...event })}\n`);
  const record = (line: string) => {
    if (opts.file !== undefined) appendFileSync(opts.file, line);
  };
  return {
    emit(event: StepEvent) {
      const line = jsonLine(event);
      record(line);
      if (opts.json) opts.out.write(line);
      else human.show(event);
    },
    result(r: RunResult) {
      const line = jsonLine({ phase: "result", ...r });
      record(line);
      if (opts.json) opts.out.write(line);
      else human.line(r.ok ? "==> done" : `==> failed (exit ${r.exitCode}): ${r.error?.message ?? "unknown error"}`);
    },
  };
}
