// A run record's plan is read back only at the plan version this byol writes: report and replay
// refuse another with one line and exit 2.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { InputError } from "../../agent/errors.ts";
import { PLAN_VERSION } from "../../agent/plan/types.ts";
import { writeRunRecord } from "../../agent/report/bundle.ts";
import { readRunRecord } from "../../agent/report/read.ts";
import { buildRunSummary } from "../../agent/report/summary.ts";
import { byolRun } from "../support/byol-run.ts";
import { fabricateRun, tempDir } from "./run-fixture.ts";

async function recordWithPlanVersion(version: unknown): Promise<string> {
  const run = fabricateRun("failed");
  const file = join(tempDir(), `v${String(version)}.tar`);
  const summary = buildRunSummary(run.runDir, run.result, { runId: run.runId, operatingSystem: "byolinux_64" });
  const plan = { ...run.plan, version } as unknown as typeof run.plan;
  await writeRunRecord({ file, ...run, plan, summary });
  return file;
}

test("the current plan version reads back", async () => {
  const record = await readRunRecord(await recordWithPlanVersion(PLAN_VERSION));
  assert.equal(record.plan?.version, PLAN_VERSION);
});

test("another plan version, or none, is refused with an InputError naming both versions", async () => {
  const newer = await recordWithPlanVersion(PLAN_VERSION + 1);
  await assert.rejects(readRunRecord(newer), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.match(
      e.message,
      new RegExp(`plan\\.json has plan version ${PLAN_VERSION + 1}; this byol reads plan version ${PLAN_VERSION}`),
    );
    return true;
  });
  await assert.rejects(readRunRecord(await recordWithPlanVersion(undefined)), /plan\.json has no plan version/);
});

test("report show, report diff and replay: exit 2 and one line on stderr", async () => {
  const newer = await recordWithPlanVersion(PLAN_VERSION + 1);
  for (const args of [
    ["report", "show", newer],
    ["report", "diff", newer, newer],
    ["replay", newer, "--dry-run"],
  ]) {
    const r = await byolRun(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^byol ${args[0]}: reading the run record .*plan version ${PLAN_VERSION + 1}`));
  }
});
