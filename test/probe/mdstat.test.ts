import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMdstat } from "../../agent/probe/mdstat.ts";
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
