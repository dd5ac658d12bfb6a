// The few error classes byol has. main.ts maps each to an exit code:
// RequestError/PlanError/InputError -> 2, InstallError -> 3 or 4 (disksWritten), Interrupted -> 130.

export { PlanError } from "./plan/types.ts";

// The request is invalid; nothing was touched. One message per problem.
export class RequestError extends Error {
  override name = "RequestError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
}

// A file a command reads (a run record, the state file) is missing or malformed; nothing was
// touched. Exit 2, like a bad request: another file, not another machine, would help.
export class InputError extends Error {
  override name = "InputError";
}

// An external command failed. Built only by agent/exec/runner.ts.
export class CommandError extends Error {
  override name = "CommandError";
  readonly step: string;
  readonly argv: string[]; // redacted
  readonly command: string; // redacted, shell-quoted
  readonly exitCode: number | null;
  readonly signal?: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
  readonly stderrTail: string; // redacted
  constructor(init: {
    message: string;
    step: string;
    argv: string[];
    command: string;
    exitCode: number | null;
    signal?: string;
    timedOut: boolean;
    durationMs: number;
    stderrTail: string;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.step = init.step;
    this.argv = init.argv;
    this.command = init.command;
    this.exitCode = init.exitCode;
    if (init.signal !== undefined) this.signal = init.signal;
    this.timedOut = init.timedOut;
    this.durationMs = init.durationMs;
    this.stderrTail = init.stderrTail;
  }
}

// A step failed with a user-facing message (OVH wording where documented).
// `code` is a stable machine-readable code for the result line, e.g. "download", "checksum".
export class InstallError extends Error {
  override name = "InstallError";
  readonly code: string;
  readonly step: string;
  constructor(code: string, step: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.step = step;
  }
}

// SIGINT/SIGTERM arrived; the run was cleaned up.
export class Interrupted extends Error {
  override name = "Interrupted";
  readonly signal: string;
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
  }
}

export const EXIT = {
  ok: 0,
  invalid: 2,
  failedBeforeDisks: 3,
  failedAfterDisks: 4,
  interrupted: 130,
} as const;
