// Removable, read-only, hot-plugged and USB disks never join a disk group, and live media
// mounted where live systems mount them are the rescue's own: table-driven over captured
// lsblk JSON (fixtures/probe/exclusions), through the probe, the inventory file and the planner.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { targetDisks } from "../../agent/plan/disks.ts";
import { selectDisks } from "../../agent/probe/disks.ts";
import { exclusionReasons } from "../../agent/probe/exclusions.ts";
import { formatInventory } from "../../agent/probe/format.ts";
import { groupDisks } from "../../agent/probe/groups.ts";
import { parseInventory } from "../../agent/probe/inventory-file.ts";
import { parseLsblk } from "../../agent/probe/lsblk.ts";
import type { Inventory } from "../../agent/probe/types.ts";
import { fixture } from "./helpers.ts";

interface Case {
  fixture: string;
  cmdline?: string;
  targets: string[]; // group 1 first, in name order
  group1: string[];
  excluded: Record<string, string[]>;
  rescueDisk?: string;
}

const CASES: Case[] = [
  {
    fixture: "usb-stick-first",
    targets: ["/dev/sdb", "/dev/sdc"],
    group1: ["/dev/sdb", "/dev/sdc"],
    excluded: { "/dev/sda": ["removable", "hot-plugged", "on usb"] },
  },
  {
    fixture: "bmc-virtual-media",
    targets: ["/dev/sdc", "/dev/sdd"],
    group1: ["/dev/sdc", "/dev/sdd"],
    excluded: {
      "/dev/sda": ["removable", "read-only", "hot-plugged", "on usb"],
      "/dev/sdb": ["hot-plugged", "on usb"],
    },
  },
  {
    fixture: "esata-hotplug",
    targets: ["/dev/sda", "/dev/sdb"],
    group1: ["/dev/sda", "/dev/sdb"],
    excluded: { "/dev/sdc": ["hot-plugged"] },
  },
  {
    fixture: "read-only-sata",
    targets: ["/dev/sdb", "/dev/sdc"],
    group1: ["/dev/sdb", "/dev/sdc"],
    excluded: { "/dev/sda": ["read-only"] },
  },
  {
    fixture: "archiso",
    targets: ["/dev/sda", "/dev/sdb"],
    group1: ["/dev/sda", "/dev/sdb"],
    excluded: {},
    rescueDisk: "/dev/sdc",
  },
  {
    fixture: "casper-cdrom",
    targets: ["/dev/sda", "/dev/sdc"],
    group1: ["/dev/sda", "/dev/sdc"],
    excluded: {},
    rescueDisk: "/dev/sdb",
  },
  {
    fixture: "dracut-live-label",
    cmdline: "BOOT_IMAGE=/vmlinuz root=live:CDLABEL=RESCUE-LIVE rd.live.image quiet",
    targets: ["/dev/sda", "/dev/sdc"],
    group1: ["/dev/sda", "/dev/sdc"],
    excluded: {},
    rescueDisk: "/dev/sdb",
  },
  {
    fixture: "dracut-live-label",
    cmdline: "root=live:/dev/sdb1",
    targets: ["/dev/sda", "/dev/sdc"],
    group1: ["/dev/sda", "/dev/sdc"],
    excluded: {},
    rescueDisk: "/dev/sdb",
  },
];

// The inventory the probe would make of a case, without /proc and /sys.
function inventoryOf(c: Case): Inventory {
  const selection = selectDisks(parseLsblk(fixture("exclusions", `${c.fixture}.json`)), c.cmdline ?? "");
  const inventory: Inventory = {
    firmware: "uefi",
    memoryBytes: 2 ** 35,
    gptBoot: true,
    disks: selection.disks,
    mdArrays: [],
    mounts: [],
    nics: [],
  };
  if (selection.rescueDisk !== undefined) inventory.rescueDisk = selection.rescueDisk;
  inventory.excluded = selection.excluded;
  return inventory;
}

const reasonsByPath = (inv: Inventory) => Object.fromEntries((inv.excluded ?? []).map((d) => [d.path, d.reasons]));

describe("disks that are never targets", () => {
  for (const c of CASES) {
    describe(`${c.fixture}${c.cmdline ? ` (${c.cmdline})` : ""}`, () => {
      const inventory = inventoryOf(c);

      it("probes to the expected targets, exclusions and rescue disk", () => {
        assert.deepEqual(
          inventory.disks.map((d) => d.path),
          c.targets,
        );
        assert.deepEqual(reasonsByPath(inventory), c.excluded);
        assert.equal(inventory.rescueDisk, c.rescueDisk);
      });

      it("plans disk group 1 on the expected disks only", () => {
        const group = targetDisks({ diskGroupId: 1 } as never, inventory).map((d) => d.path);
        assert.deepEqual(group, c.group1);
      });

      it("shows every excluded disk with its reasons in `byol inventory`", () => {
        const text = formatInventory(inventory);
        for (const [path, reasons] of Object.entries(c.excluded)) {
          assert.ok(text.includes(`(${path} excluded, never a target: ${reasons.join(", ")};`), text);
        }
      });

      it("reads back from `inventory --json` to the same inventory, so plan --inventory plans the same", () => {
        const again = parseInventory(JSON.parse(JSON.stringify(inventory)));
        assert.deepEqual(again, inventory);
      });

      it("keeps them out of the plan from an old inventory file that lists every disk under disks", () => {
        const old = JSON.parse(JSON.stringify(inventory)) as Record<string, unknown> & Inventory;
        old.disks = [...(inventory.excluded ?? []).map(({ reasons: _r, ...d }) => d), ...inventory.disks];
        delete old.excluded;
        const read = parseInventory(old);
        assert.deepEqual(reasonsByPath(read), c.excluded);
        assert.deepEqual(
          targetDisks({ diskGroupId: 1 } as never, read).map((d) => d.path),
          c.group1,
        );
      });
    });
  }
});

describe("exclusionReasons", () => {
  const flags = ["removable", "readOnly", "hotplug"] as const;
  it("excludes a disk for each flag and for a USB or FireWire transport, and for nothing else", () => {
    for (let bits = 0; bits < 8; bits++) {
      for (const transport of [undefined, "sata", "nvme", "usb", "ieee1394", "virtio"]) {
        const disk = { removable: false, readOnly: false, hotplug: false, ...(transport && { transport }) };
        for (const [i, f] of flags.entries()) disk[f] = (bits & (1 << i)) !== 0;
        const expected = bits !== 0 || transport === "usb" || transport === "ieee1394";
        assert.equal(exclusionReasons(disk).length > 0, expected, JSON.stringify(disk));
      }
    }
  });

  it("never lets groupDisks put an excluded disk in a group, however it got into the list", () => {
    const base = { name: "", sizeBytes: 2 ** 40, logicalSectorSize: 512, physicalSectorSize: 512, rotational: false };
    const disks = ["sda", "sdb", "sdc"].map((name, i) => ({
      ...base,
      name,
      path: `/dev/${name}`,
      removable: i === 0,
      readOnly: false,
    }));
    assert.deepEqual(
      groupDisks(disks).flatMap((g) => g.disks.map((d) => d.name)),
      ["sdb", "sdc"],
    );
  });
});
