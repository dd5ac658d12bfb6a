import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMdstat, parseMdstatArrays } from "../../agent/probe/mdstat.ts";
import { fixture } from "./helpers.ts";

describe("parseMdstat", () => {
  it("reads a raid1 with members and an inactive array (md-leftovers)", () => {
    assert.deepEqual(parseMdstat(fixture("md-leftovers", "proc", "mdstat")), [
      { device: "/dev/md127", members: ["/dev/sdc1"] },
      { device: "/dev/md2", level: "raid1", members: ["/dev/sda2", "/dev/sdb2"] },
    ]);
  });

  it("reads raid10 and raid1 arrays while one resyncs, NVMe members included", () => {
    assert.deepEqual(parseMdstat(fixture("mdstat", "raid1-resync-raid10.txt")), [
      { device: "/dev/md3", level: "raid10", members: ["/dev/sda3", "/dev/sdb3", "/dev/sdc3", "/dev/sdd3"] },
      { device: "/dev/md2", level: "raid1", members: ["/dev/nvme0n1p2", "/dev/nvme1n1p2"] },
      { device: "/dev/md1", level: "raid1", members: ["/dev/nvme0n1p1", "/dev/nvme1n1p1"] },
    ]);
  });

  it("keeps failed and spare members, and skips (auto-read-only)", () => {
    assert.deepEqual(parseMdstat(fixture("mdstat", "degraded-spare-readonly.txt")), [
      { device: "/dev/md127", level: "raid1", members: ["/dev/sda1", "/dev/sdb1"] },
      {
        device: "/dev/md5",
        level: "raid5",
        members: ["/dev/sda2", "/dev/sdb2", "/dev/sdc2", "/dev/sde2", "/dev/sdd2"],
      },
      { device: "/dev/md0", level: "raid1", members: ["/dev/sda3", "/dev/sdb3"] },
      { device: "/dev/md126", members: ["/dev/sdf", "/dev/sdg"] },
    ]);
  });

  it("finds nothing when no array exists", () => {
    assert.deepEqual(parseMdstat(fixture("mdstat", "empty.txt")), []);
    assert.deepEqual(parseMdstat(""), []);
  });
});

describe("parseMdstatArrays", () => {
  it("reads active, auto-read-only and inactive arrays: members as printed, their roles and the lines under each", () => {
    const text = `Personalities : [raid1] [raid6] [raid5] [raid4]
md126 : inactive vdc3[2](S)
      1046528 blocks super 1.2

md0 : active raid1 vdc2[1] vdb2[0]
      2094080 blocks super 1.2 [2/2] [UU]

md127 : active (auto-read-only) raid1 vdd1[0] vde1[1](F)
      1046528 blocks super 1.2 [2/1] [U_]

unused devices: <none>
`;
    assert.deepEqual(parseMdstatArrays(text), [
      {
        device: "/dev/md126",
        active: false,
        members: ["/dev/vdc3"],
        roles: [2],
        detail: ["      1046528 blocks super 1.2"],
      },
      {
        device: "/dev/md0",
        active: true,
        level: "raid1",
        members: ["/dev/vdc2", "/dev/vdb2"],
        roles: [1, 0],
        detail: ["      2094080 blocks super 1.2 [2/2] [UU]"],
      },
      {
        device: "/dev/md127",
        active: true,
        level: "raid1",
        members: ["/dev/vdd1", "/dev/vde1"],
        roles: [0, 1],
        detail: ["      1046528 blocks super 1.2 [2/1] [U_]"],
      },
    ]);
    // the inventory's view of the same text: members by role
    assert.deepEqual(
      parseMdstat(text).map((md) => md.members),
      [["/dev/vdc3"], ["/dev/vdb2", "/dev/vdc2"], ["/dev/vdd1", "/dev/vde1"]],
    );
  });
});
