import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { netdevOption, type QemuSpec, qemuArgs } from "../../../scripts/vm/qemu.ts";
import { guestNames } from "../../../scripts/vm/rescue-vm.ts";

function spec(over: Partial<QemuSpec> = {}): QemuSpec {
  return {
    firmware: "uefi",
    ovmf: { code: "/fw/CODE.fd", vars: "/vm/VARS.fd" },
    memoryMiB: 2048,
    cpus: 2,
    kernel: "/img/vmlinuz",
    initrd: "/img/initrd.img",
    append: "console=ttyS0 root=/dev/vda",
    disks: [
      { path: "/img/rootfs.img", format: "raw", serial: "byol-rescue-root", logicalBlockSize: 512, snapshot: true },
      { path: "/vm/disk0.raw", format: "raw", serial: "byol-4kn-a", logicalBlockSize: 4096 },
    ],
    shares: [{ hostPath: "/repo", tag: "byol" }],
    sshPort: 2222,
    guestForwards: [],
    consoleLog: "/vm/console.log",
    pidFile: "/vm/qemu.pid",
    ...over,
  };
}

function after(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

describe("qemuArgs", () => {
  it("uses TCG, the given memory and CPUs, and no default devices", () => {
    const args = qemuArgs(spec());
    assert.deepEqual(after(args, "-accel"), ["tcg"]);
    assert.deepEqual(after(args, "-m"), ["2048M"]);
    assert.deepEqual(after(args, "-smp"), ["2"]);
    assert.ok(args.includes("-nodefaults") && args.includes("-no-reboot"));
  });

  it("boots the kernel directly with OVMF code read-only and the VM's own vars for uefi", () => {
    const args = qemuArgs(spec());
    assert.deepEqual(after(args, "-drive").slice(0, 2), [
      "if=pflash,format=raw,unit=0,readonly=on,file=/fw/CODE.fd",
      "if=pflash,format=raw,unit=1,file=/vm/VARS.fd",
    ]);
    assert.deepEqual(after(args, "-kernel"), ["/img/vmlinuz"]);
    assert.deepEqual(after(args, "-append"), ["console=ttyS0 root=/dev/vda"]);
  });

  it("has no pflash for bios", () => {
    const args = qemuArgs(spec({ firmware: "bios", ovmf: undefined }));
    assert.ok(!after(args, "-drive").some((d) => d.includes("pflash")));
  });

  it("attaches disks in order, snapshot for the root, 4Kn block sizes and serials", () => {
    const args = qemuArgs(spec({ firmware: "bios", ovmf: undefined }));
    const drives = after(args, "-drive");
    assert.match(drives[0]!, /^file=\/img\/rootfs\.img,.*id=d0,.*snapshot=on$/);
    assert.doesNotMatch(drives[1]!, /snapshot/);
    assert.deepEqual(after(args, "-device").slice(0, 2), [
      "virtio-blk-pci,drive=d0,serial=byol-rescue-root",
      "virtio-blk-pci,drive=d1,serial=byol-4kn-a,logical_block_size=4096,physical_block_size=4096",
    ]);
  });

  it("attaches a USB stick as removable usb-storage on one xhci controller, named sda in the guest", () => {
    const stick = {
      path: "/vm/disk1.raw",
      format: "raw",
      serial: "byol-usb-stick",
      logicalBlockSize: 512,
      bus: "usb",
    } as const;
    const args = qemuArgs(spec({ disks: [...spec().disks, stick] }));
    const devices = after(args, "-device");
    assert.equal(devices.filter((d) => d.startsWith("qemu-xhci")).length, 1);
    assert.ok(
      devices.includes("usb-storage,bus=xhci.0,drive=d2,serial=byol-usb-stick,removable=on"),
      devices.join(" "),
    );
    assert.ok(!qemuArgs(spec()).some((a) => a.startsWith("qemu-xhci")), "no controller without a stick");
    const names = guestNames([
      { ...stick, sizeBytes: 1 },
      { path: "/vm/disk2.raw", format: "raw", serial: "a", logicalBlockSize: 512, sizeBytes: 1 },
    ]);
    assert.deepEqual(
      names.map((d) => d.guestDevice),
      ["/dev/sda", "/dev/vdb"],
    );
  });

  it("exports shares read-only over 9p", () => {
    assert.deepEqual(after(qemuArgs(spec()), "-virtfs"), [
      "local,path=/repo,mount_tag=byol,security_model=none,readonly=on,multidevs=remap",
    ]);
  });

  it("rejects commas in paths, long serials and uefi without OVMF", () => {
    assert.throws(() => qemuArgs(spec({ consoleLog: "/a,b/console.log" })), /comma/);
    const disk = { path: "/d", format: "raw", serial: "x".repeat(21), logicalBlockSize: 512 } as const;
    assert.throws(() => qemuArgs(spec({ disks: [disk] })), /serial/);
    assert.throws(() => qemuArgs(spec({ ovmf: undefined })), /OVMF/);
  });
});

describe("netdevOption", () => {
  it("restricts the network and forwards ssh from 127.0.0.1 only", () => {
    assert.equal(
      netdevOption({ sshPort: 2222, guestForwards: [] }),
      "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22",
    );
  });

  it("hands guest connections to a host port through nc", () => {
    const forward = { guestAddr: "10.0.2.100", guestPort: 80, hostPort: 8080 };
    assert.equal(
      netdevOption({ sshPort: 2222, guestForwards: [forward] }),
      "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22,guestfwd=tcp:10.0.2.100:80-cmd:nc 127.0.0.1 8080",
    );
  });
});
