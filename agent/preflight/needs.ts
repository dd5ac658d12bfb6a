// What a plan needs from the machine, derived from the plan: the programs its commands run (their
// argv[0]) plus those its steps run at run time, and the kernel features behind them. Pure.

import type { Plan, PlanStep } from "../plan/types.ts";

export interface Needs {
  tools: string[]; // sorted, unique
  kernel: string[]; // modules or filesystems, sorted, unique: nbd, md_mod, raid1, dm_mod, ext4, vfat...
  uefi: boolean; // efivars and efibootmgr
  imageInRam: boolean; // the image is downloaded into RAM (OVH's RAM rule applies)
}

// Programs every install may run whatever its steps: probing, settling, releasing what holds the
// disks, and resetting partition tables after a failure.
const ALWAYS = ["lsblk", "blkid", "udevadm", "wipefs", "sgdisk", "partprobe", "mount", "umount", "sync"];

// Programs a plan names that a run can do without: the finish step reboots with `systemctl reboot`
// where systemd runs, and with `reboot -f` otherwise.
const OPTIONAL = new Set(["systemctl"]);

// Programs a step runs that are not in its plan commands (computed at run time).
function runTime(step: PlanStep, plan: Pick<Plan, "operatingSystem" | "firmware">): string[] {
  const byoi = plan.operatingSystem === "byoi_64";
  switch (step.kind) {
    case "inspect":
      return byoi
        ? ["blkid", ...(step.imageType === "qcow2" ? ["qemu-img"] : [])]
        : ["qemu-img", "losetup", "modprobe"];
    case "attach":
      return ["qemu-nbd", "modprobe"];
    case "copy":
      return ["rsync", "du"];
    case "configure":
      return step.mdadmConf ? ["mdadm", "blkid"] : ["blkid"];
    case "bootable-script":
      return ["chroot"];
    case "boot-entries":
      return plan.firmware === "uefi" ? ["efibootmgr"] : [];
    case "byoi-boot-entries":
      return plan.firmware === "uefi" ? ["efibootmgr", "mdir"] : [];
    case "config-drive":
      return ["mkfs.vfat", "mcopy"];
    case "byoi-config-drive":
      return ["mkfs.vfat", "mcopy", "sgdisk", "partprobe"];
    case "write-image":
      return step.imageType === "qcow2" ? ["qemu-img"] : [];
    case "wipe":
      return ["mdadm", "pvs", "vgchange", "swapoff"];
    case "finish":
      return plan.firmware === "uefi" ? ["efibootmgr"] : [];
    default:
      return [];
  }
}

const RAID_MODULE: Record<string, string> = {
  "0": "raid0",
  "1": "raid1",
  "5": "raid456",
  "6": "raid456",
  "10": "raid10",
};

function kernelOf(step: PlanStep): string[] {
  switch (step.kind) {
    case "raid":
      return ["md_mod", RAID_MODULE[String(step.level)] ?? "md_mod"];
    case "lvm":
      return ["dm_mod"];
    case "zpool":
      return ["zfs"];
    case "mount":
      return [step.fileSystem];
    case "attach":
      return ["nbd"];
    case "inspect":
      return ["loop"];
    default:
      return [];
  }
}

export function needsOf(plan: Pick<Plan, "operatingSystem" | "firmware">, steps: readonly PlanStep[]): Needs {
  const tools = new Set(ALWAYS);
  const kernel = new Set<string>();
  for (const step of steps) {
    for (const argv of [
      ...step.commands,
      ...(step.kind === "write-image" && "wipe" in step ? step.wipe.commands : []),
    ]) {
      if (argv[0] !== undefined && !OPTIONAL.has(argv[0])) tools.add(argv[0]);
    }
    for (const t of runTime(step, plan)) tools.add(t);
    for (const k of kernelOf(step)) kernel.add(k);
  }
  const imageInRam = steps.some((s) => s.kind === "download" && s.destination === "ram");
  return {
    tools: [...tools].sort(),
    kernel: [...kernel].sort(),
    uefi: plan.firmware === "uefi",
    imageInRam,
  };
}
