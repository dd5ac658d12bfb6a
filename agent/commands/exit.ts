// The one top-level catch: maps each error class to an exit code and prints it once, on one
// line (a stack trace is never printed: BYOL_DEBUG=1 adds it, for a developer). With --json the
// last line on stdout is the result line, errors included.

import {
  CommandError,
  EXIT,
  InputError,
  InstallError,
  Interrupted,
  PlanError,
  RemoteError,
  RequestError,
  UsageError,
} from "../errors.ts";
import { EVENTS_SCHEMA_VERSION } from "../exec/events.ts";
import { escapeControls } from "../view/escape.ts";

interface Outcome {
  exitCode: number;
  code: string; // the result line's error.code
  lines: string[]; // what stderr shows, one line each
}

function outcomeOf(error: unknown, command: string): Outcome {
  const one = (text: string) => `byol ${command}: ${escapeControls(text)}`;
  if (error instanceof RequestError || error instanceof PlanError) {
    return { exitCode: EXIT.invalid, code: "invalid", lines: error.problems.map(escapeControls) };
  }
  if (error instanceof Interrupted)
    return { exitCode: EXIT.interrupted, code: "interrupted", lines: [one(error.message)] };
  if (error instanceof UsageError) {
    return { exitCode: EXIT.invalid, code: "usage", lines: [one(error.message), `Try 'byol ${command} --help'.`] };
  }
  if (error instanceof RemoteError)
    return { exitCode: error.exitCode, code: `remote-${error.kind}`, lines: [one(error.message)] };
  if (error instanceof InputError) return { exitCode: EXIT.invalid, code: "input", lines: [one(error.message)] };
  if (error instanceof InstallError) {
    return { exitCode: EXIT.failedBeforeDisks, code: error.code, lines: [one(error.message)] };
  }
  if (error instanceof CommandError) {
    return { exitCode: EXIT.failedBeforeDisks, code: "command", lines: [one(error.message)] };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { exitCode: EXIT.failedBeforeDisks, code: "internal", lines: [one(`unexpected error: ${message}`)] };
}

// The head of a --json result line of a command that has no run (validate, plan, preflight, fetch):
// the same fields, in the same order, as an install's events (schemas/events.schema.json).
export function resultHead(command: string): { ts: string; schemaVersion: number; runId: null; step: string } {
  return { ts: new Date().toISOString(), schemaVersion: EVENTS_SCHEMA_VERSION, runId: null, step: command };
}

export function exitCodeFor(error: unknown, command: string, json = false): number {
  const outcome = outcomeOf(error, command);
  process.stderr.write(`${outcome.lines.join("\n")}\n`);
  if (process.env["BYOL_DEBUG"] === "1" && error instanceof Error && error.stack !== undefined) {
    process.stderr.write(`${error.stack}\n`);
  }
  if (json) {
    const message = error instanceof Error ? error.message : String(error);
    const result = { phase: "result", ok: false, exitCode: outcome.exitCode, error: { code: outcome.code, message } };
    process.stdout.write(`${JSON.stringify({ ...resultHead(command), ...result })}\n`);
  }
  return outcome.exitCode;
}
