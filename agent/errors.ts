// Every error class byol has, in one file that imports nothing (agent/plan may use it).
// agent/commands/exit.ts maps them to exit codes in its one top-level catch:
// RequestError, PlanError, UsageError, InputError -> 2; InstallError, CommandError -> 3;
// Interrupted -> 130; RemoteError -> its own code (10-16, byol remote's controller).
// An install's own result (3 or 4, from whether disks were written) is decided in agent/install.ts.
// The rest are internal: caught where they are thrown and turned into an InstallError.

// One message per problem; exit.ts prints each on its own line of stderr.
abstract class ProblemsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
}

// The request (or another input: an inventory file, a run record) is invalid; nothing was touched.
export class RequestError extends ProblemsError {
  override name = "RequestError";
}

// Thrown by buildPlan for a request that cannot be planned on this inventory
// (layout does not fit, too few disks, MBR limits).
export class PlanError extends ProblemsError {
  override name = "PlanError";
}

// A file a command reads (a run record, the state file) is missing or malformed; nothing was
// touched. Exit 2, like a bad request: another file, not another machine, would help.
export class InputError extends Error {
  override name = "InputError";
}

// Bad flags or arguments: exit 2 with a pointer to --help.
export class UsageError extends Error {
  override name = "UsageError";
}

// An external command failed. Built only by agent/exec/command-error.ts for the runner.
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
// `code` is a stable machine-readable code for the result line (listed in docs/contract.md).
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

// byol remote's own exit codes, distinct from the install's 0/2/3/4/130.
export const REMOTE_EXIT = {
  unreachable: 10, // no connection: name not resolved, refused, timed out, no route; or the copy failed
  hostKey: 11, // the host key is unknown or does not match known_hosts
  notRoot: 12, // the remote user is not root
  missingPackages: 13, // preflight found missing packages and --install-missing was not given
  noSpace: 14, // no room for the executable in the remote directory
  authentication: 15, // the server refused every key (or password)
  lost: 16, // the connection was lost and re-attaching failed; the install may still be running
} as const;

export type RemoteFailure = keyof typeof REMOTE_EXIT;

// byol remote could not do its part (connect, copy, preflight, follow); nothing was started, or
// what was started goes on on the server.
export class RemoteError extends Error {
  override name = "RemoteError";
  readonly kind: RemoteFailure;
  readonly exitCode: number;
  constructor(kind: RemoteFailure, message: string) {
    super(message);
    this.kind = kind;
    this.exitCode = REMOTE_EXIT[kind];
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

// Internal: a download failure that another attempt may get past (a dropped connection, a
// truncated body, 5xx, 408, 429). `reason` is what the final error says if no attempt does.
export class TransientError extends Error {
  override name = "TransientError";
  readonly reason: string;
  readonly retryAfter?: string;
  constructor(reason: string, options?: { retryAfter?: string; cause?: unknown }) {
    super(reason, { cause: options?.cause });
    this.reason = reason;
    if (options?.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

// Internal: the chain of redirects itself is the problem.
export class RedirectError extends Error {
  override name = "RedirectError";
}

// Internal: over several connections, the server did not serve consistent ranges (a 200 to a
// ranged GET, a wrong Content-Range, a changed ETag or length); the download starts again with one.
export class PartsMismatch extends Error {
  override name = "PartsMismatch";
}

// Internal: a failure of a file being written (ENOSPC, EACCES), as opposed to a failure of the
// stream feeding it.
export class FileSinkError extends Error {
  override name = "FileSinkError";
  readonly code: string;
  constructor(action: string, path: string, cause: unknown) {
    const code = (cause as { code?: string }).code ?? "EIO";
    super(`${action} ${path}: ${code}`, { cause });
    this.code = code;
  }
}

// Internal: an image's partition table or qcow2 header could not be parsed.
export class PartitionTableError extends Error {
  override name = "PartitionTableError";
}
export class Qcow2ParseError extends Error {
  override name = "Qcow2ParseError";
}

export const EXIT = {
  ok: 0,
  invalid: 2,
  failedBeforeDisks: 3,
  failedAfterDisks: 4,
  // `status --follow`: the install's process ended without its result (killed); nothing was torn down
  died: 5,
  interrupted: 130,
} as const;
