// summary.json from events: timings per step, failed and interrupted steps, a step cut short.

import assert from "node:assert/strict";
import { test } from "node:test";
import { stepTimings, summarise, type TimedEvent } from "../../agent/report/summary.ts";
import { recordOf } from "./helpers.ts";

const t = (s: number) => new Date(Date.parse("2025-03-01T03:00:00.000Z") + s * 1000).toISOString();

test("done, failed and interrupted steps, in start order, with their durations", () => {
  const events: TimedEvent[] = [
    { ts: t(0), step: "download", phase: "start", title: "downloading" },
    { ts: t(1), step: "download", phase: "progress", bytes: 1, total: 2 },
    { ts: t(12), step: "download", phase: "done", durationMs: 12_000 },
    { ts: t(12), step: "wipe", phase: "start", title: "wiping" },
    {
      ts: t(13),
      step: "wipe",
      phase: "failed",
      durationMs: 1000,
      error: { code: "command", message: "sgdisk failed" },
    },
    { ts: t(14), step: "copy", phase: "start", title: "copying" },
    {
      ts: t(20),
      step: "copy",
      phase: "failed",
      durationMs: 6000,
      error: { code: "interrupted", message: "interrupted by SIGTERM" },
    },
    { ts: t(21), step: "finish", phase: "start", title: "finishing" },
    { ts: t(25), step: "reset-tables", phase: "log", level: "warn", message: "x" },
  ];
  assert.deepEqual(stepTimings(events, t(30)), [
    { id: "download", title: "downloading", durationMs: 12_000, phase: "done" },
    {
      id: "wipe",
      title: "wiping",
      durationMs: 1000,
      phase: "failed",
      error: { code: "command", message: "sgdisk failed" },
    },
    {
      id: "copy",
      title: "copying",
      durationMs: 6000,
      phase: "interrupted",
      error: { code: "interrupted", message: "interrupted by SIGTERM" },
    },
    { id: "finish", title: "finishing", durationMs: 9000, phase: "interrupted" }, // never ended: killed
  ]);
});

test("the summary takes its times from the events and its result from the install", () => {
  const events: TimedEvent[] = [
    { ts: t(0), step: "wipe", phase: "start", title: "wiping" },
    { ts: t(1), step: "wipe", phase: "done", durationMs: 1000 },
    { ts: t(2), phase: "result", ok: true, exitCode: 0 },
  ];
  const s = summarise(events, { ok: true, exitCode: 0 }, { runId: "r1", operatingSystem: "byoi_64" });
  assert.equal(s.startedAt, t(0));
  assert.equal(s.finishedAt, t(2));
  assert.equal(s.ok, true);
  assert.equal(s.error, undefined);
  assert.equal(s.operatingSystem, "byoi_64");
  assert.match(s.byolVersion, /^\d+\.\d+\.\d+/);
});

test("a run killed with SIGTERM during rsync: the copy step is the interrupted one", async () => {
  const { summary } = await recordOf("killed");
  assert.equal(summary.exitCode, 130);
  const last = summary.steps.at(-1);
  assert.equal(last?.id, "copy");
  assert.equal(last?.phase, "interrupted");
  assert.ok(summary.steps.slice(0, -1).every((s) => s.phase === "done"));
});
