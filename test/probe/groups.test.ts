import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { groupDisks } from "../../agent/probe/groups.ts";
import { compareDiskNames } from "../../agent/probe/natural-order.ts";
import type { Disk } from "../../agent/probe/types.ts";
import { expectedInventory } from "./helpers.ts";

// A disk with the fields grouping looks at.
function disk(name: string, extra: Partial<Disk> = {}): Disk {
  return {
    path: `/dev/${name}`,
    name,
    sizeBytes: 4000787030016,
    logicalSectorSize: 512,
    physicalSectorSize: 4096,
    rotational: true,
    removable: false,
    readOnly: false,
    transport: "sata",
    ...extra,
  };
}

const shape = (disks: Disk[]) => groupDisks(disks).map((g) => [g.id, g.disks.map((d) => d.name)]);

describe("compareDiskNames", () => {
  it("sorts sd, vd, nvme and mmc names the way the kernel numbers them", () => {
    const names = ["sdaa", "sdb", "sda", "sdz", "sdab", "sdba"];
    assert.deepEqual(names.sort(compareDiskNames), ["sda", "sdb", "sdz", "sdaa", "sdab", "sdba"]);
    const nvme = ["nvme10n1", "nvme1n2", "nvme1n1", "nvme0n1", "nvme2n1"];
    assert.deepEqual(nvme.sort(compareDiskNames), ["nvme0n1", "nvme1n1", "nvme1n2", "nvme2n1", "nvme10n1"]);
    assert.deepEqual(["vdc", "vdaa", "vda"].sort(compareDiskNames), ["vda", "vdc", "vdaa"]);
    assert.deepEqual(["mmcblk10", "mmcblk2"].sort(compareDiskNames), ["mmcblk2", "mmcblk10"]);
    assert.deepEqual(["/dev/sdb", "/dev/sda"].sort(compareDiskNames), ["/dev/sda", "/dev/sdb"]);
  });
});

describe("groupDisks", () => {
  it("puts identical disks in one group, in natural name order", () => {
    assert.deepEqual(shape([disk("sdaa"), disk("sdb"), disk("sda")]), [[1, ["sda", "sdb", "sdaa"]]]);
  });

  it("splits on size, rotational, transport and logical sector size", () => {
    const disks = [
      disk("sda"),
      disk("sdb", { sizeBytes: 2000398934016 }),
      disk("sdc", { rotational: false }),
      disk("sdd", { transport: "sas" }),
      disk("sde", { logicalSectorSize: 4096, physicalSectorSize: 4096 }),
      disk("sdf", { physicalSectorSize: 512, model: "other", serial: "x" }), // still like sda
    ];
    assert.deepEqual(shape(disks), [
      [1, ["sda", "sdf"]],
      [2, ["sdb"]],
      [3, ["sdc"]],
      [4, ["sdd"]],
      [5, ["sde"]],
    ]);
  });

  it("numbers groups by their first disk's name, group 1 holding the first disk", () => {
    const ssd = { sizeBytes: 960197124096, rotational: false, transport: "nvme" };
    const disks = [disk("sdb"), disk("nvme1n1", ssd), disk("sda"), disk("nvme0n1", ssd)];
    assert.deepEqual(shape(disks), [
      [1, ["nvme0n1", "nvme1n1"]],
      [2, ["sda", "sdb"]],
    ]);
  });

  it("groups the fixtures as an operator would expect", () => {
    assert.deepEqual(shape(expectedInventory("qemu-virtio").disks), [
      [1, ["vdb", "vdc"]],
      [2, ["vdd"]],
      [3, ["vde"]],
    ]);
    assert.deepEqual(shape(expectedInventory("md-leftovers").disks), [
      [1, ["sda", "sdb"]],
      [2, ["sdc"]],
    ]);
    assert.deepEqual(groupDisks([]), []);
  });

  it("does not reorder the caller's array", () => {
    const disks = [disk("sdb"), disk("sda")];
    groupDisks(disks);
    assert.deepEqual(
      disks.map((d) => d.name),
      ["sdb", "sda"],
    );
  });
});

describe("purity", () => {
  it("keeps groups.ts and what it imports free of I/O, since the pure planner imports it", () => {
    for (const file of ["groups.ts", "natural-order.ts", "types.ts"]) {
      const source = readFileSync(new URL(`../../agent/probe/${file}`, import.meta.url), "utf8");
      const imports = [...source.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(
        imports.filter((i) => !i?.startsWith("./")),
        [],
        file,
      );
    }
  });
});
