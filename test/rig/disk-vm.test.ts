import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diskBootArgs, milestones } from "../../scripts/rig/disk-vm.ts";

const spec = {
  firmware: "uefi" as const,
  ovmf: { code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: "/o/machine/OVMF_VARS_4M.fd" },
  memoryMiB: 4096,
  cpus: 2,
  disks: [
    { path: "/o/machine/disk0.raw", format: "raw" as const, serial: "byol-disk-0", logicalBlockSize: 512 as const },
    { path: "/o/machine/disk1.raw", format: "raw" as const, serial: "byol-disk-1", logicalBlockSize: 4096 as const },
  ],
  sshPort: 2222,
  consoleLog: "/o/disk-boot-console.log",
  pidFile: "/o/machine/disk-boot.pid",
};

describe("diskBootArgs", () => {
  it("boots the same disk files, serials and block sizes with the same VARS, and no kernel", () => {
    const args = diskBootArgs(spec);
    const line = args.join(" ");
    assert.ok(!args.includes("-kernel") && !args.includes("-initrd") && !args.includes("-append"));
    assert.ok(!line.includes("bootindex"), "the firmware chooses, from NVRAM or the MBR");
    assert.ok(line.includes("if=pflash,format=raw,unit=1,file=/o/machine/OVMF_VARS_4M.fd"));
    assert.ok(line.includes("-device virtio-blk-pci,drive=d0,serial=byol-disk-0 "));
    assert.ok(
      line.includes(
        "-device virtio-blk-pci,drive=d1,serial=byol-disk-1,logical_block_size=4096,physical_block_size=4096",
      ),
    );
    assert.ok(line.includes("file=/o/machine/disk0.raw,if=none,id=d0,format=raw"));
    assert.ok(line.includes("-accel tcg"));
  });

  it("keeps the network restricted: only ssh from 127.0.0.1, no guest forwards", () => {
    const netdev = diskBootArgs(spec)[diskBootArgs(spec).indexOf("-netdev") + 1];
    assert.equal(netdev, "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22");
  });

  it("has no pflash on BIOS, and refuses UEFI without OVMF and paths with commas", () => {
    assert.ok(
      !diskBootArgs({ ...spec, firmware: "bios" })
        .join(" ")
        .includes("pflash"),
    );
    const { ovmf: _, ...noOvmf } = spec;
    assert.throws(() => diskBootArgs({ ...noOvmf, firmware: "uefi" }), /uefi needs the OVMF/);
    assert.throws(() => diskBootArgs({ ...spec, consoleLog: "/o/a,b.log" }), /comma/);
  });
});

describe("milestones", () => {
  it("picks the firmware's choice, the kernel, cloud-init and the login prompt out of the console", () => {
    const text = [
      '\x1b[2J\x1b[01;01HBdsDxe: loading Boot0004 "byol rig (vda)" from HD(1,GPT,1111,0x800,0x100000)/File(\\EFI\\debian\\grubx64.efi)\r',
      "random noise",
      "[    0.000000] Linux version 6.1.0-40-cloud-amd64 (debian-kernel@lists.debian.org)",
      "[   60.1] cloud-init[400]: Cloud-init v. 22.4.2 running 'init-local' at Sat",
      "rig-raid1 login: ",
    ].join("\n");
    assert.deepEqual(milestones(text), [
      'BdsDxe: loading Boot0004 "byol rig (vda)" from HD(1,GPT,1111,0x800,0x100000)/File(\\EFI\\debian\\grubx64.efi)',
      "[ 0.000000] Linux version 6.1.0-40-cloud-amd64 (debian-kernel@lists.debian.org)",
      "[ 60.1] cloud-init[400]: Cloud-init v. 22.4.2 running 'init-local' at Sat",
      "rig-raid1 login:",
    ]);
  });

  it("cuts GRUB's menu screen down to the entry it boots", () => {
    const grub =
      "\x1b[2J\x1b[1;1H GNU GRUB version 2.06 \x1b[5;3H*Debian GNU/Linux \x1b[20;1HBooting `Debian GNU/Linux'\r\n";
    assert.deepEqual(milestones(grub), ["Booting `Debian GNU/Linux'"]);
  });
});
