// summary.json of a run record: the result, the error and each step's timing, derived from
// events.jsonl. A step that started and never ended was cut short by a kill.

import { join } from "node:path";
import type { RunResult } from "../exec/events.ts";
import type { RunEvent } from "../status/reduce.ts";
import { byolVersion } from "../version.ts";
import { readJsonLines } from "./jsonl.ts";

export const SUMMARY_VERSION = 1;

export type StepPhase = "done" | "failed" | "interrupted";

export interface StepTiming {
  id: string;
  title?: string;
  durationMs: number;
  phase: StepPhase;
  error?: { code: string; message: string };
}

export interface RunSummary {
  version: typeof SUMMARY_VERSION;
  runId: string;
  ok: boolean;
  exitCode: number;
  error?: { code: string; message: string };
  startedAt: string;
  finishedAt: string;
  steps: StepTiming[];
  byolVersion: string; // package.json's version of the byol that ran the install
  byolCommit: string; // the git commit it was built from (agent/version.ts)
  operatingSystem: string;
}

export type TimedEvent = RunEvent & { ts?: string };

export interface RunIdentity {
  runId: string;
  operatingSystem: string;
  startedAt?: string; // the state file's; the first event's otherwise
  now?: () => Date; // for tests
}

// From <runDir>/events.jsonl and the run's result.
export function buildRunSummary(runDir: string, result: RunResult, run: RunIdentity): RunSummary {
  return summarise(readJsonLines<TimedEvent>(join(runDir, "events.jsonl")), result, run);
}

export function summarise(events: readonly TimedEvent[], result: RunResult, run: RunIdentity): RunSummary {
  const now = (run.now ?? (() => new Date()))().toISOString();
  const resultTs = events.findLast((e) => e.phase === "result")?.ts;
  const summary: RunSummary = {
    version: SUMMARY_VERSION,
    runId: run.runId,
    ok: result.ok,
    exitCode: result.exitCode,
    startedAt: run.startedAt ?? events.find((e) => e.ts !== undefined)?.ts ?? now,
    finishedAt: resultTs ?? now,
    steps: stepTimings(events, resultTs ?? now),
    byolVersion: byolVersion().version,
    byolCommit: byolVersion().commit,
    operatingSystem: run.operatingSystem,
  };
  if (result.error !== undefined) summary.error = result.error;
  return summary;
}

// One entry per started step, in start order. An unfinished step lasts until `endTs`.
export function stepTimings(events: readonly TimedEvent[], endTs: string): StepTiming[] {
  const steps = new Map<string, StepTiming & { startTs?: string }>();
  for (const e of events) {
    if (e.phase === "start") {
      steps.set(e.step, { id: e.step, title: e.title, durationMs: 0, phase: "interrupted", startTs: e.ts });
      continue;
    }
    if (e.phase !== "done" && e.phase !== "failed") continue;
    const s = steps.get(e.step);
    if (s === undefined) continue;
    s.durationMs = e.durationMs;
    delete s.startTs;
    if (e.phase === "done") s.phase = "done";
    else {
      s.phase = e.error.code === "interrupted" ? "interrupted" : "failed";
      s.error = e.error;
    }
  }
  return [...steps.values()].map(({ startTs, ...s }) =>
    startTs === undefined ? s : { ...s, durationMs: Math.max(0, Date.parse(endTs) - Date.parse(startTs)) },
  );
}
