// udev's event queue, stopped while byol releases md arrays (or udev re-assembles them), is recorded
// in the run state for exactly as long as it is stopped. A run killed in between leaves it stopped,
// so every later event waits (settle never returns, lvcreate waits forever for its udev cookie);
// `byol cleanup` starts it again before it looks for anything else, and only then.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pino } from "pino";
import { cleanup } from "../../agent/cleanup.ts";
import { releaseHolders, UDEV_QUEUE } from "../../agent/disk/release-holders.ts";
import { RunStateStore, readRunState } from "../../agent/exec/state.ts";
import type { StepEvent } from "../../agent/exec/types.ts";
import { tempDir } from "../exec/helpers.ts";
import { commandFailure, fakeRunner } from "../support/fake-runner.ts";

const log = pino({ level: "silent" });
const LSBLK = JSON.stringify({
  blockdevices: [
    {
      name: "/dev/vdb",
      type: "disk",
      children: [{ name: "/dev/vdb1", type: "part", children: [{ name: "/dev/md0", type: "raid1" }] }],
    },
    {
      name: "/dev/vdc",
      type: "disk",
      children: [{ name: "/dev/vdc1", type: "part", children: [{ name: "/dev/md0", type: "raid1" }] }],
    },
  ],
});
const MDSTAT = "md0 : active raid1 vdc1[1] vdb1[0]\n      1046528 blocks super 1.2 [2/2] [UU]\n";
const START = "udevadm control --start-exec-queue";
const STOP = "udevadm control --stop-exec-queue";

function store() {
  const dir = join(tempDir(), "run");
  return RunStateStore.start({ dir, runId: "r1", targetDisks: ["/dev/vdb", "/dev/vdc"] });
}

describe("udev's stopped queue is held in the run state", () => {
  for (const failing of [undefined, "mdadm --stop /dev/md0", "mdadm --zero-superblock --force /dev/vdc1"]) {
    it(`while stopped, and no longer once started again${failing ? ` (${failing} fails)` : ""}`, async () => {
      const held = store();
      const seen: { line: string; udev: string[] }[] = [];
      const runner = fakeRunner((call) => {
        const line = call.argv.join(" ");
        seen.push({ line, udev: [...(held.state.udev ?? [])] });
        if (line === failing) throw commandFailure(call, { exitCode: 1, stderr: "mdadm: busy" });
        return call.argv[0] === "lsblk" ? LSBLK : "";
      });
      const release = releaseHolders(
        { runner, log, held },
        ["/dev/vdb", "/dev/vdc"],
        { step: "wipe" },
        { mdstat: MDSTAT },
      );
      if (failing === undefined) await release;
      else await assert.rejects(release, /exited with code 1/);
      const at = (line: string) => seen.find((s) => s.line === line);
      assert.deepEqual(at(STOP)?.udev, [UDEV_QUEUE], "recorded before the queue is stopped");
      assert.deepEqual(at("mdadm --stop /dev/md0")?.udev, [UDEV_QUEUE], "held while the arrays go");
      assert.ok(at(START), "the queue is started again");
      assert.deepEqual(held.state.udev, [], "dropped once it runs again");
      assert.deepEqual(readRunState(held.dir)?.udev, [], "and so in the file");
    });
  }
});

describe("byol cleanup after a run killed with udev's queue stopped", () => {
  const deadPid = () => spawnSync("true").pid!;
  async function cleanupOf(udev: string[], startFails = false) {
    const held = store();
    held.update({ pid: deadPid(), udev, step: "wipe" });
    const calls: string[] = [];
    const runner = fakeRunner((call) => {
      const line = call.argv.join(" ");
      calls.push(line);
      if (startFails && line === START) throw commandFailure(call, { exitCode: 1, stderr: "udevd not running" });
      return "";
    });
    const events: StepEvent[] = [];
    const dir = tempDir();
    const r = await cleanup(
      { runner, log, events: { emit: (e) => void events.push(e) } },
      {
        runDir: held.dir,
        mountsFile: join(dir, "none"),
        mdstatFile: join(dir, "none"),
        sysBlock: join(dir, "sys"),
        shmDir: join(dir, "shm"),
        imagePath: join(dir, "image"),
        proc: join(dir, "proc"),
      },
    );
    return { calls, r, state: readRunState(held.dir) };
  }

  it("starts the queue first and waits for udev, then releases the rest", async () => {
    const { calls, r, state } = await cleanupOf([UDEV_QUEUE]);
    assert.equal(calls[0], START);
    assert.match(calls[1] ?? "", /^udevadm settle --timeout=\d+$/);
    assert.ok(r.released.includes("udev's stopped event queue"), r.released.join(", "));
    assert.deepEqual(state?.udev, []);
  });

  it("leaves udev alone when the run had not stopped it", async () => {
    const { calls } = await cleanupOf([]);
    assert.ok(!calls.some((c) => c.startsWith("udevadm control")), calls.join("\n"));
  });

  it("keeps it recorded when starting it fails, so a second cleanup tries again", async () => {
    const { r, state } = await cleanupOf([UDEV_QUEUE], true);
    assert.match(
      r.problems.join("\n"),
      /releasing udev's stopped event queue: .*--start-exec-queue exited with code 1/,
    );
    assert.deepEqual(state?.udev, [UDEV_QUEUE]);
  });
});
