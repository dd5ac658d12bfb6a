import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { defaultRunDir, RunStateStore, readRunState, runStateFile, writeRunState } from "../../agent/exec/state.ts";
import { tempDir } from "./helpers.ts";

test("the state file round-trips and is written atomically", () => {
  const dir = join(tempDir(), "byol");
  const store = RunStateStore.start({ dir, runId: "r1", targetDisks: ["/dev/sda"] });
  store.hold("mounts", "/tmp/a");
  store.hold("mounts", "/tmp/a/boot");
  store.hold("md", "/dev/md0");
  store.drop("mounts", "/tmp/a/boot");
  store.save({ step: "format", targetDisks: ["/dev/sda", "/dev/sdb"], disksWritten: true });
  store.finish(false, 4);
  const back = readRunState(dir);
  assert.deepEqual(back, store.state);
  assert.equal(back?.pid, process.pid);
  assert.deepEqual(back?.mounts, ["/tmp/a"]);
  assert.deepEqual(back?.md, ["/dev/md0"]);
  assert.equal(back?.step, "format");
  assert.equal(back?.disksWritten, true);
  assert.deepEqual(back?.finished, { ok: false, exitCode: 4 });
  assert.deepEqual(readdirSync(dir), ["current.json"], "no temporary file is left");
});

test("no state file is no run; a broken or foreign one is an error naming the file", () => {
  const dir = tempDir();
  assert.equal(readRunState(dir), undefined);
  writeFileSync(runStateFile(dir), "{not json");
  assert.throws(() => readRunState(dir), /reading run state .*current\.json/);
  const state = RunStateStore.start({ dir, runId: "r", targetDisks: [] }).state;
  writeRunState(dir, { ...state, version: 2 as 1 });
  assert.throws(() => readRunState(dir), /reading run state .*version/);
  writeFileSync(runStateFile(dir), JSON.stringify({ ...state, pid: "12", mounts: [1], finished: { ok: true } }));
  assert.throws(
    () => readRunState(dir),
    /current\.json: pid: expected an integer, got "12"; mounts: expected an array of strings, got \[1\]; finished: expected/,
  );
});

test("an older state file without the held lists or byol's version still reads", () => {
  const dir = tempDir();
  const {
    mounts: _m,
    nbd: _n,
    md: _d,
    loop: _l,
    lvm: _v,
    byol: _b,
    ...old
  } = RunStateStore.start({
    dir,
    runId: "r",
    targetDisks: [],
  }).state;
  writeFileSync(runStateFile(dir), JSON.stringify(old));
  const back = readRunState(dir);
  assert.deepEqual([back?.mounts, back?.nbd, back?.md, back?.loop, back?.lvm], [[], [], [], [], []]);
  assert.equal(back?.byol, undefined);
});

test("BYOL_RUN_DIR overrides /run/byol", () => {
  const before = process.env["BYOL_RUN_DIR"];
  delete process.env["BYOL_RUN_DIR"];
  assert.equal(defaultRunDir(), "/run/byol");
  process.env["BYOL_RUN_DIR"] = "/tmp/x";
  assert.equal(defaultRunDir(), "/tmp/x");
  if (before === undefined) delete process.env["BYOL_RUN_DIR"];
  else process.env["BYOL_RUN_DIR"] = before;
});
