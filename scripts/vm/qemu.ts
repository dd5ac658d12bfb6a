// The QEMU command line of a rescue VM, built from plain data so it can be tested on the host.

/** A block device of the VM, in the order the guest enumerates them (vda, vdb, ...). */
export interface QemuDisk {
  path: string;
  format: "raw" | "qcow2";
  /** virtio-blk serial, at most 20 bytes; shows as /dev/disk/by-id/virtio-<serial>. */
  serial: string;
  logicalBlockSize: 512 | 4096;
  /** Writes go to a throw-away overlay; the file stays as it was. */
  snapshot?: boolean;
  /** "usb": a removable USB stick (usb-storage on a qemu-xhci controller, /dev/sdX in the guest). Default virtio. */
  bus?: "virtio" | "usb";
}

/** A host directory exported read-only over 9p (virtio). */
export interface QemuShare {
  hostPath: string;
  tag: string;
}

/** A guest TCP address whose connections QEMU hands to a host port on 127.0.0.1 (`guestfwd`). */
export interface GuestForward {
  guestAddr: string;
  guestPort: number;
  hostPort: number;
}

export interface QemuSpec {
  firmware: "uefi" | "bios";
  /** OVMF code (read-only) and this VM's own copy of the variable store; required for uefi. */
  ovmf?: { code: string; vars: string };
  memoryMiB: number;
  cpus: number;
  kernel: string;
  initrd: string;
  append: string;
  disks: readonly QemuDisk[];
  shares: readonly QemuShare[];
  sshPort: number;
  guestForwards: readonly GuestForward[];
  consoleLog: string;
  pidFile: string;
}

// Rejects values that QEMU would misparse (commas split its options) or the guest would truncate.
export function checkSpec(spec: QemuSpec): void {
  const paths = [spec.kernel, spec.initrd, spec.consoleLog, spec.pidFile, ...spec.disks.map((d) => d.path)];
  for (const p of [...paths, ...spec.shares.map((s) => s.hostPath)]) {
    if (p.includes(",")) throw new Error(`qemu: path must not contain a comma: ${p}`);
  }
  for (const d of spec.disks) {
    if (!/^[A-Za-z0-9_.-]{1,20}$/.test(d.serial)) {
      throw new Error(`qemu: disk serial must be 1-20 characters [A-Za-z0-9_.-], got ${JSON.stringify(d.serial)}`);
    }
  }
  for (const s of spec.shares) {
    if (!/^[A-Za-z0-9_-]{1,31}$/.test(s.tag)) throw new Error(`qemu: bad 9p tag ${JSON.stringify(s.tag)}`);
  }
  if (spec.firmware === "uefi" && !spec.ovmf) throw new Error("qemu: uefi needs the OVMF code and vars files");
}

// The user-mode network: no route out (restrict=on), ssh from 127.0.0.1, and explicit guest forwards.
export function netdevOption(spec: Pick<QemuSpec, "sshPort" | "guestForwards">): string {
  const parts = ["user", "id=n0", "restrict=on", `hostfwd=tcp:127.0.0.1:${spec.sshPort}-:22`];
  for (const f of spec.guestForwards) {
    parts.push(`guestfwd=tcp:${f.guestAddr}:${f.guestPort}-cmd:nc 127.0.0.1 ${f.hostPort}`);
  }
  return parts.join(",");
}

export function qemuArgs(spec: QemuSpec): string[] {
  checkSpec(spec);
  const args = ["-accel", "tcg", "-machine", "q35", "-cpu", "max", "-smp", String(spec.cpus)];
  args.push("-m", `${spec.memoryMiB}M`, "-nodefaults", "-display", "none", "-no-reboot", "-rtc", "base=utc");
  args.push("-chardev", `file,id=con0,path=${spec.consoleLog}`, "-serial", "chardev:con0", "-monitor", "none");
  args.push("-pidfile", spec.pidFile);
  if (spec.firmware === "uefi" && spec.ovmf) {
    args.push("-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${spec.ovmf.code}`);
    args.push("-drive", `if=pflash,format=raw,unit=1,file=${spec.ovmf.vars}`);
  }
  args.push("-kernel", spec.kernel, "-initrd", spec.initrd, "-append", spec.append);
  if (spec.disks.some((d) => d.bus === "usb")) args.push("-device", "qemu-xhci,id=xhci");
  spec.disks.forEach((d, i) => {
    const snapshot = d.snapshot ? ",snapshot=on" : "";
    args.push("-drive", `file=${d.path},if=none,id=d${i},format=${d.format},cache=unsafe,discard=unmap${snapshot}`);
    const blocks = d.logicalBlockSize === 4096 ? ",logical_block_size=4096,physical_block_size=4096" : "";
    if (d.bus === "usb") args.push("-device", `usb-storage,bus=xhci.0,drive=d${i},serial=${d.serial},removable=on`);
    else args.push("-device", `virtio-blk-pci,drive=d${i},serial=${d.serial}${blocks}`);
  });
  for (const s of spec.shares) {
    args.push("-virtfs", `local,path=${s.hostPath},mount_tag=${s.tag},security_model=none,readonly=on,multidevs=remap`);
  }
  args.push("-netdev", netdevOption(spec), "-device", "virtio-net-pci,netdev=n0");
  args.push("-device", "virtio-rng-pci");
  return args;
}
