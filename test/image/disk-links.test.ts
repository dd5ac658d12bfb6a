// /dev/disk/by-* links computed from lsblk, for a rescue system without udev: names as udev makes
// them for SATA, NVMe and virtio disks, their partitions, md arrays and file systems.

import assert from "node:assert/strict";
import { test } from "node:test";
import { diskLinks, encodeLabel, linkTarget } from "../../agent/image/disk-links.ts";

const dev = (o: Record<string, unknown>) => ({
  fstype: null,
  uuid: null,
  partuuid: null,
  label: null,
  partlabel: null,
  serial: null,
  wwn: null,
  model: null,
  tran: null,
  ...o,
});
const MEMBER_UUID = "3f1c2a4b-5d6e-7f80-9102-a3b4c5d6e7f8";
const md = dev({ name: "/dev/md0", type: "raid1", fstype: "ext4", uuid: "aaaa-root", label: "root" });
const lsblk = JSON.stringify({
  blockdevices: [
    dev({
      name: "/dev/sda",
      type: "disk",
      serial: "S4EWNX0N123456",
      model: "Samsung SSD 860 EVO 500GB",
      tran: "sata",
      wwn: "0x5002538e40a1b2c3",
      children: [
        dev({
          name: "/dev/sda1",
          type: "part",
          fstype: "vfat",
          uuid: "1A2B-3C4D",
          partuuid: "p-1",
          label: "EFI_SYSPART",
          partlabel: "EFI System",
        }),
        dev({
          name: "/dev/sda2",
          type: "part",
          fstype: "linux_raid_member",
          uuid: MEMBER_UUID,
          label: "rescue:0",
          partuuid: "p-2",
          children: [md],
        }),
      ],
    }),
    dev({
      name: "/dev/nvme0n1",
      type: "disk",
      serial: "PHBT1234",
      model: "INTEL SSDPEKNW010T8",
      tran: "nvme",
      children: [
        dev({
          name: "/dev/nvme0n1p2",
          type: "part",
          fstype: "linux_raid_member",
          uuid: MEMBER_UUID,
          label: "rescue:0",
          children: [md],
        }),
      ],
    }),
    dev({
      name: "/dev/vdb",
      type: "disk",
      serial: "byol-disk-2",
      children: [dev({ name: "/dev/vdb1", type: "part", uuid: "u-vdb1", fstype: "xfs" })],
    }),
    dev({ name: "/dev/vdc", type: "disk" }),
  ],
});

const byDir = (dir: string) =>
  Object.fromEntries(
    diskLinks(lsblk)
      .filter((l) => l.dir === dir)
      .map((l) => [l.name, l.device]),
  );

test("by-id: bus, model and serial as udev writes them, wwn, partitions with -partN", () => {
  assert.deepEqual(byDir("by-id"), {
    "ata-Samsung_SSD_860_EVO_500GB_S4EWNX0N123456": "/dev/sda",
    "wwn-0x5002538e40a1b2c3": "/dev/sda",
    "ata-Samsung_SSD_860_EVO_500GB_S4EWNX0N123456-part1": "/dev/sda1",
    "wwn-0x5002538e40a1b2c3-part1": "/dev/sda1",
    "ata-Samsung_SSD_860_EVO_500GB_S4EWNX0N123456-part2": "/dev/sda2",
    "wwn-0x5002538e40a1b2c3-part2": "/dev/sda2",
    "md-uuid-3f1c2a4b:5d6e7f80:9102a3b4:c5d6e7f8": "/dev/md0",
    "md-name-rescue:0": "/dev/md0",
    "nvme-INTEL_SSDPEKNW010T8_PHBT1234": "/dev/nvme0n1",
    "nvme-INTEL_SSDPEKNW010T8_PHBT1234-part2": "/dev/nvme0n1p2",
    "virtio-byol-disk-2": "/dev/vdb",
    "virtio-byol-disk-2-part1": "/dev/vdb1",
  });
});

test("by-uuid and by-label name file systems, never RAID members; by-partuuid and by-partlabel name partitions", () => {
  assert.deepEqual(byDir("by-uuid"), { "1A2B-3C4D": "/dev/sda1", "aaaa-root": "/dev/md0", "u-vdb1": "/dev/vdb1" });
  assert.deepEqual(byDir("by-label"), { EFI_SYSPART: "/dev/sda1", root: "/dev/md0" });
  assert.deepEqual(byDir("by-partuuid"), { "p-1": "/dev/sda1", "p-2": "/dev/sda2" });
  assert.deepEqual(byDir("by-partlabel"), { "EFI\\x20System": "/dev/sda1" });
});

test("a disk with no serial and no wwn gets no by-id link; links are relative like udev's", () => {
  assert.ok(!diskLinks(lsblk).some((l) => l.device === "/dev/vdc"));
  assert.equal(linkTarget({ dir: "by-id", name: "x", device: "/dev/nvme0n1p2" }), "../../nvme0n1p2");
});

test("labels: blanks and slashes escaped as \\xHH, UTF-8 kept", () => {
  assert.equal(encodeLabel("my disk/1"), "my\\x20disk\\x2f1");
  assert.equal(encodeLabel("données"), "données");
});

test("without udev, file system ids come from blkid's probe (shell-escaped values), merged over lsblk's", () => {
  const tree = JSON.stringify({
    blockdevices: [dev({ name: "/dev/vda", type: "disk", children: [dev({ name: "/dev/vda1", type: "part" })] })],
  });
  const blkid =
    "DEVNAME=/dev/vda1\nUUID=u-1\nTYPE=ext4\nLABEL=my\\ root\nPARTUUID=pu-1\n\nDEVNAME=/dev/vdz\nUUID=elsewhere\n";
  assert.deepEqual(
    diskLinks(tree, blkid).map((l) => `${l.dir}/${l.name} ${l.device}`),
    ["by-uuid/u-1 /dev/vda1", "by-partuuid/pu-1 /dev/vda1", "by-label/my\\x20root /dev/vda1"],
  );
});
