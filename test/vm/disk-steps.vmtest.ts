// The disk steps for real, in the rescue VM: `byol install --stop-after disks` on virtual
// disks, then what it made is read back with sgdisk, mdadm, blkid, findmnt, mtools and
// cloud-init's own config drive reader, and `byol cleanup` must leave the disks clean.
// Disk group 1 is 4 x 4 GiB (512 B sectors), group 2 one 2 GiB 4Kn disk (test/vm/machine.json).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assertClean,
  assertConfigDrive,
  assertDone,
  assertRunRecords,
  blkid,
  cleanup,
  diskGroup,
  exclusive,
  findmnt,
  gpt,
  install,
  mdDetail,
  must,
  type Run,
  request,
  SKIP,
  scrub,
  sectorSize,
  sh,
} from "./support/install.ts";
import { assertNoSecrets, defaultRecordOf } from "./support/records.ts";

const TIMEOUT = 15 * 60_000;

// Runs one install case on `disks`: scrub, install, check, cleanup, check clean.
async function installCase(name: string, disks: string[], body: object, check: (run: Run) => void): Promise<void> {
  await exclusive(async () => {
    scrub(disks);
    const run = await install(name, body);
    try {
      assertDone(run);
      assertRunRecords(run);
      assertNoSecrets(defaultRecordOf(run.runDir));
      check(run);
    } finally {
      const r = cleanup(run);
      assert.equal(r.status, 0, `byol cleanup: ${r.stdout}${r.stderr}`);
    }
    assertClean(disks);
  });
}

const part = (disk: string, n: number) => `${disk}${n}`;

describe("disk steps in the rescue VM", { skip: SKIP, concurrency: false }, () => {
  it("1 disk, UEFI, default layout", { timeout: TIMEOUT }, async () => {
    const [disk, untouched] = diskGroup(1) as [string, string];
    const storage = [{ diskGroupId: 1, partitioning: { disks: 1 } }];
    await installCase("one-disk", [disk], request(storage, "vm-one-disk"), () => {
      assert.deepEqual(
        gpt(disk).map((p) => `${p.number} ${p.code} ${p.name}`),
        ["1 EF00 EFI", "2 8300 boot", "3 8200 swap", "4 8300 root", "5 0700 config-2"],
      );
      assert.equal(blkid(part(disk, 1), "TYPE"), "vfat");
      assert.equal(blkid(part(disk, 3), "TYPE"), "swap");
      assert.deepEqual(findmnt("/tmp/a"), { source: part(disk, 4), fstype: "ext4" });
      assert.deepEqual(findmnt("/tmp/a/boot"), { source: part(disk, 2), fstype: "ext4" });
      assert.deepEqual(findmnt("/tmp/a/boot/efi"), { source: part(disk, 1), fstype: "vfat" });
      assertConfigDrive(part(disk, 5), "vm-one-disk");
      assert.deepEqual(gpt(untouched), [], "the group's other disks are not touched");
    });
  });

  it("2 disks, RAID1, an ESP on each disk", { timeout: TIMEOUT }, async () => {
    const disks = diskGroup(1).slice(0, 2) as [string, string];
    const layout = [
      { mountPoint: "/boot", fileSystem: "ext4", size: 512, raidLevel: 1 },
      { mountPoint: "/", fileSystem: "ext4", size: 0, raidLevel: 1 },
    ];
    const storage = [{ diskGroupId: 1, partitioning: { disks: 2, layout } }];
    await installCase("raid1", disks, request(storage, "vm-raid1"), () => {
      for (const d of disks) {
        assert.equal(gpt(d)[0]?.code, "EF00", `${d} starts with an ESP`);
        assert.equal(blkid(part(d, 1), "TYPE"), "vfat", `${d}1 is formatted`);
      }
      const boot = findmnt("/tmp/a/boot");
      const root = findmnt("/tmp/a");
      assert.match(boot?.source ?? "", /^\/dev\/md/);
      assert.match(root?.source ?? "", /^\/dev\/md/);
      for (const md of [boot?.source, root?.source] as string[]) {
        const detail = mdDetail(md);
        assert.equal(detail.level, "raid1");
        assert.equal(detail.devices.length, 2);
      }
      assert.equal(mdDetail(boot?.source as string).version, "1.0", "/boot keeps its superblock at the end");
      assert.equal(findmnt("/tmp/a/boot/efi")?.fstype, "vfat");
      const cd = gpt(disks[0]).find((p) => p.name === "config-2");
      assert.ok(cd, "the first disk holds the config drive");
      assertConfigDrive(part(disks[0], cd.number), "vm-raid1");
    });
  });

  it("3 disks, RAID5", { timeout: TIMEOUT }, async () => {
    const disks = diskGroup(1).slice(0, 3);
    const layout = [
      { mountPoint: "/boot", fileSystem: "ext4", size: 512, raidLevel: 1 },
      { mountPoint: "/", fileSystem: "xfs", size: 0, raidLevel: 5 },
    ];
    const storage = [{ diskGroupId: 1, partitioning: { disks: 3, layout } }];
    await installCase("raid5", disks, request(storage, "vm-raid5"), () => {
      const root = findmnt("/tmp/a");
      assert.equal(root?.fstype, "xfs");
      const detail = mdDetail(root?.source as string);
      assert.equal(detail.level, "raid5");
      assert.equal(detail.devices.length, 3);
      assert.equal(mdDetail(findmnt("/tmp/a/boot")?.source as string).devices.length, 3);
    });
  });

  it("4 disks, RAID10 with LVM on it", { timeout: TIMEOUT }, async () => {
    const disks = diskGroup(1);
    const layout = [
      { mountPoint: "/boot", fileSystem: "ext4", size: 512, raidLevel: 1 },
      { mountPoint: "/", fileSystem: "ext4", size: 1024, raidLevel: 10, extras: { lv: { name: "root" } } },
      { mountPoint: "/var", fileSystem: "xfs", size: 0, raidLevel: 10, extras: { lv: { name: "var" } } },
      { mountPoint: "swap", fileSystem: "swap", size: 256 },
    ];
    const storage = [{ diskGroupId: 1, partitioning: { disks: 4, layout } }];
    await installCase("raid10-lvm", disks, request(storage, "vm-raid10"), () => {
      const pvs = must("pvs", ["--noheadings", "-o", "pv_name,vg_name"]).trim().split(/\s+/);
      assert.match(pvs[0] ?? "", /^\/dev\/md/);
      const detail = mdDetail(pvs[0] as string);
      assert.equal(detail.level, "raid10");
      assert.equal(detail.devices.length, 4);
      const lvs = must("lvs", ["--noheadings", "-o", "lv_name", pvs[1] as string])
        .trim()
        .split(/\s+/)
        .sort();
      assert.deepEqual(lvs, ["root", "var"]);
      assert.equal(findmnt("/tmp/a")?.fstype, "ext4");
      assert.equal(findmnt("/tmp/a/var")?.fstype, "xfs");
      assert.match(findmnt("/tmp/a/var")?.source ?? "", /var/);
    });
  });

  it(
    "wipes an old md array (assembled, with LVM and filesystems) left by an earlier install",
    { timeout: TIMEOUT },
    async () => {
      const disks = diskGroup(1).slice(0, 2) as [string, string];
      await exclusive(async () => {
        scrub(disks);
        for (const d of disks) must("sgdisk", ["-n", "1:0:+256M", "-t", "1:8300", "-n", "2:0:+1G", "-t", "2:fd00", d]);
        for (const d of disks) must("partprobe", [d]);
        must("udevadm", ["settle"]);
        const members = disks.map((d) => part(d, 2));
        must("mdadm", ["--create", "/dev/md9", "--run", "--level=1", "--raid-devices=2", "--metadata=1.2", ...members]);
        must("pvcreate", ["-ff", "-y", "/dev/md9"]);
        must("vgcreate", ["oldvg", "/dev/md9"]);
        must("lvcreate", ["-y", "-L", "128m", "-n", "data", "oldvg"]);
        must("mkfs.ext4", ["-F", "-q", "-L", "olddata", "/dev/oldvg/data"]);
        must("mkfs.ext4", ["-F", "-q", "-L", "oldboot", part(disks[0], 1)]);
        assert.match(must("cat", ["/proc/mdstat"]), /md9 : active/);
        // the request RAID1s the same two disks: partitions land where the old ones were
        const layout = [
          { mountPoint: "/boot", fileSystem: "ext4", size: 256, raidLevel: 1 },
          { mountPoint: "/", fileSystem: "ext4", size: 0, raidLevel: 1 },
        ];
        const run = await install(
          "old-md",
          request([{ diskGroupId: 1, partitioning: { disks: 2, layout } }], "vm-old-md"),
        );
        try {
          assertDone(run);
          assertRunRecords(run);
          assert.doesNotMatch(must("cat", ["/proc/mdstat"]), /md9/, "the old array is stopped");
          assert.notEqual(sh("vgs", ["oldvg"]).status, 0, "the old volume group is gone");
          const labels = must("blkid", ["-o", "value", "-s", "LABEL"]);
          assert.doesNotMatch(labels, /oldboot|olddata/, "no old filesystem is visible");
          for (const d of disks) {
            for (const p of gpt(d)) assert.notEqual(blkid(part(d, p.number), "TYPE"), "LVM2_member");
          }
          assert.equal(findmnt("/tmp/a/boot")?.fstype, "ext4");
          const journal = must("cat", [`${run.runDir}/journal.jsonl`]);
          assert.match(journal, /"argv":\["mdadm","--stop","\/dev\/md9"\]/);
          assert.match(journal, /"argv":\["vgchange","-an","oldvg"\]/);
        } finally {
          const r = cleanup(run);
          assert.equal(r.status, 0, `byol cleanup: ${r.stdout}${r.stderr}`);
        }
        assertClean(disks);
      });
    },
  );

  it("a 4Kn disk", { timeout: TIMEOUT }, async () => {
    const [disk] = diskGroup(2) as [string];
    const layout = [
      { mountPoint: "/", fileSystem: "ext4", size: 0 },
      { mountPoint: "swap", fileSystem: "swap", size: 128 },
    ];
    await installCase("4kn", [disk], request([{ diskGroupId: 2, partitioning: { layout } }], "vm-4kn"), () => {
      assert.equal(sectorSize(disk), 4096);
      const rows = gpt(disk);
      assert.equal(rows[0]?.code, "EF00");
      assert.equal(blkid(part(disk, 1), "TYPE"), "vfat");
      assert.equal(findmnt("/tmp/a")?.fstype, "ext4");
      const cd = rows.find((p) => p.name === "config-2");
      assert.ok(cd);
      assertConfigDrive(part(disk, cd.number), "vm-4kn");
    });
  });
});
