// After sgdisk -Z, the reset asks the kernel again until it lists no partition of the disk; what it lists is
// read from sysfs.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { kernelPartitions } from "../../agent/disk/reset-tables.ts";

test("kernelPartitions: the disk's partition entries in /sys/block, nothing else", () => {
  const sys = mkdtempSync(join(tmpdir(), "byol-sysblock-"));
  try {
    for (const d of ["vdb/vdb1", "vdb/vdb2", "vdb/holders", "vdb/queue", "nvme0n1/nvme0n1p1", "vdc/queue"]) {
      mkdirSync(join(sys, d), { recursive: true });
    }
    assert.deepEqual(kernelPartitions("/dev/vdb", sys).sort(), ["vdb1", "vdb2"]);
    assert.deepEqual(kernelPartitions("/dev/nvme0n1", sys), ["nvme0n1p1"]);
    assert.deepEqual(kernelPartitions("/dev/vdc", sys), []);
    assert.deepEqual(kernelPartitions("/tmp/disk.img", sys), [], "a file is no block device");
  } finally {
    rmSync(sys, { recursive: true, force: true });
  }
});
