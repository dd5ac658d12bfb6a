// Smoke test of the rescue system itself, run inside the VM by npm run test:vm: the disks, firmware,
// kernel modules and tools the disk steps rely on are there, and partitions show up as device nodes.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";

interface VmDisk {
  serial: string;
  guestDevice: string;
  sizeBytes: number;
  logicalBlockSize: number;
}

const disks: VmDisk[] = JSON.parse(process.env["BYOL_VM_DISKS"] ?? "[]");
const firmware = process.env["BYOL_VM_FIRMWARE"] ?? "uefi";

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("rescue system", { skip: process.env["BYOL_VM"] ? false : "only inside the rescue VM" }, () => {
  it("sees every target disk with its size and logical sector size", () => {
    assert.ok(disks.length > 0, "BYOL_VM_DISKS lists the target disks");
    const lsblk = JSON.parse(run("lsblk", ["-J", "-b", "-d", "-o", "NAME,SIZE,LOG-SEC,SERIAL,TYPE"])) as {
      blockdevices: { name: string; size: number; "log-sec": number; serial: string | null; type: string }[];
    };
    for (const d of disks) {
      const dev = lsblk.blockdevices.find((b) => `/dev/${b.name}` === d.guestDevice);
      assert.ok(dev, `${d.guestDevice} (${d.serial}) is in lsblk`);
      assert.equal(dev.size, d.sizeBytes, `${d.guestDevice} size`);
      assert.equal(dev["log-sec"], d.logicalBlockSize, `${d.guestDevice} logical sector size`);
      assert.equal(dev.serial, d.serial, `${d.guestDevice} serial`);
    }
  });

  it("booted with the firmware the machine asked for", () => {
    assert.equal(existsSync("/sys/firmware/efi"), firmware === "uefi");
  });

  it("loads the md, raid, nbd, vfat and device-mapper modules", () => {
    for (const m of ["md_mod", "raid1", "raid456", "raid10", "nbd", "vfat", "dm_mod"]) {
      const r = spawnSync("modprobe", [m], { encoding: "utf8" });
      assert.equal(r.status, 0, `modprobe ${m}: ${r.stderr}`);
    }
    assert.ok(existsSync("/proc/mdstat"), "/proc/mdstat exists");
    assert.ok(existsSync("/dev/nbd0"), "/dev/nbd0 exists");
  });

  it("has the tools the disk steps run", () => {
    const tools = ["mdadm", "sgdisk", "partprobe", "wipefs", "mkfs.vfat", "mcopy", "mkfs.ext4", "mkfs.xfs"];
    tools.push("mkfs.btrfs", "qemu-img", "qemu-nbd", "efibootmgr", "cloud-init", "lvm", "rsync", "node");
    const missing = tools.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
    assert.deepEqual(missing, []);
  });

  it("runs Node 24", () => {
    assert.match(process.version, /^v24\./);
  });

  it("shows a new GPT partition as a device node, and removes it again", () => {
    const disk = disks.find((d) => d.serial.includes("spare")) ?? disks.at(-1);
    assert.ok(disk);
    const dev = disk.guestDevice;
    const part = `${dev}1`;
    try {
      run("sgdisk", ["-n", "1:0:+64M", "-t", "1:8300", "-c", "1:byol-smoke", dev]);
      run("partprobe", [dev]);
      run("udevadm", ["settle"]);
      assert.ok(existsSync(part), `${part} exists after partprobe`);
      const byLabel = "/dev/disk/by-partlabel/byol-smoke";
      assert.ok(existsSync(byLabel), `${byLabel} exists (udev ran)`);
    } finally {
      run("sgdisk", ["--zap-all", dev]);
      run("wipefs", ["-a", dev]);
      run("partprobe", [dev]);
      run("udevadm", ["settle"]);
    }
    assert.ok(!existsSync(part), `${part} is gone after the wipe`);
  });
});
