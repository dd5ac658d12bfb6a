// udevadm settle between disk steps: a timeout (exit 1) is a warning the run goes on from; any other
// failure still fails the step. Real runner, real processes (sh standing in for udevadm).

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { isSettle, settle } from "../../agent/disk/settle.ts";
import { Journal } from "../../agent/exec/journal.ts";
import { createRunner } from "../../agent/exec/runner.ts";
import type { StepEvent } from "../../agent/exec/types.ts";
import { createLogger } from "../../agent/log.ts";
import { Redactor } from "../../agent/redact.ts";

const dir = mkdtempSync(join(tmpdir(), "byol-settle-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function context() {
  const events: StepEvent[] = [];
  const sink = { emit: (e: StepEvent) => void events.push(e) };
  const redactor = new Redactor();
  const log = createLogger({ file: join(dir, "byol.log"), redactor });
  const runner = createRunner({ journal: new Journal(join(dir, "journal.jsonl")), redactor, log, events: sink });
  return { ctx: { runner, log, events: sink }, events };
}

const warnings = (events: StepEvent[]) => events.flatMap((e) => (e.phase === "log" && e.level === "warn" ? [e] : []));

const udevadm = (script: string) => ["sh", "-c", script, "udevadm"];

test("a settle that times out is a warning naming the command and udev's words, and the step goes on", async () => {
  const { ctx, events } = context();
  await settle(ctx, "wipe", udevadm("echo 'Timed out for waiting the udev queue being empty.' >&2; exit 1"));
  const warn = warnings(events)[0];
  assert.ok(warn, JSON.stringify(events));
  assert.equal(warn.step, "wipe");
  assert.match(warn.message, /Timed out for waiting the udev queue being empty\.; going on/);
  assert.match(readFileSync(join(dir, "journal.jsonl"), "utf8"), /"exitCode":1/);
});

test("a settle that works says nothing more", async () => {
  const { ctx, events } = context();
  await settle(ctx, "partition:/dev/vdb", udevadm("exit 0"));
  assert.deepEqual(warnings(events), []);
});

test("any other failure still fails the step", async () => {
  const { ctx } = context();
  await assert.rejects(settle(ctx, "wipe", udevadm("echo 'bad option' >&2; exit 2")), /bad option/);
});

test("isSettle picks the plan's settle commands out", () => {
  assert.equal(isSettle(["udevadm", "settle"]), true);
  assert.equal(isSettle(["udevadm", "settle", "--timeout=10"]), true);
  assert.equal(isSettle(["udevadm", "trigger"]), false);
  assert.equal(isSettle(["partprobe", "/dev/vdb"]), false);
});
