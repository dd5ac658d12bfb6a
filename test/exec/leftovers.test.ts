import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  arraysOnDisks,
  connectedNbd,
  isOnDisk,
  loopAttached,
  mountsToRelease,
  parsePvs,
  RUN_MOUNT_ROOTS,
  vgsOnDevices,
} from "../../agent/exec/leftovers.ts";
import { parseMdstat } from "../../agent/probe/mdstat.ts";
import { parseMounts } from "../../agent/probe/mounts.ts";
import { tempDir } from "./helpers.ts";
import { MDSTAT, MOUNTS } from "./samples.ts";

test("a partition or the disk itself is on the disk; a longer disk name is not", () => {
  assert.equal(isOnDisk("sda2", "/dev/sda"), true);
  assert.equal(isOnDisk("/dev/sda10", "/dev/sda"), true);
  assert.equal(isOnDisk("/dev/sda", "/dev/sda"), true);
  assert.equal(isOnDisk("sdab1", "/dev/sda"), false);
  assert.equal(isOnDisk("nvme0n1p1", "/dev/nvme0n1"), true);
  assert.equal(isOnDisk("nvme0n10p1", "/dev/nvme0n1"), false);
  assert.equal(isOnDisk("nvme0n11", "/dev/nvme0n1"), false);
  assert.equal(isOnDisk("/dev/md1", "/dev/md1"), true);
  assert.equal(isOnDisk("/dev/mapper/vg0-root", "/dev/sda"), false);
});

test("mounts under /tmp/a and /dev/shm/image, deepest first, last mounted first at equal depth", () => {
  assert.deepEqual(mountsToRelease(parseMounts(MOUNTS), RUN_MOUNT_ROOTS), [
    "/tmp/a/boot/efi",
    "/tmp/a/run",
    "/dev/shm/image",
    "/tmp/a/proc",
    "/tmp/a/dev",
    "/tmp/a/boot",
    "/tmp/a",
  ]);
});

test("a mount the state file recorded elsewhere is released too; stacked mounts twice", () => {
  const text = `${MOUNTS}tmpfs /tmp/a tmpfs rw 0 0\n`;
  const picked = mountsToRelease(parseMounts(text), ["/tmp/a"], ["/mnt/with space"]);
  assert.equal(picked.filter((m) => m === "/tmp/a").length, 2);
  assert.ok(picked.includes("/mnt/with space"));
  assert.ok(!picked.includes("/tmp/ab"));
});

test("md arrays with a member on a target disk, or recorded by the run", () => {
  const arrays = parseMdstat(MDSTAT);
  assert.deepEqual(arraysOnDisks(arrays, ["/dev/sda", "/dev/sdb"]), ["/dev/md1", "/dev/md0"]);
  assert.deepEqual(arraysOnDisks(arrays, ["/dev/nvme0n1"]), ["/dev/md127"]);
  assert.deepEqual(arraysOnDisks(arrays, ["/dev/sdz"], ["/dev/md5"]), ["/dev/md5"]);
  assert.deepEqual(arraysOnDisks(arrays, []), []);
});

test("VGs with a PV on a target disk or on an array built on one", () => {
  const pvs = parsePvs("  /dev/md1|vg0\n  /dev/sdc1|data\n  /dev/sda4|vg0\n  /dev/sdd1|\n");
  assert.deepEqual(pvs.length, 3);
  assert.deepEqual(vgsOnDevices(pvs, ["/dev/sda", "/dev/md1"]), ["vg0"]);
  assert.deepEqual(vgsOnDevices(pvs, ["/dev/sdb"]), []);
});

test("connected nbd devices are those with a pid; attached loops have a loop dir", () => {
  const sys = tempDir();
  for (const d of ["nbd0", "nbd1", "nbd10", "loop3", "sda"]) mkdirSync(join(sys, d));
  writeFileSync(join(sys, "nbd10", "pid"), "123\n");
  writeFileSync(join(sys, "nbd0", "pid"), "124\n");
  mkdirSync(join(sys, "loop3", "loop"));
  assert.deepEqual(connectedNbd(sys), ["/dev/nbd0", "/dev/nbd10"]);
  assert.deepEqual(connectedNbd(join(sys, "missing")), []);
  assert.equal(loopAttached("/dev/loop3", sys), true);
  assert.equal(loopAttached("/dev/loop4", sys), false);
});
