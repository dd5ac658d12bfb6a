import assert from "node:assert/strict";
import { test } from "node:test";
import { partitionOf } from "../../agent/efi/partition-of.ts";

test("disk and partition number of SATA, NVMe, virtio, MMC and md partitions", () => {
  assert.deepEqual(partitionOf("/dev/sda1"), { disk: "/dev/sda", number: 1 });
  assert.deepEqual(partitionOf("/dev/sdb12"), { disk: "/dev/sdb", number: 12 });
  assert.deepEqual(partitionOf("/dev/nvme0n1p1"), { disk: "/dev/nvme0n1", number: 1 });
  assert.deepEqual(partitionOf("/dev/vdb2"), { disk: "/dev/vdb", number: 2 });
  assert.deepEqual(partitionOf("/dev/mmcblk0p3"), { disk: "/dev/mmcblk0", number: 3 });
});

test("the plan's disk names win over the naming rule", () => {
  assert.deepEqual(partitionOf("/dev/nvme1n1p2", ["/dev/nvme1n1", "/dev/nvme10n1"]), {
    disk: "/dev/nvme1n1",
    number: 2,
  });
  assert.deepEqual(partitionOf("/dev/disk/by-id/x-part1", ["/dev/disk/by-id/x-part"]), {
    disk: "/dev/disk/by-id/x-part",
    number: 1,
  });
});

test("a whole disk is refused", () => {
  assert.throws(() => partitionOf("/dev/sda"), /cannot tell the disk and partition number of \/dev\/sda/);
});
