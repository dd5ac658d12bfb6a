// Exact commands of GPT plans: one disk, RAID1 on two, RAID5 on three (BIOS), NVMe names, 4Kn sectors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildPlan } from "../../agent/plan/index.ts";
import { commandsOf, inventory, kindsOf, request, withLayout } from "./builders.ts";

const settle = (disk: string) => [
  ["partprobe", disk],
  ["udevadm", "settle"],
];

describe("buildPlan on GPT", () => {
  it("1 disk, UEFI, default layout: ESP, /boot, swap, / filling up to the config drive", () => {
    // 457862 whole MiB; usable up to MiB 457861; config drive 457797..457861
    const plan = buildPlan(request(), inventory("uefi-1disk"));
    assert.deepEqual(kindsOf(plan), [
      "download",
      "inspect",
      "wipe",
      "partition",
      "mkfs",
      "mount",
      "config-drive",
      "attach",
      "copy",
      "configure",
      "bootable-script",
      "boot-entries",
      "finish",
    ]);
    assert.deepEqual(commandsOf(plan, "wipe"), [
      ["wipefs", "-a", "-f", "/dev/sda"],
      ["sgdisk", "-Z", "/dev/sda"],
    ]);
    assert.deepEqual(commandsOf(plan, "partition"), [
      [
        "sgdisk",
        "-o",
        "-a",
        "2048",
        ...["-n", "1:2048:1050623", "-t", "1:ef00", "-c", "1:EFI"],
        ...["-n", "2:1050624:3147775", "-t", "2:8300", "-c", "2:boot"],
        ...["-n", "3:3147776:5244927", "-t", "3:8200", "-c", "3:swap"],
        ...["-n", "4:5244928:937568255", "-t", "4:8300", "-c", "4:root"],
        ...["-n", "5:937568256:937699327", "-t", "5:0700", "-c", "5:config-2"],
        "/dev/sda",
      ],
      ...settle("/dev/sda"),
    ]);
    assert.deepEqual(commandsOf(plan, "raid"), []);
    assert.deepEqual(commandsOf(plan, "mkfs"), [
      ["mkfs.vfat", "-F", "32", "-n", "EFI_SYSPART", "/dev/sda1"],
      ["mkfs.ext4", "-F", "-q", "-L", "boot", "/dev/sda2"],
      ["mkswap", "-L", "swap", "/dev/sda3"],
      ["mkfs.ext4", "-F", "-q", "-L", "root", "/dev/sda4"],
    ]);
    assert.deepEqual(commandsOf(plan, "mount"), [
      ["mount", "-t", "ext4", "/dev/sda4", "/tmp/a"],
      ["mount", "-t", "ext4", "/dev/sda2", "/tmp/a/boot"],
      ["mount", "-t", "vfat", "/dev/sda1", "/tmp/a/boot/efi"],
    ]);
    assert.deepEqual(commandsOf(plan, "config-drive"), [["mkfs.vfat", "-n", "config-2", "/dev/sda5"]]);
    assert.deepEqual(
      plan.fstab.map((e) => [e.mountPoint, e.device, e.fileSystem, e.options, e.pass]),
      [
        ["/", "/dev/sda4", "ext4", "defaults", 1],
        ["/boot", "/dev/sda2", "ext4", "defaults", 2],
        ["/boot/efi", "/dev/sda1", "vfat", "umask=0077", 1],
        ["swap", "/dev/sda3", "swap", "sw", 0],
      ],
    );
    const configure = plan.steps.find((s) => s.kind === "configure");
    assert.deepEqual(configure?.kind === "configure" && configure.fstab, plan.fstab);
    const finish = plan.steps.at(-1);
    assert.deepEqual(finish?.kind === "finish" && finish.unmount, [
      "/dev/shm/image",
      "/tmp/a/boot/efi",
      "/tmp/a/boot",
      "/tmp/a",
    ]);
  });

  it("2 disks, UEFI, default layout: RAID1 /boot and /, swap and ESP on each disk", () => {
    // fill = min(sda: 457861-1-64-512-1024-1024, sdb: 457861-1-512-1024-1024) = 455236 MiB
    const plan = buildPlan(request(), inventory("uefi-2disks"));
    const shared = (d: string) => [
      ...["-n", "1:2048:1050623", "-t", "1:ef00", "-c", "1:EFI"],
      ...["-n", "2:1050624:3147775", "-t", "2:fd00", "-c", "2:boot"],
      ...["-n", "3:3147776:5244927", "-t", "3:8200", "-c", "3:swap"],
      ...["-n", "4:5244928:937568255", "-t", "4:fd00", "-c", "4:root"],
      ...(d === "/dev/sda" ? ["-n", "5:937568256:937699327", "-t", "5:0700", "-c", "5:config-2"] : []),
      d,
    ];
    assert.deepEqual(commandsOf(plan, "partition"), [
      ["sgdisk", "-o", "-a", "2048", ...shared("/dev/sda")],
      ...settle("/dev/sda"),
      ["sgdisk", "-o", "-a", "2048", ...shared("/dev/sdb")],
      ...settle("/dev/sdb"),
    ]);
    // the old arrays of the fixture are stopped and their members cleared first
    assert.deepEqual(commandsOf(plan, "wipe"), [
      ["mdadm", "--stop", "/dev/md127"],
      ["mdadm", "--stop", "/dev/md126"],
      ["mdadm", "--zero-superblock", "--force", "/dev/sda2"],
      ["mdadm", "--zero-superblock", "--force", "/dev/sdb2"],
      ["mdadm", "--zero-superblock", "--force", "/dev/sda3"],
      ["mdadm", "--zero-superblock", "--force", "/dev/sdb3"],
      ["wipefs", "-a", "-f", "/dev/sda"],
      ["sgdisk", "-Z", "/dev/sda"],
      ["wipefs", "-a", "-f", "/dev/sdb"],
      ["sgdisk", "-Z", "/dev/sdb"],
    ]);
    const mdadm = ["mdadm", "--create"];
    const opts = ["--run", "--level=1", "--raid-devices=2"];
    assert.deepEqual(commandsOf(plan, "raid"), [
      [...mdadm, "/dev/md0", ...opts, "--metadata=1.0", "--homehost=any", "--name=md0", "/dev/sda2", "/dev/sdb2"],
      [...mdadm, "/dev/md1", ...opts, "--metadata=1.2", "--homehost=any", "--name=md1", "/dev/sda4", "/dev/sdb4"],
    ]);
    assert.deepEqual(commandsOf(plan, "mkfs"), [
      ["mkfs.vfat", "-F", "32", "-n", "EFI_SYSPART", "/dev/sda1"],
      ["mkfs.vfat", "-F", "32", "-n", "EFI_SYSPART", "/dev/sdb1"],
      ["mkfs.ext4", "-F", "-q", "-L", "boot", "/dev/md0"],
      ["mkswap", "-L", "swap", "/dev/sda3"],
      ["mkswap", "-L", "swap", "/dev/sdb3"],
      ["mkfs.ext4", "-F", "-q", "-L", "root", "/dev/md1"],
    ]);
    assert.deepEqual(commandsOf(plan, "mount"), [
      ["mount", "-t", "ext4", "/dev/md1", "/tmp/a"],
      ["mount", "-t", "ext4", "/dev/md0", "/tmp/a/boot"],
      ["mount", "-t", "vfat", "/dev/sda1", "/tmp/a/boot/efi"],
    ]);
    assert.deepEqual(
      plan.fstab.map((e) => `${e.mountPoint} ${e.device}`),
      ["/ /dev/md1", "/boot /dev/md0", "/boot/efi /dev/sda1", "swap /dev/sda3", "swap /dev/sdb3"],
    );
    const boot = plan.steps.find((s) => s.kind === "boot-entries");
    assert.deepEqual(boot?.kind === "boot-entries" && boot.espDevices, ["/dev/sda1", "/dev/sdb1"]);
    const configure = plan.steps.find((s) => s.kind === "configure");
    assert.equal(configure?.kind === "configure" && configure.mdadmConf, true);
  });

  it("3 disks, BIOS: BIOS-boot partitions, RAID1 /boot, RAID5 / and swap on the first disk only", () => {
    // 1907729 MiB disks; fill = sda: 1907728-1-64-1-1024-4096 = 1902542 MiB
    const plan = buildPlan(
      withLayout([
        { mountPoint: "/boot", fileSystem: "ext4", sizeMiB: 1024, raidLevel: 1 },
        { mountPoint: "/", fileSystem: "xfs", sizeMiB: 0, raidLevel: 5 },
        { mountPoint: "swap", fileSystem: "swap", sizeMiB: 4096 },
      ]),
      inventory("bios-3disks"),
    );
    const members = [
      ...["-n", "1:2048:4095", "-t", "1:ef02", "-c", "1:BIOS"],
      ...["-n", "2:4096:2101247", "-t", "2:fd00", "-c", "2:boot"],
      ...["-n", "3:2101248:3898507263", "-t", "3:fd00", "-c", "3:root"],
    ];
    assert.deepEqual(commandsOf(plan, "partition"), [
      [
        ...["sgdisk", "-o", "-a", "2048", ...members],
        ...["-n", "4:3898507264:3906895871", "-t", "4:8200", "-c", "4:swap"],
        ...["-n", "5:3906895872:3907026943", "-t", "5:0700", "-c", "5:config-2"],
        "/dev/sda",
      ],
      ...settle("/dev/sda"),
      ["sgdisk", "-o", "-a", "2048", ...members, "/dev/sdb"],
      ...settle("/dev/sdb"),
      ["sgdisk", "-o", "-a", "2048", ...members, "/dev/sdc"],
      ...settle("/dev/sdc"),
    ]);
    assert.deepEqual(commandsOf(plan, "raid"), [
      [
        ...["mdadm", "--create", "/dev/md0", "--run", "--level=1", "--raid-devices=3", "--metadata=1.0"],
        ...["--homehost=any", "--name=md0", "/dev/sda2", "/dev/sdb2", "/dev/sdc2"],
      ],
      [
        ...["mdadm", "--create", "/dev/md1", "--run", "--level=5", "--raid-devices=3", "--metadata=1.2"],
        ...["--homehost=any", "--name=md1", "/dev/sda3", "/dev/sdb3", "/dev/sdc3"],
      ],
    ]);
    assert.deepEqual(commandsOf(plan, "mkfs"), [
      ["mkfs.ext4", "-F", "-q", "-L", "boot", "/dev/md0"],
      ["mkfs.xfs", "-f", "-q", "-L", "root", "/dev/md1"],
      ["mkswap", "-L", "swap", "/dev/sda4"],
    ]);
    assert.deepEqual(commandsOf(plan, "mount"), [
      ["mount", "-t", "xfs", "/dev/md1", "/tmp/a"],
      ["mount", "-t", "ext4", "/dev/md0", "/tmp/a/boot"],
    ]);
    assert.deepEqual(
      plan.fstab.map((e) => `${e.mountPoint} ${e.device} ${e.pass}`),
      ["/ /dev/md1 1", "/boot /dev/md0 2", "swap /dev/sda4 0"],
    );
    const boot = plan.steps.find((s) => s.kind === "boot-entries");
    assert.deepEqual(boot?.kind === "boot-entries" && boot.espDevices, []);
  });

  it("NVMe disks: partitions are named nvme0n1p1, md members nvme0n1p2 nvme1n1p2", () => {
    // 915715 MiB disks; fill = 915714-1-64-512-1024-1024 = 913089 MiB, / ends at 915650
    const plan = buildPlan(request(), inventory("uefi-nvme-2disks"));
    assert.deepEqual(commandsOf(plan, "partition")[0], [
      ...["sgdisk", "-o", "-a", "2048"],
      ...["-n", "1:2048:1050623", "-t", "1:ef00", "-c", "1:EFI"],
      ...["-n", "2:1050624:3147775", "-t", "2:fd00", "-c", "2:boot"],
      ...["-n", "3:3147776:5244927", "-t", "3:8200", "-c", "3:swap"],
      ...["-n", "4:5244928:1875251199", "-t", "4:fd00", "-c", "4:root"],
      ...["-n", "5:1875251200:1875382271", "-t", "5:0700", "-c", "5:config-2"],
      "/dev/nvme0n1",
    ]);
    assert.deepEqual(
      plan.disks.map((d) => d.partitions.map((p) => p.device)),
      [
        ["/dev/nvme0n1p1", "/dev/nvme0n1p2", "/dev/nvme0n1p3", "/dev/nvme0n1p4", "/dev/nvme0n1p5"],
        ["/dev/nvme1n1p1", "/dev/nvme1n1p2", "/dev/nvme1n1p3", "/dev/nvme1n1p4"],
      ],
    );
    assert.deepEqual(commandsOf(plan, "raid")[0]?.slice(-2), ["/dev/nvme0n1p2", "/dev/nvme1n1p2"]);
    assert.deepEqual(commandsOf(plan, "mkfs").slice(0, 2), [
      ["mkfs.vfat", "-F", "32", "-n", "EFI_SYSPART", "/dev/nvme0n1p1"],
      ["mkfs.vfat", "-F", "32", "-n", "EFI_SYSPART", "/dev/nvme1n1p1"],
    ]);
    assert.deepEqual(commandsOf(plan, "config-drive"), [["mkfs.vfat", "-n", "config-2", "/dev/nvme0n1p5"]]);
    assert.deepEqual(commandsOf(plan, "wipe"), [
      ["wipefs", "-a", "-f", "/dev/nvme0n1"],
      ["sgdisk", "-Z", "/dev/nvme0n1"],
      ["wipefs", "-a", "-f", "/dev/nvme1n1"],
      ["sgdisk", "-Z", "/dev/nvme1n1"],
    ]);
  });

  it("4Kn disks: 256 sectors per MiB", () => {
    // 3815447 MiB disks; fill = 3815446-1-64-512-1024-1024 = 3812821 MiB, / ends at 3815382
    const plan = buildPlan(request(), inventory("uefi-4kn-2disks"));
    const common = [
      ...["-n", "1:256:131327", "-t", "1:ef00", "-c", "1:EFI"],
      ...["-n", "2:131328:393471", "-t", "2:fd00", "-c", "2:boot"],
      ...["-n", "3:393472:655615", "-t", "3:8200", "-c", "3:swap"],
      ...["-n", "4:655616:976737791", "-t", "4:fd00", "-c", "4:root"],
    ];
    assert.deepEqual(commandsOf(plan, "partition"), [
      [
        "sgdisk",
        "-o",
        "-a",
        "256",
        ...common,
        ...["-n", "5:976737792:976754175", "-t", "5:0700"],
        "-c",
        "5:config-2",
        "/dev/sda",
      ],
      ...settle("/dev/sda"),
      ["sgdisk", "-o", "-a", "256", ...common, "/dev/sdb"],
      ...settle("/dev/sdb"),
    ]);
    // positions in MiB do not depend on the sector size
    assert.deepEqual(
      plan.disks[0]?.partitions.map((p) => [p.startMiB, p.sizeMiB]),
      [
        [1, 512],
        [513, 1024],
        [1537, 1024],
        [2561, 3812821],
        [3815382, 64],
      ],
    );
  });
});
