// byol preflight as a process, on a PATH that holds every tool the plan needs but two.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { eventSchema } from "../../agent/exec/event-schema.ts";
import { EVENTS_SCHEMA_VERSION } from "../../agent/exec/events.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import { needsOf } from "../../agent/preflight/needs.ts";
import { readInventoryFile } from "../../agent/probe/inventory-file.ts";
import { parseRequest } from "../../agent/request/index.ts";

const byol = join(import.meta.dirname, "../../bin/byol.mjs");
const REQUEST = "fixtures/requests/byolinux-raid10-lvm.json";
const INVENTORY = "fixtures/inventories/uefi-4disks.json";
const bin = mkdtempSync(join(tmpdir(), "byol-preflight-path-"));
after(() => rmSync(bin, { recursive: true, force: true }));

// A PATH of stand-ins for every tool the plan needs, except `hidden`.
async function pathWithout(hidden: string[]): Promise<string> {
  const parsed = parseRequest(JSON.parse(readFileSync(REQUEST, "utf8")));
  assert.ok(parsed.ok);
  const plan = buildPlan(parsed.request, await readInventoryFile(INVENTORY), { imageStaging: "stream" });
  const dir = mkdtempSync(join(bin, "path-"));
  for (const tool of needsOf(plan, plan.steps).tools.filter((t) => !hidden.includes(t))) {
    writeFileSync(join(dir, tool), "#!/bin/sh\nexit 0\n");
    chmodSync(join(dir, tool), 0o755);
  }
  return dir;
}

function preflight(args: string[], path: string, stdin?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [byol, "preflight", ...args],
      { env: { PATH: path } },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number((error as { code?: number }).code), stdout, stderr }),
    );
    child.stdin?.end(stdin ?? "");
  });
}

test("a tool hidden from PATH: exit 3 and one line naming the tools and their packages", async () => {
  const path = await pathWithout(["qemu-nbd", "mkfs.xfs"]);
  const r = await preflight(["--request", REQUEST, "--inventory", INVENTORY], path);
  assert.equal(r.code, 3);
  const lines = r.stderr.split("\n");
  assert.ok(
    lines.includes(
      "byol preflight: missing tools: mkfs.xfs (xfsprogs), qemu-nbd (qemu-utils); rerun with --install-missing",
    ),
    r.stderr,
  );
  assert.equal(r.stdout, "");
});

test("--json --request -: one result line with ok, the missing tools and their packages", async () => {
  const path = await pathWithout(["mdadm"]);
  const r = await preflight(
    ["--request", "-", "--inventory", INVENTORY, "--json"],
    path,
    readFileSync(REQUEST, "utf8"),
  );
  assert.equal(r.code, 3);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const result = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(result["phase"], "result");
  assert.equal(result["step"], "preflight");
  // the same head as an install's events (schemas/events.schema.json)
  assert.deepEqual(Object.keys(result).slice(0, 4), ["ts", "schemaVersion", "runId", "step"]);
  assert.equal(result["schemaVersion"], EVENTS_SCHEMA_VERSION);
  assert.equal(result["runId"], null);
  assert.deepEqual(eventSchema.safeParse(result).error?.issues, undefined, "the line is a valid event line");
  assert.equal(result["ok"], false);
  assert.equal(result["exitCode"], 3);
  assert.deepEqual(result["missing"], [{ tool: "mdadm", package: "mdadm" }]);
  assert.deepEqual(result["packages"], ["mdadm"]);
});
