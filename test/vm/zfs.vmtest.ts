// Acceptance of issue 18 (byol's side), in a rescue VM that has ZFS: the planner's pool is what
// real ZFS builds, and an install that fails (or is stopped, or killed) after `zpool create`
// leaves no imported pool, no pool to import, and reset partition tables.
// Skipped where the rescue has no ZFS (its zpool tool or zfs module): issue 18 item 4 adds them.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  assertClean,
  assertDone,
  assertRunRecords,
  cleanup,
  diskGroup,
  exclusive,
  install,
  must,
  type OnEvent,
  type Run,
  request,
  SKIP,
  scrub,
  sh,
} from "./support/install.ts";

const TIMEOUT = 15 * 60_000;
// the module first: `zpool version` exits 1 ("The ZFS modules are not loaded") until it is loaded
const HAS_ZFS = SKIP === false && sh("modprobe", ["zfs"]).status === 0 && sh("zpool", ["version"]).status === 0;
const SKIP_ZFS = SKIP || (HAS_ZFS ? false : "the rescue has no ZFS (zpool, module zfs): npm run test:vm -- --zfs zfs");

// "/" ext4 on the first disk, "/data" a ZFS mirror over both disks of the group.
const storage = [
  {
    diskGroupId: 1,
    partitioning: {
      disks: 2,
      layout: [
        { mountPoint: "/", fileSystem: "ext4", size: 1024 },
        { mountPoint: "/data", fileSystem: "zfs", size: 0, raidLevel: 1 },
      ],
    },
  },
];

const imported = () => must("zpool", ["list", "-H", "-o", "name"]).trim();
// `zpool import` (a scan of /dev) lists what could be imported; it exits 1 with "no pools available".
const importable = () => {
  const r = sh("zpool", ["import", "-d", "/dev"]);
  return `${r.stdout}${r.stderr}`.includes("no pools available") ? "" : r.stdout.trim();
};

// Pools of an earlier test: exported and their labels cleared, then the usual scrub.
function zfsScrub(disks: string[]): void {
  for (const pool of imported().split("\n").filter(Boolean)) sh("zpool", ["export", "-f", pool]);
  for (const line of must("lsblk", ["-n", "-p", "-l", "-o", "NAME,FSTYPE", ...disks]).split("\n")) {
    const [name, fstype] = line.trim().split(/\s+/);
    if (fstype === "zfs_member" && name !== undefined) sh("zpool", ["labelclear", "-f", name]);
  }
  scrub(disks);
}

function assertNoPool(disks: string[]): void {
  assert.equal(imported(), "", "no pool is imported");
  assert.equal(importable(), "", "no pool can be imported from the disks");
  assertClean(disks);
}

describe("ZFS in the rescue VM", { skip: SKIP_ZFS, concurrency: false }, () => {
  it(
    "--stop-after disks: the planned mirror, /data on it, left imported until byol cleanup",
    { timeout: TIMEOUT },
    async () => {
      let status = "";
      // the config drive is the last disk step: everything is still mounted
      const look: OnEvent = (event) => {
        if (event["phase"] !== "start" || event["step"] !== "config-drive") return;
        status = must("zpool", ["status", "-P", "zp"]) + must("findmnt", ["-n", "-o", "SOURCE,FSTYPE", "/tmp/a/data"]);
      };
      await zfsInstall("zfs-ok", look, (run, disks) => {
        assertDone(run);
        assertRunRecords(run);
        assert.match(status, /mirror-0\s+ONLINE/);
        for (const d of disks) assert.match(status, new RegExp(`${d}2\\s+ONLINE`));
        assert.match(status, /^zp\/data\s+zfs$/m);
        // --stop-after disks leaves everything as it was for debugging, the pool too, and says so
        assert.match(imported(), /^zp$/m, "the pool stays imported after --stop-after disks");
        const said = run.events.find((e) => e["step"] === "stop-after" && e["phase"] === "log");
        assert.match(String(said?.["message"]), /ZFS pools zp\b/);
        const r = cleanup(run);
        assert.equal(r.status, 0, `byol cleanup: ${r.stdout}${r.stderr}`);
        assert.match(r.stdout, /released zpool zp/);
        assertNoPool(disks);
      });
    },
  );

  it("a failure after zpool create: exported, labels cleared, tables reset, exit 4", { timeout: TIMEOUT }, async () => {
    let broken = false;
    // held still while the dataset loses its mountpoint: the mount step's `zfs mount` then fails
    const breakIt: OnEvent = (event, kill) => {
      if (broken || event["phase"] !== "done" || event["step"] !== "zpool:zp") return;
      broken = true;
      kill("SIGSTOP");
      try {
        must("zfs", ["set", "mountpoint=none", "zp/data"]);
      } finally {
        kill("SIGCONT");
      }
    };
    await zfsInstall("zfs-fail", breakIt, (run, disks) => {
      assert.ok(broken, `the run created the pool; stderr: ${run.stderr}`);
      assert.equal(run.code, 4, `exit code; stderr: ${run.stderr}`);
      const result = run.events.at(-1);
      assert.equal(result?.["phase"], "result");
      assert.match(String((result?.["error"] as { message?: string })?.message), /zfs mount zp\/data/);
      const state = JSON.parse(readFileSync(join(run.runDir, "current.json"), "utf8"));
      assert.equal(state.tablesReset, true);
      assert.deepEqual(state.zpool, []);
      assertNoPool(disks);
    });
  });

  it("SIGTERM once /data is being mounted: torn down, exit 130", { timeout: TIMEOUT }, async () => {
    await stoppedAtDataMount("SIGTERM", (run, disks) => {
      assert.equal(run.code, 130, `exit code; stderr: ${run.stderr}`);
      assertNoPool(disks);
    });
  });

  it("SIGKILL after zpool create, then byol cleanup: no pool left", { timeout: TIMEOUT }, async () => {
    await stoppedAtDataMount("SIGKILL", async (run, disks) => {
      await sleep(2000); // the command the run had started (in its own process group) may still finish
      assert.match(imported(), /^zp$/m, "the killed run left its pool imported");
      const state = JSON.parse(readFileSync(join(run.runDir, "current.json"), "utf8"));
      assert.deepEqual(state.zpool, ["zp"]);
      const r = cleanup(run);
      assert.equal(r.status, 0, `byol cleanup: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /released zpool zp/);
      assertNoPool(disks);
    });
  });
});

// One install of `storage` on the first two disks of group 1, cleared of earlier pools first, then `check`.
async function zfsInstall(name: string, onEvent: OnEvent, check: (run: Run, disks: string[]) => unknown) {
  const disks = diskGroup(1).slice(0, 2);
  await exclusive(async () => {
    zfsScrub(disks);
    await check(await install(name, request(storage, `vm-${name}`), onEvent), disks);
  });
}

// An install stopped by `signal` when the mount of /data (after zpool create) starts, then `check`.
async function stoppedAtDataMount(signal: NodeJS.Signals, check: (run: Run, disks: string[]) => unknown) {
  let sent = false;
  const stop: OnEvent = (event, kill) => {
    if (sent || event["phase"] !== "start" || event["step"] !== "mount:/data") return;
    sent = true;
    kill(signal);
  };
  await zfsInstall(`zfs-${signal.toLowerCase()}`, stop, async (run, disks) => {
    assert.ok(sent, `the run reached mount:/data; stderr: ${run.stderr}`);
    await check(run, disks);
  });
}
