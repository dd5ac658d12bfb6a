// RAID10 + LVM on four disks: one VG per RAID level (vg on md1, vg1 on a plain partition).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildPlan } from "../../agent/plan/index.ts";
import { commandsOf, inventory, withLayout } from "./builders.ts";

const LAYOUT = withLayout([
  { mountPoint: "/boot", fileSystem: "ext4", sizeMiB: 1024, raidLevel: 1 },
  { mountPoint: "/", fileSystem: "ext4", sizeMiB: 20480, raidLevel: 10, lvName: "root" },
  { mountPoint: "/var", fileSystem: "xfs", sizeMiB: 10240, raidLevel: 10, lvName: "var" },
  { mountPoint: "/home", fileSystem: "ext4", sizeMiB: 0, raidLevel: 10, lvName: "home" },
  { mountPoint: "/srv", fileSystem: "ext4", sizeMiB: 8192, lvName: "srv" },
  { mountPoint: "swap", fileSystem: "swap", sizeMiB: 4096 },
]);

describe("buildPlan with RAID10 and LVM on 4 disks", () => {
  // 3662830 MiB disks, usable to MiB 3662829. sda: ESP, /boot, vg PV (fill), vg1 PV (8192 + 4 MiB
  // LVM metadata = 8196), swap, config drive. fill = 3662829-1-64-512-1024-8196-4096 = 3648936 MiB.
  const plan = buildPlan(LAYOUT, inventory("uefi-4disks"));
  const shared = [
    ...["-n", "1:2048:1050623", "-t", "1:ef00", "-c", "1:EFI"],
    ...["-n", "2:1050624:3147775", "-t", "2:fd00", "-c", "2:boot"],
    ...["-n", "3:3147776:7476168703", "-t", "3:fd00", "-c", "3:vg"],
  ];

  it("partitions: RAID members identical on each disk, first-disk-only PV and swap after them", () => {
    const sgdisk = commandsOf(plan, "partition").filter((a) => a[0] === "sgdisk");
    assert.deepEqual(sgdisk, [
      [
        ...["sgdisk", "-o", "-a", "2048", ...shared],
        ...["-n", "4:7476168704:7492954111", "-t", "4:8e00", "-c", "4:vg1"],
        ...["-n", "5:7492954112:7501342719", "-t", "5:8200", "-c", "5:swap"],
        ...["-n", "6:7501342720:7501473791", "-t", "6:0700", "-c", "6:config-2"],
        "/dev/sda",
      ],
      ["sgdisk", "-o", "-a", "2048", ...shared, "/dev/sdb"],
      ["sgdisk", "-o", "-a", "2048", ...shared, "/dev/sdc"],
      ["sgdisk", "-o", "-a", "2048", ...shared, "/dev/sdd"],
    ]);
  });

  it("arrays: RAID1 /boot with metadata 1.0, RAID10 PV with 1.2", () => {
    assert.deepEqual(commandsOf(plan, "raid"), [
      [
        ...["mdadm", "--create", "/dev/md0", "--run", "--level=1", "--raid-devices=4", "--metadata=1.0"],
        ...["--homehost=any", "--name=md0", "/dev/sda2", "/dev/sdb2", "/dev/sdc2", "/dev/sdd2"],
      ],
      [
        ...["mdadm", "--create", "/dev/md1", "--run", "--level=10", "--raid-devices=4", "--metadata=1.2"],
        ...["--homehost=any", "--name=md1", "/dev/sda3", "/dev/sdb3", "/dev/sdc3", "/dev/sdd3"],
      ],
    ]);
  });

  it("LVM: fixed LVs in layout order, the filling LV last", () => {
    assert.deepEqual(commandsOf(plan, "lvm"), [
      ["pvcreate", "-ff", "-y", "/dev/md1"],
      ["vgcreate", "vg", "/dev/md1"],
      ["lvcreate", "-y", "-W", "y", "-L", "20480m", "-n", "root", "vg"],
      ["lvcreate", "-y", "-W", "y", "-L", "10240m", "-n", "var", "vg"],
      ["lvcreate", "-y", "-W", "y", "-l", "100%FREE", "-n", "home", "vg"],
      ["pvcreate", "-ff", "-y", "/dev/sda4"],
      ["vgcreate", "vg1", "/dev/sda4"],
      ["lvcreate", "-y", "-W", "y", "-L", "8192m", "-n", "srv", "vg1"],
    ]);
    const vg = plan.steps.find((s) => s.kind === "lvm");
    assert.deepEqual(vg?.kind === "lvm" && vg.lvs, [
      { name: "root", sizeMiB: 20480, device: "/dev/vg/root" },
      { name: "var", sizeMiB: 10240, device: "/dev/vg/var" },
      { name: "home", sizeMiB: 0, device: "/dev/vg/home" },
    ]);
  });

  it("filesystems on the LVs, mounted / first then by depth and name", () => {
    assert.deepEqual(commandsOf(plan, "mkfs"), [
      ["mkfs.vfat", "-F", "32", "-n", "EFI_SYSPART", "/dev/sda1"],
      ["mkfs.vfat", "-F", "32", "-n", "EFI_SYSPART", "/dev/sdb1"],
      ["mkfs.vfat", "-F", "32", "-n", "EFI_SYSPART", "/dev/sdc1"],
      ["mkfs.vfat", "-F", "32", "-n", "EFI_SYSPART", "/dev/sdd1"],
      ["mkfs.ext4", "-F", "-q", "-L", "boot", "/dev/md0"],
      ["mkfs.ext4", "-F", "-q", "-L", "root", "/dev/vg/root"],
      ["mkfs.xfs", "-f", "-q", "-L", "var", "/dev/vg/var"],
      ["mkfs.ext4", "-F", "-q", "-L", "home", "/dev/vg/home"],
      ["mkfs.ext4", "-F", "-q", "-L", "srv", "/dev/vg1/srv"],
      ["mkswap", "-L", "swap", "/dev/sda5"],
    ]);
    assert.deepEqual(commandsOf(plan, "mount"), [
      ["mount", "-t", "ext4", "/dev/vg/root", "/tmp/a"],
      ["mount", "-t", "ext4", "/dev/md0", "/tmp/a/boot"],
      ["mount", "-t", "ext4", "/dev/vg/home", "/tmp/a/home"],
      ["mount", "-t", "ext4", "/dev/vg1/srv", "/tmp/a/srv"],
      ["mount", "-t", "xfs", "/dev/vg/var", "/tmp/a/var"],
      ["mount", "-t", "vfat", "/dev/sda1", "/tmp/a/boot/efi"],
    ]);
    assert.deepEqual(
      plan.fstab.map((e) => `${e.mountPoint} ${e.device} ${e.pass}`),
      [
        "/ /dev/vg/root 1",
        "/boot /dev/md0 2",
        "/home /dev/vg/home 2",
        "/srv /dev/vg1/srv 2",
        "/var /dev/vg/var 0",
        "/boot/efi /dev/sda1 1",
        "swap /dev/sda5 0",
      ],
    );
  });

  it("a fixed-size RAID VG gets room for LVM and md metadata on each member", () => {
    const fixed = buildPlan(
      withLayout([
        { mountPoint: "/", fileSystem: "ext4", sizeMiB: 10000, raidLevel: 1, lvName: "root" },
        { mountPoint: "/data", fileSystem: "ext4", sizeMiB: 0 },
      ]),
      inventory("uefi-2disks"),
    );
    // 10000 rounded up to 4 MiB extents = 10000, + 4 MiB PV metadata + 136 MiB md data offset room
    assert.deepEqual(
      fixed.disks.map((d) => d.partitions.filter((p) => p.role === "lvm-pv").map((p) => [p.device, p.sizeMiB])),
      [[["/dev/sda2", 10140]], [["/dev/sdb2", 10140]]],
    );
  });

  it("swap on LVM is refused", () => {
    const swapLv = withLayout([
      { mountPoint: "/", fileSystem: "ext4", sizeMiB: 0 },
      { mountPoint: "swap", fileSystem: "swap", sizeMiB: 1024, lvName: "swap" },
    ]);
    assert.throws(() => buildPlan(swapLv, inventory("uefi-1disk")), {
      name: "PlanError",
      message: "Partition swap: swap cannot be on an LVM logical volume (swap)",
    });
  });
});
