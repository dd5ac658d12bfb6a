// ZFS pools on the target disks, found from lsblk's zfs_member partitions, are released like md
// arrays: an imported pool is exported, then the target's members lose their labels (after
// beforeFirstWrite); without the zpool tool nothing is imported and nothing is run.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import { findHolders } from "../../agent/disk/holders.ts";
import { releaseHolders } from "../../agent/disk/release-holders.ts";
import { commandFailure, fakeRunner } from "../support/fake-runner.ts";

const log = pino({ level: "silent" });
const member = (name: string, pool: string) => ({ name, type: "part", fstype: "zfs_member", label: pool });
const tree = JSON.stringify({
  blockdevices: [
    { name: "/dev/vdb", type: "disk", children: [{ name: "/dev/vdb1", type: "part" }, member("/dev/vdb2", "tank")] },
    { name: "/dev/vdc", type: "disk", children: [member("/dev/vdc2", "tank"), member("/dev/vdc3", "old")] },
    { name: "/dev/vdd", type: "disk", children: [member("/dev/vdd1", "elsewhere")] },
  ],
});
const TARGETS = ["/dev/vdb", "/dev/vdc"];

describe("ZFS pools on the target disks", () => {
  it("are found with their members on the targets, and no span when every member is a target", () => {
    const h = findHolders(TARGETS, tree, "");
    assert.deepEqual(h.pools, [
      { name: "tank", members: ["/dev/vdb2", "/dev/vdc2"] },
      { name: "old", members: ["/dev/vdc3"] },
    ]);
    assert.deepEqual(h.spans, []);
  });

  it("a pool with a member on another disk is marked as spanning", () => {
    const h = findHolders(["/dev/vdb"], tree, "", { targets: ["/dev/vdb"] });
    assert.deepEqual(h.pools, [{ name: "tank", members: ["/dev/vdb2"], spans: true }]);
    assert.deepEqual(
      h.spans.map((s) => [s.kind, s.name]),
      [["ZFS pool", "tank"]],
    );
  });

  const list = ["zpool", "list", "-H", "-o", "name"];
  const clear = ["/dev/vdb2", "/dev/vdc2", "/dev/vdc3"].map((m) => ["zpool", "labelclear", "-f", m]);
  const cases: { name: string; imported: string | Error; commands: string[][] }[] = [
    {
      name: "an imported pool is exported, then every member's label is cleared",
      imported: "tank\nrpool\n",
      commands: [list, ["zpool", "export", "-f", "tank"], ...clear],
    },
    { name: "pools that are not imported only lose their labels", imported: "", commands: [list, ...clear] },
    {
      name: "without the zpool tool nothing more is run (the wipe's wipefs clears the signatures)",
      imported: new Error("spawn zpool ENOENT"),
      commands: [list],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      let wroteAt = -1;
      const runner = fakeRunner((call) => {
        if (call.argv[0] === "lsblk") return tree;
        if (call.argv[1] === "list") {
          if (c.imported instanceof Error) throw commandFailure(call, { exitCode: 127, stderr: c.imported.message });
          return c.imported;
        }
        return "";
      });
      await releaseHolders(
        { runner, log },
        TARGETS,
        { step: "wipe" },
        {
          mdstat: "",
          beforeFirstWrite: () => {
            wroteAt = runner.calls.length;
          },
        },
      );
      const zpool = runner.argv.filter((a) => a[0] === "zpool");
      assert.deepEqual(zpool, c.commands);
      const firstLabelclear = runner.argv.findIndex((a) => a[1] === "labelclear");
      if (firstLabelclear >= 0) assert.ok(wroteAt >= 0 && wroteAt <= firstLabelclear, "beforeFirstWrite after it");
      assert.ok(!runner.argv.some((a) => a.some((w) => w.startsWith("/dev/vdd"))), "touched a disk that is no target");
    });
  }
});
