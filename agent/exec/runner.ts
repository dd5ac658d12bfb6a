// The one command runner: every external command of byol goes through here. It spawns
// from an argv array (never a shell string), logs one line before and one after, records
// a redacted journal entry and throws the one CommandError on any failure.

import { performance } from "node:perf_hooks";
import { execa } from "execa";
import type { Logger } from "pino";
import type { Argv } from "../plan/types.ts";
import type { Redactor } from "../redact.ts";
import { commandError } from "./command-error.ts";
import type { Journal } from "./journal.ts";
import { forwardOutput } from "./live-output.ts";
import { tail } from "./tail.ts";
import { type StopReason, terminateOn } from "./terminate.ts";
import type { CommandResult, EventSink, Runner, RunOptions } from "./types.ts";

export interface RunnerOptions {
  journal: Journal;
  redactor: Redactor;
  log: Logger;
  signal?: AbortSignal; // SIGINT/SIGTERM: running commands get SIGTERM, then SIGKILL after graceMs
  events?: EventSink; // told when a command is stopped by a timeout or an interrupt
  graceMs?: number; // default 5000
}

// What one finished (or never started) subprocess looked like.
interface Outcome {
  exitCode: number | null;
  signal?: string;
  stopped?: StopReason;
  spawnError?: { code?: string; message: string };
  stdout: string;
  stderr: string;
}

export function createRunner(opts: RunnerOptions): Runner {
  let lastId = 0;
  return { run: (argv, options) => runOne(opts, ++lastId, argv, options) };
}

// Spawns, waits, journals, then returns the result or throws the CommandError.
async function runOne(opts: RunnerOptions, id: number, argv: Argv, options: RunOptions): Promise<CommandResult> {
  const { journal, redactor, log } = opts;
  const { step } = options;
  const redacted = redactor.redactArgv(argv);
  const startedAt = new Date().toISOString();
  const start = performance.now();
  log.info({ cmd: id, step, argv: redacted }, "run");
  const out = await spawn(opts, argv, options);
  const durationMs = Math.round(performance.now() - start);
  journal.record({
    id,
    step,
    argv: redacted,
    startedAt,
    exitCode: out.exitCode,
    ...(out.signal !== undefined && { signal: out.signal }),
    ...(out.stopped === "timeout" && { timedOut: true }),
    durationMs,
    stdoutTail: tail(redactor.redact(out.stdout)),
    stderrTail: tail(redactor.redact(out.stderr)),
  });
  const ok = out.exitCode !== null && out.stopped === undefined && (options.okExitCodes ?? [0]).includes(out.exitCode);
  const level = ok ? "info" : "warn";
  log[level]({ cmd: id, step, exitCode: out.exitCode, signal: out.signal, stopped: out.stopped, durationMs }, "exit");
  if (!ok) {
    throw commandError(
      {
        step,
        argv,
        exitCode: out.exitCode,
        ...(out.signal !== undefined && { signal: out.signal }),
        timedOut: out.stopped === "timeout",
        ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
        canceled: out.stopped === "abort",
        ...(out.spawnError !== undefined && { spawnError: out.spawnError }),
        durationMs,
        stderr: out.stderr,
      },
      redactor,
    );
  }
  return { id, argv: redacted, exitCode: out.exitCode!, durationMs, stdout: out.stdout, stderr: out.stderr };
}

// Runs the subprocess in its own process group so a timeout or an interrupt stops the whole tree.
async function spawn(opts: RunnerOptions, argv: Argv, options: RunOptions): Promise<Outcome> {
  const signal = options.ignoreAbort ? undefined : opts.signal;
  if (signal?.aborted) return { exitCode: null, stopped: "abort", stdout: "", stderr: "" };
  const [file = "", ...args] = argv;
  const subprocess = execa(file, args, {
    reject: false,
    detached: true,
    stripFinalNewline: false,
    encoding: "utf8",
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    ...(options.env !== undefined && { env: options.env }),
    ...(options.cwd !== undefined && { cwd: options.cwd }),
  });
  if (options.onOutput !== undefined) {
    forwardOutput(subprocess.stdout, "stdout", options.onOutput);
    forwardOutput(subprocess.stderr, "stderr", options.onOutput);
  }
  using stopper = terminateOn(subprocess.pid, {
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(signal !== undefined && { signal }),
    ...(opts.graceMs !== undefined && { graceMs: opts.graceMs }),
    onStop: (why) => {
      const message = `${opts.redactor.redact(file)}: ${why === "timeout" ? "timed out" : "interrupted"}, stopping it`;
      opts.events?.emit({ step: options.step, phase: "log", level: "warn", message });
    },
  });
  const r = await subprocess;
  const spawnFailed = r.failed && r.exitCode === undefined && r.signal === undefined && subprocess.pid === undefined;
  return {
    exitCode: r.exitCode ?? null,
    ...(r.signal !== undefined && { signal: r.signal }),
    ...(stopper.reason !== undefined && { stopped: stopper.reason }),
    ...(spawnFailed && { spawnError: { code: String(r.code), message: String(r.originalMessage || r.shortMessage) } }),
    stdout: String(r.stdout ?? ""),
    stderr: String(r.stderr ?? ""),
  };
}
