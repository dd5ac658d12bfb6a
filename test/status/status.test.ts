// byol status: the reducer over an event sequence, the OVH step names, the tap's status.json,
// and reading it back joined with the state file.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { RunStateStore } from "../../agent/exec/state.ts";
import type { StepEvent } from "../../agent/exec/types.ts";
import { formatStatus } from "../../agent/status/format.ts";
import { ovhStepOf } from "../../agent/status/ovh-steps.ts";
import { readStatus, STATUS_SCHEMA_VERSION } from "../../agent/status/read.ts";
import { initialStatus, type RunEvent, reduceStatus, viewStatus } from "../../agent/status/reduce.ts";

import { createStatusTap, STATUS_FILE, teeEvents } from "../../agent/status/tap.ts";
import { byolVersion } from "../../agent/version.ts";

const PLAN = [
  "download",
  "inspect",
  "wipe",
  "partition:/dev/sda",
  "mkfs:/dev/sda2",
  "mount:/",
  "config-drive",
  "attach",
  "copy",
  "configure",
  "bootable-script",
  "boot-entries",
  "finish",
];

const tempDir = () => mkdtempSync(join(tmpdir(), "byol-status-"));
const fold = (events: RunEvent[]) => events.reduce(reduceStatus, initialStatus("r1", PLAN));
const start = (step: string): StepEvent => ({ step, phase: "start", title: step });
const done = (step: string): StepEvent => ({ step, phase: "done", durationMs: 1 });

test("plan step kinds map to OVH's progress list", () => {
  const names = PLAN.map(ovhStepOf);
  assert.deepEqual(names, [
    "download",
    "download",
    "partitioning",
    "partitioning",
    "partitioning",
    "partitioning",
    "configdrive",
    "deploy",
    "deploy",
    "deploy",
    "make_image_bootable",
    "boot order",
    "reboot",
  ]);
  assert.equal(ovhStepOf("write-image"), "deploy");
  assert.equal(ovhStepOf("move-backup-gpt"), "deploy");
  assert.equal(ovhStepOf("raid:/dev/md0"), "partitioning");
  assert.equal(ovhStepOf("lvm:vg0"), "partitioning");
  assert.equal(ovhStepOf("reset-tables"), undefined);
});

test("during the download: download doing, with its progress; the rest to do", () => {
  const view = viewStatus(fold([start("download"), { step: "download", phase: "progress", bytes: 512, total: 2048 }]));
  assert.deepEqual(view, {
    runId: "r1",
    state: "running",
    step: "download",
    ovhStep: "download",
    progress: { bytes: 512, total: 2048 },
    steps: [
      { name: "download", status: "doing" },
      { name: "partitioning", status: "todo" },
      { name: "configdrive", status: "todo" },
      { name: "deploy", status: "todo" },
      { name: "make_image_bootable", status: "todo" },
      { name: "boot order", status: "todo" },
      { name: "reboot", status: "todo" },
    ],
  });
});

test("a group is doing until its last step is done; progress is dropped at the next step", () => {
  const events = [
    start("download"),
    { step: "download", phase: "progress", bytes: 2048, total: 2048 } as RunEvent,
    done("download"),
    start("inspect"),
    done("inspect"),
    start("wipe"),
    done("wipe"),
  ];
  const view = viewStatus(fold(events));
  assert.equal(view.progress, undefined);
  assert.deepEqual(view.steps.slice(0, 2), [
    { name: "download", status: "done" },
    { name: "partitioning", status: "doing" },
  ]);
  assert.equal(view.step, "wipe", "a step that is done stays the step until the next starts");
});

test("a failure in the script: error, then the result", () => {
  const events: RunEvent[] = PLAN.slice(0, 10).flatMap((s) => [start(s), done(s)]);
  events.push(start("bootable-script"), {
    step: "bootable-script",
    phase: "failed",
    durationMs: 5,
    error: { code: "script", message: "make_image_bootable.sh failed" },
  });
  events.push({ step: "reset-tables", phase: "log", level: "warn", message: "x" });
  events.push({
    phase: "result",
    ok: false,
    exitCode: 4,
    error: { code: "script", message: "make_image_bootable.sh failed" },
  });
  const view = viewStatus(fold(events));
  assert.equal(view.state, "failed");
  assert.equal(view.step, "bootable-script");
  assert.equal(view.ovhStep, "make_image_bootable");
  assert.deepEqual(
    view.steps.map((s) => `${s.name}:${s.status}`),
    [
      "download:done",
      "partitioning:done",
      "configdrive:done",
      "deploy:done",
      "make_image_bootable:error",
      "boot order:todo",
      "reboot:todo",
    ],
  );
  assert.deepEqual(view.result, {
    ok: false,
    exitCode: 4,
    error: { code: "script", message: "make_image_bootable.sh failed" },
  });
  assert.equal(viewStatus(fold([{ phase: "result", ok: false, exitCode: 130 }])).state, "interrupted");
  assert.equal(viewStatus(fold([{ phase: "result", ok: true, exitCode: 0 }])).state, "done");
});

test("without a plan, steps are listed as they start", () => {
  const s = [start("wipe"), done("wipe"), start("copy")].reduce(reduceStatus, initialStatus("r2"));
  assert.deepEqual(viewStatus(s).steps, [
    { name: "partitioning", status: "done" },
    { name: "deploy", status: "doing" },
  ]);
});

test("the tap writes status.json at once for steps, at most every 500 ms for progress, and at the result", () => {
  const dir = tempDir();
  let now = 0;
  const tap = createStatusTap({ dir, runId: "r1", planStepIds: PLAN, now: () => now });
  const read = () => JSON.parse(readFileSync(join(dir, STATUS_FILE), "utf8"));
  assert.equal(read().planSteps.length, PLAN.length);
  const seen: string[] = [];
  const events = teeEvents({ emit: (e) => seen.push(e.phase), result: () => seen.push("result") });
  events.add(tap);
  events.emit(start("download"));
  now = 100;
  events.emit({ step: "download", phase: "progress", bytes: 1, total: 10 });
  assert.equal(read().progress, undefined, "too soon after the last write");
  now = 600;
  events.emit({ step: "download", phase: "progress", bytes: 5, total: 10 });
  assert.deepEqual(read().progress, { bytes: 5, total: 10 });
  events.result({ ok: true, exitCode: 0 });
  assert.equal(read().state, "done");
  assert.deepEqual(seen, ["start", "progress", "progress", "result"]);
});

test("readStatus joins the state file and status.json; a dead run without result was interrupted", () => {
  const dir = tempDir();
  assert.deepEqual(readStatus(dir), {
    schemaVersion: STATUS_SCHEMA_VERSION,
    runId: null,
    state: "none",
    step: null,
    ovhStep: null,
    steps: [],
    byol: byolVersion(), // no run: this byol's
  });
  assert.equal(formatStatus(readStatus(dir)), "no run recorded\n");

  const store = RunStateStore.start({ runId: "r1", targetDisks: ["/dev/sda"], dir });
  const tap = createStatusTap({ dir, runId: "r1", planStepIds: PLAN });
  tap.emit(start("download"));
  tap.emit(done("download"));
  tap.emit(start("inspect"));
  tap.emit(done("inspect"));
  tap.emit(start("wipe"));
  let s = readStatus(dir, () => true);
  assert.deepEqual(s.byol, byolVersion(), "the run's byol, as its state file recorded it");
  assert.equal(s.state, "running");
  assert.equal(s.step, "wipe");
  assert.equal(s.pid, process.pid);
  assert.equal(s.disksWritten, false);
  assert.equal(
    formatStatus(s).split("\n").slice(1, 4).join("\n"),
    "  ✓ download\n  … partitioning: wipe\n    configdrive",
  );
  assert.equal(readStatus(dir, () => false).state, "interrupted", "a killed run never wrote its result");

  store.finish(false, 4); // the install's state file knows the result even if the tap missed it
  s = readStatus(dir, () => false);
  assert.equal(s.state, "failed");
  assert.deepEqual(s.result, { ok: false, exitCode: 4 });
  assert.match(formatStatus(s), /\nresult: failed \(exit 4\)\n$/);
});

test("without status.json (an older install), the run's events.jsonl is folded", () => {
  const dir = tempDir();
  RunStateStore.start({ runId: "r9", targetDisks: [], dir });
  mkdirSync(join(dir, "r9"));
  const lines = [start("download"), { step: "download", phase: "progress", bytes: 7, total: 9 }];
  writeFileSync(join(dir, "r9", "events.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n{"cut`);
  const s = readStatus(dir, () => true);
  assert.equal(s.step, "download");
  assert.deepEqual(s.progress, { bytes: 7, total: 9 });
  assert.match(formatStatus(s), /… download: download 0 MiB\/0 MiB \(77%\)/);
});
