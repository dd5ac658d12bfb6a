// The event stream for a person on a terminal: `==> title`, `    done in 1.2s`, failures
// in full, and one updating progress line on a TTY (a line every few seconds otherwise).

import type { StepEvent } from "../exec/types.ts";
import { escapeControls, escapeLines } from "./escape.ts";
import { fitColumns, formatDuration, progressLine } from "./progress-line.ts";

export const PLAIN_PROGRESS_EVERY_MS = 5000;

export interface HumanViewOptions {
  write: (text: string) => void; // already redacted by the sink
  tty: boolean;
  now: () => number;
  columns?: () => number | undefined; // the terminal's width (a TTY's `columns`); the line is cut to it
  onResize?: (redraw: () => void) => void; // the terminal's 'resize': the progress line is drawn again
}

export interface HumanView {
  show(event: StepEvent): void;
  line(text: string): void;
}

// The line an event prints, progress aside.
function text(event: Exclude<StepEvent, { phase: "progress" }>): string {
  switch (event.phase) {
    case "start":
      return `==> ${event.title}`;
    case "done":
      return `    done in ${formatDuration(event.durationMs)}`;
    case "failed":
      return `    failed after ${formatDuration(event.durationMs)}: ${event.error.message}`;
    case "log":
      return `    ${event.level === "warn" ? "warning: " : ""}${event.message}`;
    default:
      throw new Error(`unknown event ${JSON.stringify(event satisfies never)}`);
  }
}

// Per step it remembers the title (the progress label) and when progress began (the rate).
export function createHumanView(opts: HumanViewOptions): HumanView {
  const titles = new Map<string, string>();
  const progressStart = new Map<string, number>();
  let lastPlainAt = Number.NEGATIVE_INFINITY;
  let openLine = false; // a TTY progress line is on screen without its newline
  // titles, messages and labels come from the request and from commands' output: escaped
  const line = (s: string) => {
    opts.write(`${openLine ? "\n" : ""}${escapeLines(s)}\n`);
    openLine = false;
  };
  let shown = ""; // the open progress line's text, drawn again cut to the new width on resize
  const draw = () => opts.write(`\r${fitColumns(shown, opts.columns?.())}\x1b[K`);
  opts.onResize?.(() => {
    if (openLine) draw();
  });
  const progress = (event: Extract<StepEvent, { phase: "progress" }>) => {
    const now = opts.now();
    const start = progressStart.get(event.step) ?? now;
    progressStart.set(event.step, start);
    const label = event.message ?? titles.get(event.step) ?? event.step;
    const s = escapeControls(progressLine({ label, bytes: event.bytes, total: event.total, elapsedMs: now - start }));
    if (opts.tty) {
      shown = s;
      draw();
      openLine = true;
    } else if (now - lastPlainAt >= PLAIN_PROGRESS_EVERY_MS || (event.total !== null && event.bytes >= event.total)) {
      lastPlainAt = now;
      line(`    ${s}`);
    }
  };
  const show = (event: StepEvent) => {
    if (event.phase === "progress") {
      progress(event);
      return;
    }
    if (event.phase === "start") titles.set(event.step, event.title);
    line(text(event));
  };
  return { show, line };
}
