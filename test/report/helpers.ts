// A fabricated run, bundled and read back.

import { join } from "node:path";
import { writeRunRecord } from "../../agent/report/bundle.ts";
import { type RunRecord, readRunRecord } from "../../agent/report/read.ts";
import { buildRunSummary } from "../../agent/report/summary.ts";
import { fabricateRun, type RunKind, tempDir } from "./run-fixture.ts";

export async function recordOf(kind: RunKind): Promise<RunRecord> {
  const run = fabricateRun(kind);
  const file = join(tempDir(), `${run.runId}.tar`);
  const summary = buildRunSummary(run.runDir, run.result, { runId: run.runId, operatingSystem: "byolinux_64" });
  await writeRunRecord({ file, ...run, summary });
  return readRunRecord(file);
}
