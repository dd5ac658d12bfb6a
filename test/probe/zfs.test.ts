// The probe sees ZFS pool members (lsblk FSTYPE zfs_member, the pool's name as LABEL) on any disk,
// and the plan's wipe refuses a pool that spans a target and another disk before anything runs.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { refusedSpans } from "../../agent/disk/spanning.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import { formatInventory } from "../../agent/probe/format.ts";
import { probe } from "../../agent/probe/index.ts";
import { parseInventory } from "../../agent/probe/inventory-file.ts";
import { request } from "../plan/builders.ts";
import { fakeRunner } from "../support/fake-runner.ts";
import { FIXTURES, fixture } from "./helpers.ts";

// qemu-virtio's lsblk with a pool "tank" on vdb1 and vdc1 and an old pool "old" on vde1.
function lsblkWithPools(): string {
  const tree = JSON.parse(fixture("qemu-virtio", "lsblk.json")) as { blockdevices: Record<string, unknown>[] };
  const member = (disk: Record<string, unknown>, pool: string) => {
    const name = `${disk["name"]}1`;
    disk["children"] = [
      { ...disk, name, path: `/dev/${name}`, type: "part", fstype: "zfs_member", label: pool, children: undefined },
    ];
  };
  for (const disk of tree.blockdevices) {
    if (disk["name"] === "vdb" || disk["name"] === "vdc") member(disk, "tank");
    if (disk["name"] === "vde") member(disk, "old");
  }
  return JSON.stringify(tree);
}

describe("ZFS in the inventory", async () => {
  const root = join(FIXTURES, "qemu-virtio");
  const inventory = await probe(
    fakeRunner(() => lsblkWithPools()),
    { root },
  );

  it("lists each pool with its members", () => {
    assert.deepEqual(inventory.zfsPools, [
      { name: "tank", members: ["/dev/vdb1", "/dev/vdc1"] },
      { name: "old", members: ["/dev/vde1"] },
    ]);
  });

  it("prints them and reads them back from an inventory file", () => {
    assert.match(
      formatInventory(inventory),
      /ZFS pools \(zfs_member partitions\):\n {2}tank: \/dev\/vdb1 \/dev\/vdc1\n/,
    );
    assert.deepEqual(parseInventory(JSON.parse(JSON.stringify(inventory))), inventory);
  });

  it("a pool spanning a target and another disk is refused by the plan's wipe; one on targets only is not", () => {
    const one = request({
      storage: [
        {
          diskGroupId: 1,
          disks: 1,
          layout: [{ mountPoint: "/", fileSystem: "ext4", sizeMiB: 0 }],
          defaultLayout: false,
        },
      ],
    });
    const wipe = buildPlan(one, inventory).steps.find((s) => s.kind === "wipe");
    const targets = wipe?.kind === "wipe" ? wipe.disks : [];
    const spans = refusedSpans(buildPlan(one, inventory).steps);
    if (targets.includes("/dev/vdb") && !targets.includes("/dev/vdc")) {
      assert.deepEqual(
        spans.map((s) => [s.kind, s.name, s.targetMembers, s.otherMembers]),
        [["ZFS pool", "tank", ["/dev/vdb1"], ["/dev/vdc1"]]],
      );
    } else assert.fail(`unexpected targets ${targets.join(" ")}`);
    assert.match(wipe!.title, /ZFS pool tank/);
  });
});
