// A real RunContext in a temporary run dir, for host tests of the image steps: the real runner and
// journal, events in an array, and the run's stack.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunContext } from "../../agent/exec/context.ts";
import { Journal } from "../../agent/exec/journal.ts";
import { createRunner } from "../../agent/exec/runner.ts";
import type { JournalEntry, StepEvent } from "../../agent/exec/types.ts";
import { createLogger } from "../../agent/log.ts";
import { Redactor } from "../../agent/redact.ts";

export interface TestRun {
  ctx: RunContext;
  dir: string;
  events: StepEvent[];
  journal(): JournalEntry[];
}

// Every run dir of this test process, removed when it exits (tests read journals after teardown).
const runs = mkdtempSync(join(tmpdir(), "byol-image-test-"));
process.on("exit", () => rmSync(runs, { recursive: true, force: true }));

export function testRun(): TestRun {
  const dir = mkdtempSync(join(runs, "run-"));
  const redactor = new Redactor();
  const journal = new Journal(join(dir, "journal.jsonl"));
  const log = createLogger({ file: join(dir, "byol.log"), redactor });
  const events: StepEvent[] = [];
  const sink = { emit: (e: StepEvent) => events.push(e) };
  const runner = createRunner({ journal, redactor, log, events: sink });
  const ctx: RunContext = {
    runner,
    events: sink,
    log,
    redactor,
    stack: new AsyncDisposableStack(),
    state: { runId: "test", targetDisks: [], disksWritten: false },
    signal: new AbortController().signal,
    runDir: dir,
  };
  const entries = () =>
    readFileSync(join(dir, "journal.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as JournalEntry);
  return { ctx, dir, events, journal: () => (journal.file === undefined ? [] : safe(entries)) };
}

function safe<T>(f: () => T[]): T[] {
  try {
    return f();
  } catch {
    return [];
  }
}

// Nothing of the run is mounted, attached or looped any more.
export function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((t) => t.startsWith(dir));
}
