// Acceptance, in the rescue VM: an install that is stopped half-way leaves nothing behind.
// SIGTERM: the run tears itself down (exit 130). SIGKILL: `byol cleanup` does it afterwards.
// Either way: nothing mounted under /tmp/a, no array assembled, no partition table left.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  assertClean,
  assertRunRecords,
  cleanup,
  diskGroup,
  exclusive,
  install,
  raidLvmStorage,
  request,
  SKIP,
  scrub,
  sh,
} from "./support/install.ts";
import { assertNoSecrets, defaultRecordOf } from "./support/records.ts";

const TIMEOUT = 15 * 60_000;

const raid10Lvm = raidLvmStorage(4, 10, 512);

describe("interrupted installs in the rescue VM", { skip: SKIP, concurrency: false }, () => {
  it("SIGTERM once the raid step has started: torn down, tables reset, exit 130", { timeout: TIMEOUT }, async () => {
    const disks = diskGroup(1);
    await exclusive(async () => {
      scrub(disks);
      let killedAt: string | undefined;
      const run = await install("sigterm", request(raid10Lvm, "vm-sigterm"), (event, kill) => {
        if (killedAt === undefined && event["phase"] === "start" && String(event["step"]).startsWith("raid:")) {
          killedAt = String(event["step"]);
          kill("SIGTERM");
        }
      });
      assert.ok(killedAt, `the run reached a raid step; stderr: ${run.stderr}`);
      assert.equal(run.code, 130, `exit code; stderr: ${run.stderr}`);
      const result = run.events.at(-1);
      assert.equal(result?.["phase"], "result");
      assert.equal(result?.["exitCode"], 130);
      assert.deepEqual((result?.["error"] as { code: string }).code, "interrupted");
      assertRunRecords(run);
      assertNoSecrets(defaultRecordOf(run.runDir));
      const state = JSON.parse(readFileSync(join(run.runDir, "current.json"), "utf8"));
      assert.equal(state.disksWritten, true);
      assert.equal(state.tablesReset, true);
      assert.deepEqual(state.finished, { ok: false, exitCode: 130 });
      assertClean(disks);
      // nothing left for cleanup to do
      const r = cleanup(run);
      assert.equal(r.status, 0, r.stderr);
      assertClean(disks);
    });
  });

  it("SIGKILL half-way, then byol cleanup: back to clean disks", { timeout: TIMEOUT }, async () => {
    const disks = diskGroup(1);
    await exclusive(async () => {
      scrub(disks);
      let killed = false;
      const run = await install("sigkill", request(raid10Lvm, "vm-sigkill"), (event, kill) => {
        // by the second mount: arrays assembled, the VG active, / mounted
        if (!killed && event["phase"] === "start" && event["step"] === "mount:/boot") {
          killed = true;
          kill("SIGKILL");
        }
      });
      assert.ok(killed, `the run reached mount:/boot; stderr: ${run.stderr}`);
      assert.equal(run.signal, "SIGKILL");
      // the command the run had started (in its own process group) may still finish
      await sleep(2000);
      sh("udevadm", ["settle"]);
      assert.match(readFileSync("/proc/mdstat", "utf8"), /^md/m, "the killed run left arrays assembled");
      const state = JSON.parse(readFileSync(join(run.runDir, "current.json"), "utf8"));
      assert.equal(state.disksWritten, true);
      assert.ok(state.md.length > 0 && state.mounts.includes("/tmp/a"), JSON.stringify(state));

      const r = cleanup(run);
      assert.equal(r.status, 0, `byol cleanup: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /released mount \/tmp\/a/);
      assertClean(disks);
      const again = cleanup(run);
      assert.equal(again.status, 0, "a second cleanup finds nothing to do");
      assertClean(disks);
    });
  });
});
