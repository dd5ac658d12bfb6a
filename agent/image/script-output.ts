// The output of the image's make_image_bootable.sh: every line goes live to the user as an event
// and, whole and redacted, into make_image_bootable.log in the run directory; the last lines are
// kept for the error message of a script that failed.

import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import type { RunContext } from "../exec/context.ts";

export const DEFAULT_SCRIPT_TIMEOUT_MS = 30 * 60_000;
export const SCRIPT_LOG = "make_image_bootable.log";
export const SCRIPT_TAIL_LINES = 50;

// Splits the output into lines per stream (stdout and stderr interleave by line, as a terminal
// shows them), emits each line, appends it redacted to the log file and keeps the last lines.
export class ScriptOutput {
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
    if (this.#last.length > SCRIPT_TAIL_LINES) this.#last.shift();
    if (line.trim() !== "") this.#ctx.events.emit({ step: this.#step, phase: "log", level: "info", message: line });
  }
}
