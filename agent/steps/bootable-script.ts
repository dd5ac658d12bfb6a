// Runs the image's /root/.ovh/make_image_bootable.sh in a chroot of the installed system, with a
// time limit. Its output is what OVH users most miss: every line goes live to the user as an event
// and, whole, into make_image_bootable.log in the run directory.

import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { CommandError, InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { bindMounts } from "../image/chroot.ts";
import type { BootableScriptStep } from "../plan/types.ts";

export const DEFAULT_SCRIPT_TIMEOUT_MS = 30 * 60_000;
export const SCRIPT_LOG = "make_image_bootable.log";
const TAIL_LINES = 50;

// A known environment, whatever the rescue shell had; BYOL=1 tells the script who runs it.
export const SCRIPT_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", HOME: "/root", BYOL: "1" };

export async function bootableScript(
  ctx: RunContext,
  step: BootableScriptStep,
  opts: { timeoutMs: number; rescueDev?: string },
): Promise<void> {
  const argv = step.commands[0] ?? ["chroot", step.root, step.script];
  const release = await bindMounts(ctx, step.root, opts.rescueDev);
  const output = new ScriptOutput(ctx, step.id, join(ctx.runDir, SCRIPT_LOG));
  try {
    await ctx.runner.run(argv, {
      step: step.id,
      timeoutMs: opts.timeoutMs,
      env: SCRIPT_ENV,
      onOutput: (stream, chunk) => output.write(stream, chunk),
    });
  } catch (error) {
    output.end();
    throw scriptFailure(ctx, step, error, opts.timeoutMs, output.lastLines());
  } finally {
    output.end();
    await release();
  }
}

// The user's message for a script that failed or hung; anything else (an interrupt, a chroot
// that could not start) is passed on as it is.
function scriptFailure(
  ctx: RunContext,
  step: BootableScriptStep,
  error: unknown,
  timeoutMs: number,
  last: string[],
): unknown {
  if (ctx.signal.aborted || !(error instanceof CommandError)) return error;
  let how: string;
  if (error.timedOut) how = `timed out after ${Number((timeoutMs / 1000).toFixed(1))}s`;
  else if (error.exitCode !== null) how = `exit code ${error.exitCode}`;
  else if (error.signal !== undefined) how = `killed by ${error.signal}`;
  else return error;
  const message = `The script did not end properly (${how}); last ${TAIL_LINES} lines of its output:\n${last.join("\n")}`;
  return new InstallError("script", step.id, message, { cause: error });
}

// Splits the output into lines per stream (stdout and stderr interleave by line, as a terminal
// shows them), emits each line, appends it redacted to the log file and keeps the last lines.
class ScriptOutput {
  readonly #ctx: RunContext;
  readonly #step: string;
  readonly #partial = { stdout: "", stderr: "" };
  readonly #last: string[] = [];
  #fd: number | undefined;

  constructor(ctx: RunContext, step: string, file: string) {
    this.#ctx = ctx;
    this.#step = step;
    mkdirSync(ctx.runDir, { recursive: true });
    this.#fd = openSync(file, "a", 0o600);
  }

  write(stream: "stdout" | "stderr", chunk: string): void {
    const lines = (this.#partial[stream] + chunk).split("\n");
    this.#partial[stream] = lines.pop() ?? "";
    for (const line of lines) this.#line(line);
  }

  // Flushes unterminated last lines and closes the file; safe to call twice.
  end(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.#partial[stream] !== "") this.#line(this.#partial[stream]);
      this.#partial[stream] = "";
    }
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  lastLines(): string[] {
    return [...this.#last];
  }

  #line(raw: string): void {
    const line = this.#ctx.redactor.redact(raw.replace(/\r$/, ""));
    if (this.#fd !== undefined) writeSync(this.#fd, `${line}\n`);
    this.#last.push(line);
    if (this.#last.length > TAIL_LINES) this.#last.shift();
    if (line.trim() !== "") this.#ctx.events.emit({ step: this.#step, phase: "log", level: "info", message: line });
  }
}
