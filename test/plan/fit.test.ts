// What the planner refuses (with which words) and how the filling partition is sized.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PlanError } from "../../agent/errors.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import { inventory, withLayout } from "./builders.ts";

// The problems of the PlanError fn throws.
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PlanError, String(error));
    return error.problems;
  }
  assert.fail("no PlanError");
}

describe("buildPlan sizes", () => {
  it("fills up to the config drive on one disk", () => {
    // 457862 MiB disk: usable to 457861; config drive 457797..457861; / from 513 to 457797
    const plan = buildPlan(withLayout([{ mountPoint: "/", fileSystem: "ext4", sizeMiB: 0 }]), inventory("uefi-1disk"));
    assert.deepEqual(
      plan.disks[0]?.partitions.map((p) => [p.number, p.role, p.startMiB, p.sizeMiB]),
      [
        [1, "esp", 1, 512],
        [2, "layout", 513, 457284],
        [3, "config-drive", 457797, 64],
      ],
    );
  });

  it("a RAID fill takes the least space of its disks, so the other disks keep 64 MiB unused", () => {
    const plan = buildPlan(
      withLayout([{ mountPoint: "/", fileSystem: "ext4", sizeMiB: 0, raidLevel: 1 }]),
      inventory("uefi-2disks"),
    );
    assert.deepEqual(
      plan.disks.map((d) => d.partitions.map((p) => [p.startMiB, p.sizeMiB])),
      [
        [
          [1, 512],
          [513, 457284],
          [457797, 64],
        ],
        [
          [1, 512],
          [513, 457284],
        ],
      ],
    );
  });

  it("a layout that does not fit names the partition, the MiB needed and available, and the disk", () => {
    // 457861 - 1 - 64 (config drive) - 512 (ESP) = 457284 MiB left for /
    const big = withLayout([{ mountPoint: "/", fileSystem: "ext4", sizeMiB: 500000 }]);
    assert.deepEqual(
      problems(() => buildPlan(big, inventory("uefi-1disk"))),
      ["Partition / needs 500000 MiB but only 457284 MiB are available on /dev/sda"],
    );
    const noRoom = withLayout([
      { mountPoint: "/var", fileSystem: "ext4", sizeMiB: 457284 },
      { mountPoint: "/", fileSystem: "ext4", sizeMiB: 0 },
    ]);
    assert.deepEqual(
      problems(() => buildPlan(noRoom, inventory("uefi-1disk"))),
      ["Partition / needs at least 1 MiB but only 0 MiB are available on /dev/sda"],
    );
  });

  it("RAID levels need enough disks", () => {
    const r5 = withLayout([{ mountPoint: "/", fileSystem: "ext4", sizeMiB: 0, raidLevel: 5 }]);
    assert.deepEqual(
      problems(() => buildPlan(r5, inventory("uefi-2disks"))),
      ["Partition /: RAID5 needs at least 3 disks, 2 available"],
    );
    const r6 = withLayout([
      { mountPoint: "/boot", fileSystem: "ext4", sizeMiB: 1024, raidLevel: 1 },
      { mountPoint: "/", fileSystem: "ext4", sizeMiB: 0, raidLevel: 6 },
    ]);
    assert.deepEqual(
      problems(() => buildPlan(r6, inventory("bios-3disks"))),
      ["Partition /: RAID6 needs at least 4 disks, 3 available"],
    );
    const r1 = withLayout([{ mountPoint: "/", fileSystem: "ext4", sizeMiB: 0, raidLevel: 1 }]);
    assert.deepEqual(
      problems(() => buildPlan(r1, inventory("uefi-1disk"))),
      ["Partition /: RAID1 needs at least 2 disks, 1 available"],
    );
  });

  it("the disk group and the disk count must exist", () => {
    const root = [{ mountPoint: "/", fileSystem: "ext4" as const, sizeMiB: 0 }];
    assert.deepEqual(
      problems(() => buildPlan(withLayout(root, { diskGroupId: 2 }), inventory("uefi-2disks"))),
      ["Disk group 2 does not exist: this server has 1 disk group(s)"],
    );
    assert.deepEqual(
      problems(() => buildPlan(withLayout(root, { disks: 3 }), inventory("uefi-2disks"))),
      ["Disk group 1 has 2 disk(s), 3 requested"],
    );
  });

  it("disks takes the first N disks of the group; the default layout on one disk has no RAID", () => {
    const plan = buildPlan(
      withLayout([{ mountPoint: "/", fileSystem: "ext4", sizeMiB: 0 }], { disks: 1, defaultLayout: true }),
      inventory("bios-3disks"),
    );
    assert.deepEqual(
      plan.disks.map((d) => d.path),
      ["/dev/sda"],
    );
    assert.equal(
      plan.steps.some((s) => s.kind === "raid"),
      false,
    );
  });
});
