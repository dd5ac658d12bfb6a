// Extended VM tier (not in CI): SIGKILL at the start of each disk step kind in turn, then
// `byol cleanup`: nothing mounted under /tmp/a, no md array, no LVM activation, no loop or nbd
// device of the run, and no partition table wherever the killed run had written a disk.
// Run: flock /tmp/byol-vm.lock npm run test:vm -- --extended crash
// The image step kinds (byolinux_64 and byoi_64) are in crash-image.vmtest.ts.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  assertClean,
  cleanup,
  diskGroup,
  exclusive,
  install,
  raidLvmStorage,
  request,
  SKIP,
  scrub,
  sh,
} from "../support/install.ts";

const TIMEOUT = 15 * 60_000;
const KINDS = ["wipe", "partition", "raid", "lvm", "mkfs", "mount", "config-drive"] as const;

const layout = raidLvmStorage(2, 1, 256);

describe("SIGKILL at the start of each disk step kind, then byol cleanup", { skip: SKIP, concurrency: false }, () => {
  for (const kind of KINDS) {
    it(`killed as ${kind} starts`, { timeout: TIMEOUT }, async () => {
      const disks = diskGroup(1).slice(0, 2);
      await exclusive(async () => {
        scrub(disks);
        let killedAt: string | undefined;
        const run = await install(`crash-${kind}`, request(layout, `vm-crash-${kind}`), (event, kill) => {
          const step = String(event["step"]);
          if (killedAt === undefined && event["phase"] === "start" && (step === kind || step.startsWith(`${kind}:`))) {
            killedAt = step;
            kill("SIGKILL");
          }
        });
        assert.ok(killedAt, `the run reached a ${kind} step; stderr: ${run.stderr}`);
        assert.equal(run.signal, "SIGKILL");
        const before = JSON.parse(readFileSync(join(run.runDir, "current.json"), "utf8")) as { disksWritten: boolean };
        const r = cleanup(run);
        assert.equal(r.status, 0, `byol cleanup: ${r.stdout}${r.stderr}`);
        // vgs: no active LV of the run's VG; no loop or nbd device left by it
        assert.equal(sh("sh", ["-c", "lvs --noheadings -o lv_active 2>/dev/null | grep -c active"]).stdout.trim(), "0");
        assert.equal(sh("sh", ["-c", "losetup -n -l | wc -l"]).stdout.trim(), "0");
        for (const pid of sh("sh", ["-c", "cat /sys/block/nbd*/pid 2>/dev/null"]).stdout.trim().split("\n")) {
          assert.equal(pid, "", "no nbd device is connected");
        }
        if (before.disksWritten) assertClean(disks);
        else assert.equal(sh("sh", ["-c", "grep -c ' /tmp/a' /proc/self/mounts"]).stdout.trim(), "0");
      });
    });
  }
});
