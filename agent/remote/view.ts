// The remote install's JSON event lines shown here: passed through as they are with --json,
// otherwise through the same human view a local install uses.

import { createEventSink, type RunResult } from "../exec/events.ts";
import type { StepEvent } from "../exec/types.ts";
import { Redactor } from "../redact.ts";

const PHASES = new Set(["start", "progress", "done", "failed", "log"]);

export function createRemoteView(json: boolean, out: NodeJS.WritableStream): (line: string) => void {
  if (json) return (line) => out.write(`${line}\n`);
  // The lines were redacted on the server; nothing is added here that needs it.
  const sink = createEventSink({ json: false, out, redactor: new Redactor() });
  return (line) => {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      out.write(`${line}\n`);
      return;
    }
    const { ts: _ts, ...event } = value;
    if (event.phase === "result") sink.result(event as unknown as RunResult);
    else if (typeof event.step === "string" && PHASES.has(String(event.phase)))
      sink.emit(event as unknown as StepEvent);
  };
}
