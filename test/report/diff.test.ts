// byol report diff: plans, commands and timings of two runs.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { JournalEntry } from "../../agent/exec/types.ts";
import type { PlanStep } from "../../agent/plan/types.ts";
import { commandDiff, diffLines, diffRuns, formatDiff, planDiff, type RunDiff } from "../../agent/report/diff.ts";
import { byolRun } from "../support/byol-run.ts";
import { recordOf } from "./helpers.ts";

test("diffLines keeps the common lines and marks the others", () => {
  assert.deepEqual(diffLines(["a", "b", "c"], ["a", "x", "c", "d"]), [
    { op: " ", text: "a" },
    { op: "-", text: "b" },
    { op: "+", text: "x" },
    { op: " ", text: "c" },
    { op: "+", text: "d" },
  ]);
});

const step = (id: string, ...commands: string[][]): PlanStep =>
  ({ kind: "mkfs", id, title: id, device: "/dev/x", fileSystem: "ext4", commands }) as PlanStep;

test("plan diff: steps added and removed, commands changed", () => {
  const a = [step("wipe", ["wipefs", "-a", "/dev/sda"]), step("mkfs:/dev/sda1", ["mkfs.ext4", "/dev/sda1"])];
  const b = [step("wipe", ["wipefs", "-a", "/dev/sdb"]), step("mkfs:/dev/md0", ["mkfs.ext4", "/dev/md0"])];
  assert.deepEqual(planDiff(a, b), [
    "~ step wipe:",
    "    - wipefs -a /dev/sda",
    "    + wipefs -a /dev/sdb",
    "- step mkfs:/dev/sda1",
    "+ step mkfs:/dev/md0",
  ]);
  assert.deepEqual(planDiff(a, a), []);
});

const entry = (step: string, argv: string[], exitCode: number | null): JournalEntry => ({
  id: 1,
  step,
  argv,
  startedAt: "",
  exitCode,
  durationMs: 1,
  stdoutTail: "",
  stderrTail: "",
});

test("command diff: per step, argv and exit code", () => {
  const a = [entry("raid:/dev/md0", ["mdadm", "--create", "/dev/md0"], 0), entry("copy", ["rsync"], 0)];
  const b = [entry("raid:/dev/md0", ["mdadm", "--create", "/dev/md0"], 1), entry("copy", ["rsync"], 0)];
  assert.deepEqual(commandDiff(a, b), [
    "raid:/dev/md0:",
    "  - mdadm --create /dev/md0  (exit 0)",
    "  + mdadm --create /dev/md0  (exit 1)",
  ]);
});

test("a successful and a failed run side by side", async () => {
  const ok = await recordOf("ok");
  const failed = await recordOf("failed");
  const text = formatDiff(ok, failed);
  assert.match(
    text,
    /^--- .*run 20250301T030000Z-aaaaaa, byolinux_64, ok\n\+\+\+ .*-bbbbbb, byolinux_64, failed exit 4: /,
  );
  assert.match(text, /plan:\n {2}\(same steps, same commands\)/);
  assert.match(
    text,
    /bootable-script:\n {4}- chroot \/tmp\/a \/root\/\.ovh\/make_image_bootable\.sh {2}\(exit 0\)\n {4}\+ chroot .* {2}\(exit 1\)/,
  );
  assert.match(text, /teardown:\n {4}\+ umount \/tmp\/a {2}\(exit 32\)/);
  assert.match(text, /timings:\n {2}step\s+A\s+B\s+B-A\n {2}download\s+[\d.]+s\s+[\d.]+s\s+[+-][\d.]+s/);
  assert.match(text, /bootable-script\s+[\d.]+s\s+[\d.]+s failed/);
  assert.match(text, /finish\s+[\d.]+s\s+-\n/);
});

test("diffRuns: the data of --json; runs differ by result, plan or commands, never by timings alone", async () => {
  const ok = await recordOf("ok");
  const failed = await recordOf("failed");
  const d = diffRuns(ok, failed);
  assert.equal(d.differ, true);
  assert.deepEqual([d.a.ok, d.b.ok, d.b.exitCode], [true, false, 4]);
  assert.deepEqual(d.plan, []);
  const script = d.commands.find((c) => c.step === "bootable-script");
  assert.deepEqual(
    script?.lines.map((l) => l.op),
    ["-", "+"],
  );
  assert.ok(d.timings.some((t) => t.step === "finish" && t.a !== null && t.b === null));
  const same = diffRuns(ok, ok);
  assert.deepEqual([same.differ, same.plan, same.commands], [false, [], []]);
});

test("byol report diff exits 1 when the runs differ, 0 when not; --json prints the data", async () => {
  const ok = await recordOf("ok");
  const failed = await recordOf("failed");
  const differ = await byolRun("report", "diff", ok.file, failed.file);
  assert.equal(differ.code, 1, differ.stderr);
  assert.match(differ.stdout, /^--- /);
  const json = await byolRun("report", "diff", ok.file, failed.file, "--json");
  assert.equal(json.code, 1, json.stderr);
  const d = JSON.parse(json.stdout) as RunDiff;
  assert.deepEqual([d.differ, d.a.runId, d.b.runId], [true, ok.summary.runId, failed.summary.runId]);
  const same = await byolRun("report", "diff", ok.file, ok.file, "--json");
  assert.equal(same.code, 0, same.stderr);
  assert.equal((JSON.parse(same.stdout) as RunDiff).differ, false);
});
