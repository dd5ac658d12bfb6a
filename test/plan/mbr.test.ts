// MBR tables (gptBoot false): parted in MiB, logical partitions past the 4th, OVH's 2 TiB message.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildPlan } from "../../agent/plan/index.ts";
import type { Inventory } from "../../agent/probe/types.ts";
import { commandsOf, inventory, withLayout } from "./builders.ts";

describe("buildPlan on MBR", () => {
  it("refuses a filling partition that ends beyond 2 TiB with OVH's message", () => {
    const layout = withLayout([
      { mountPoint: "/", fileSystem: "ext4", sizeMiB: 20480 },
      { mountPoint: "/data", fileSystem: "xfs", sizeMiB: 0 },
    ]);
    assert.throws(() => buildPlan(layout, inventory("bios-3tib-mbr")), {
      name: "PlanError",
      message:
        "Error with MBR partition table: Partition /data is larger than 2TiB and this server does not support GPT",
    });
  });

  it("more than 4 partitions: 3 primary, an extended one, logicals each after a 1 MiB EBR gap", () => {
    // 3 TB disk: the config drive stays in the first 2 TiB (2097088..2097152 MiB), as ironic-python-agent does
    const plan = buildPlan(
      withLayout([
        { mountPoint: "/boot", fileSystem: "ext4", sizeMiB: 1024 },
        { mountPoint: "/", fileSystem: "ext4", sizeMiB: 20480 },
        { mountPoint: "/var", fileSystem: "ext4", sizeMiB: 20480 },
        { mountPoint: "swap", fileSystem: "swap", sizeMiB: 4096 },
        { mountPoint: "/data", fileSystem: "xfs", sizeMiB: 1000000 },
      ]),
      inventory("bios-3tib-mbr"),
    );
    assert.equal(plan.table, "mbr");
    assert.deepEqual(commandsOf(plan, "partition"), [
      [
        ...["parted", "-s", "-a", "none", "/dev/sda", "mklabel", "msdos"],
        ...["mkpart", "primary", "1MiB", "1025MiB", "set", "1", "boot", "on"],
        ...["mkpart", "primary", "1025MiB", "21505MiB"],
        ...["mkpart", "primary", "21505MiB", "41985MiB"],
        ...["mkpart", "extended", "41985MiB", "2097152MiB"],
        ...["mkpart", "logical", "linux-swap", "41986MiB", "46082MiB"],
        ...["mkpart", "logical", "46083MiB", "1046083MiB"],
        ...["mkpart", "logical", "fat32", "2097088MiB", "2097152MiB"],
      ],
      ["partprobe", "/dev/sda"],
      ["udevadm", "settle"],
    ]);
    assert.deepEqual(
      plan.disks[0]?.partitions.map((p) => `${p.device} ${p.role} ${p.typeCode}`),
      [
        "/dev/sda1 layout 83",
        "/dev/sda2 layout 83",
        "/dev/sda3 layout 83",
        "/dev/sda4 mbr-extended 05",
        "/dev/sda5 layout 82",
        "/dev/sda6 layout 83",
        "/dev/sda7 config-drive 0c",
      ],
    );
    assert.deepEqual(commandsOf(plan, "config-drive"), [["mkfs.vfat", "-n", "config-2", "/dev/sda7"]]);
    assert.deepEqual(commandsOf(plan, "mkfs").at(-1), ["mkfs.xfs", "-f", "-q", "-L", "data", "/dev/sda6"]);
  });

  it("UEFI with MBR: ESP as partition 1 with id ef, RAID members flagged raid", () => {
    const two: Inventory = { ...inventory("uefi-2disks"), gptBoot: false, mdArrays: [] };
    const plan = buildPlan(
      withLayout([
        { mountPoint: "/", fileSystem: "ext4", sizeMiB: 0, raidLevel: 1 },
        { mountPoint: "swap", fileSystem: "swap", sizeMiB: 2048 },
      ]),
      two,
    );
    // fill = 457861-1-64-512-2048 = 455236 MiB on sda
    assert.deepEqual(commandsOf(plan, "partition"), [
      [
        ...["parted", "-s", "-a", "none", "/dev/sda", "mklabel", "msdos"],
        ...["mkpart", "primary", "fat32", "1MiB", "513MiB", "set", "1", "esp", "on"],
        ...["mkpart", "primary", "513MiB", "455749MiB", "set", "2", "raid", "on"],
        ...["mkpart", "primary", "linux-swap", "455749MiB", "457797MiB"],
        ...["mkpart", "primary", "fat32", "457797MiB", "457861MiB"],
      ],
      ["partprobe", "/dev/sda"],
      ["udevadm", "settle"],
      [
        ...["parted", "-s", "-a", "none", "/dev/sdb", "mklabel", "msdos"],
        ...["mkpart", "primary", "fat32", "1MiB", "513MiB", "set", "1", "esp", "on"],
        ...["mkpart", "primary", "513MiB", "455749MiB", "set", "2", "raid", "on"],
      ],
      ["partprobe", "/dev/sdb"],
      ["udevadm", "settle"],
    ]);
  });

  it("BIOS with MBR on 2 disks: the RAID1 / members carry the boot flag; no BIOS-boot partition", () => {
    const bios: Inventory = { ...inventory("bios-3disks"), gptBoot: false };
    const plan = buildPlan(
      withLayout([{ mountPoint: "/", fileSystem: "ext4", sizeMiB: 10240, raidLevel: 1 }], { disks: 2 }),
      bios,
    );
    assert.deepEqual(commandsOf(plan, "partition")[3], [
      ...["parted", "-s", "-a", "none", "/dev/sdb", "mklabel", "msdos"],
      ...["mkpart", "primary", "1MiB", "10241MiB", "set", "1", "raid", "on", "set", "1", "boot", "on"],
    ]);
    assert.equal(plan.disks.length, 2);
  });
});
