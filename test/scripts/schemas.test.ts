// The machine contract: schemas/ holds exactly what `npm run schemas` generates from the zod
// schemas, and real outputs (a fabricated run's events and summary, a run's status, every fixture
// plan) parse with those schemas, which are strict: a field added, renamed or dropped without the
// schema fails here. Every error code the source can produce is listed in docs/contract.md.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PlanError } from "../../agent/errors.ts";
import { eventSchema } from "../../agent/exec/event-schema.ts";
import { EVENTS_SCHEMA_VERSION } from "../../agent/exec/events.ts";
import { RunStateStore } from "../../agent/exec/state.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import { planSchema } from "../../agent/plan/schema.ts";
import { parseInventory } from "../../agent/probe/inventory-file.ts";
import { buildRunSummary } from "../../agent/report/summary.ts";
import { summarySchema } from "../../agent/report/summary-schema.ts";
import { parseRequest } from "../../agent/request/index.ts";
import { readStatus } from "../../agent/status/read.ts";
import { statusSchema } from "../../agent/status/schema.ts";
import { createStatusTap } from "../../agent/status/tap.ts";
import { SCHEMAS_DIR, schemaFiles } from "../../scripts/schemas/generate.ts";
import { fabricateRun, type RunKind, tempDir } from "../report/run-fixture.ts";
import { byolRun } from "../support/byol-run.ts";

const ROOT = join(import.meta.dirname, "../..");

describe("schemas/ is what npm run schemas generates", () => {
  const generated = schemaFiles();
  it("the same files", () => {
    assert.deepEqual(readdirSync(SCHEMAS_DIR).sort(), [...generated.keys()].sort());
  });
  for (const [file, text] of generated) {
    it(file, () => {
      const checkedIn = readFileSync(join(SCHEMAS_DIR, file), "utf8");
      assert.equal(checkedIn, text, `schemas/${file} is out of date: run npm run schemas`);
    });
  }
});

describe("real outputs parse with the schemas", () => {
  for (const kind of ["ok", "failed", "killed"] as RunKind[]) {
    it(`a ${kind} run: every line of events.jsonl, and summary.json`, () => {
      const run = fabricateRun(kind);
      const lines = readFileSync(join(run.runDir, "events.jsonl"), "utf8").trim().split("\n");
      assert.ok(lines.length > 10);
      for (const line of lines) {
        const event = eventSchema.parse(JSON.parse(line));
        assert.deepEqual([event.schemaVersion, event.runId], [EVENTS_SCHEMA_VERSION, run.runId]);
      }
      const summary = buildRunSummary(run.runDir, run.result, { runId: run.runId, operatingSystem: "byolinux_64" });
      summarySchema.parse(JSON.parse(JSON.stringify(summary)));
    });
  }

  it("byol status --json: no run, a run with progress, a finished run", () => {
    const dir = tempDir();
    statusSchema.parse(readStatus(dir));
    RunStateStore.start({ runId: "r1", targetDisks: ["/dev/sda"], dir });
    let clock = 0;
    const now = () => {
      clock += 1000; // every progress event is written
      return clock;
    };
    const tap = createStatusTap({ dir, runId: "r1", planStepIds: ["download", "wipe"], now });
    tap.emit({ step: "download", phase: "start", title: "downloading" });
    tap.emit({ step: "download", phase: "progress", bytes: 5, total: 10 });
    const running = statusSchema.parse(JSON.parse(JSON.stringify(readStatus(dir, () => true))));
    assert.deepEqual([running.runId, running.state, running.progress], ["r1", "running", { bytes: 5, total: 10 }]);
    tap.result({ ok: false, exitCode: 3, error: { code: "checksum", message: "mismatch" } });
    assert.equal(statusSchema.parse(readStatus(dir, () => false)).state, "failed");
  });

  it("every fixture request planned on every fixture inventory", () => {
    let planned = 0;
    for (const r of readdirSync(join(ROOT, "fixtures/requests")).filter((f) => f.endsWith(".json"))) {
      const parsed = parseRequest(JSON.parse(readFileSync(join(ROOT, "fixtures/requests", r), "utf8")));
      if (!parsed.ok) continue;
      for (const i of readdirSync(join(ROOT, "fixtures/inventories"))) {
        const inventory = parseInventory(JSON.parse(readFileSync(join(ROOT, "fixtures/inventories", i), "utf8")));
        for (const imageStaging of ["stream", "ram"] as const) {
          let plan: unknown;
          try {
            plan = buildPlan(parsed.request, inventory, { imageStaging });
          } catch (error) {
            if (error instanceof PlanError) continue;
            throw error;
          }
          const result = planSchema.safeParse(JSON.parse(JSON.stringify(plan)));
          assert.ok(result.success, `${r} on ${i}: ${result.error?.message}`);
          planned++;
        }
      }
    }
    assert.ok(planned > 20, `only ${planned} plans`);
  });

  it("the result line of a command that fails before a run (--json)", async () => {
    const r = await byolRun("plan", "--request", "fixtures/requests/invalid/boot-efi-in-layout.json", "--json");
    assert.equal(r.code, 2);
    const last = eventSchema.parse(JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}"));
    assert.deepEqual([last.phase, last.runId], ["result", null]);
  });

  it("a line with a field the schema does not document is refused", () => {
    const line = { ts: "2025-01-01T00:00:00.000Z", schemaVersion: EVENTS_SCHEMA_VERSION, runId: "r", step: "wipe" };
    assert.ok(eventSchema.safeParse({ ...line, phase: "done", durationMs: 1 }).success);
    assert.equal(eventSchema.safeParse({ ...line, phase: "done", durationMs: 1, extra: 1 }).success, false);
    assert.equal(eventSchema.safeParse({ ...line, phase: "done" }).success, false);
  });
});

describe("docs/contract.md lists every error code", () => {
  const doc = readFileSync(join(ROOT, "docs/contract.md"), "utf8");
  const codes = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) {
        const text = readFileSync(path, "utf8");
        for (const m of text.matchAll(/new InstallError\(\s*"([a-z-]+)"/g)) codes.add(m[1]!);
        for (const m of text.matchAll(/\bcode: "([a-z-]+)"/g)) codes.add(m[1]!);
      }
    }
  };
  walk(join(ROOT, "agent"));
  codes.delete("custom"); // zod's issue code, not ours
  it("finds the codes in the source", () => assert.ok(codes.size > 15, [...codes].join(" ")));
  for (const code of [...codes].sort()) {
    it(code, () => assert.match(doc, new RegExp(`\\| \`${code}\` \\|`), `docs/contract.md has no row for ${code}`));
  }
});
