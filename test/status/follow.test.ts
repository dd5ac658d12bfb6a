// status --follow on hand-written run dirs: lines appended in pieces, a result, a run whose
// process is gone with or without a result. The live process cases are in test/exec/observer.test.ts.

import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { RunStateStore, type SavedRunState } from "../../agent/exec/state.ts";
import { EXIT_DIED, follow } from "../../agent/status/follow.ts";

const RUN = "20260101T000000Z-abcdef";

function runDir(state: Partial<SavedRunState> = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), "byol-follow-"));
  mkdirSync(join(stateDir, RUN));
  RunStateStore.start({ runId: RUN, targetDisks: ["/dev/sda"], dir: stateDir }).update({ pid: 4242, ...state });
  return { stateDir, events: join(stateDir, RUN, "events.jsonl") };
}

const start = `${JSON.stringify({ ts: "t", step: "download", phase: "start", title: "downloading x" })}\n`;
const result = `${JSON.stringify({ ts: "t", phase: "result", ok: false, exitCode: 4, error: { code: "command", message: "sgdisk failed" } })}\n`;

function output() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d) => {
    text += d;
  });
  return { out, text: () => text };
}

test("prints the lines so far, waits for the rest (even a line written in two pieces), exits with the result's code", async () => {
  const { stateDir, events } = runDir();
  appendFileSync(events, start);
  const o = output();
  const following = follow({ stateDir, json: true, out: o.out, pollMs: 10, alive: () => true });
  await sleep(50);
  assert.equal(o.text(), start);
  appendFileSync(events, result.slice(0, 20));
  await sleep(50);
  appendFileSync(events, result.slice(20));
  assert.equal(await following, 4);
  assert.equal(o.text(), start + result);
});

test("the terminal view: the install's own lines", async () => {
  const { stateDir, events } = runDir();
  appendFileSync(events, start + result);
  const o = output();
  assert.equal(await follow({ stateDir, runId: RUN, json: false, out: o.out, alive: () => true }), 4);
  assert.equal(o.text(), "==> downloading x\n==> failed (exit 4): sgdisk failed\n");
});

test("a process gone without a result: one line, whether disks were written, exit 5", async () => {
  const { stateDir, events } = runDir({ disksWritten: true, step: "partition" });
  appendFileSync(events, start);
  const o = output();
  assert.equal(await follow({ stateDir, json: true, out: o.out, pollMs: 10, alive: () => false }), EXIT_DIED);
  assert.equal(
    o.text(),
    `${start}byol status: run ${RUN} (pid 4242) ended without a result (killed?); disks were written, nothing was cleaned up: run 'byol cleanup'\n`,
  );
});

test("a process gone whose state file has its result but events.jsonl not: the state's code", async () => {
  const { stateDir, events } = runDir({ finished: { ok: true, exitCode: 0 } });
  appendFileSync(events, start);
  const o = output();
  assert.equal(await follow({ stateDir, json: true, out: o.out, pollMs: 10, alive: () => false }), 0);
  assert.match(o.text().split("\n")[1] ?? "", /"phase":"result","ok":true,"exitCode":0/);
});

test("an unknown run id is an error naming the run dir", async () => {
  const { stateDir } = runDir();
  await assert.rejects(
    follow({ stateDir, runId: "other", json: true, out: output().out, startTimeoutMs: 0, alive: () => true }),
    /run other: nothing recorded in /,
  );
});
