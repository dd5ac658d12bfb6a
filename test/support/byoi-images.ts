// Host set-up for the BYOI tests: a sparse file stands in for the disk, and small images are made
// with sgdisk, mkfs.vfat --offset and mtools (GPT) or by hand (MBR). The tests run them through
// the real install() (agent/install.ts).

import { execFileSync } from "node:child_process";
import { chmodSync, closeSync, ftruncateSync, mkdirSync, openSync, readSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

export const MiB = 1024 * 1024;

// udevadm and partprobe are not on the host, and lsblk cannot list a plain file: for this test
// process the wipe step's `udevadm settle` is a no-op and lsblk sees nothing holding the "disk".
export function shimTools(dir: string): void {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const scripts: Record<string, string> = {
    udevadm: "exit 0",
    partprobe: "exit 0",
    lsblk: `echo '{"blockdevices": []}'`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  if (!process.env.PATH?.startsWith(bin)) process.env.PATH = `${bin}:${process.env.PATH}`;
}

// A sparse file of `size` bytes, optionally filled with `byte` (so "untouched" can be checked).
export function sparseDisk(path: string, size: number, byte?: number): void {
  const fd = openSync(path, "w");
  try {
    ftruncateSync(fd, size);
    if (byte !== undefined) {
      const chunk = Buffer.alloc(MiB, byte);
      for (let at = 0; at < size; at += MiB) writeSync(fd, chunk, 0, Math.min(MiB, size - at), at);
    }
  } finally {
    closeSync(fd);
  }
}

export function readBytes(path: string, position: number, length: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(length);
    const n = readSync(fd, b, 0, length, position);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export function isGpt(path: string, sectorSize = 512): boolean {
  return readBytes(path, sectorSize, 8).toString("latin1") === "EFI PART";
}

export function allZero(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

export interface GptImageSpec {
  sizeMiB: number;
  espMiB?: number; // default 16; 0: no ESP
  files?: string[]; // on the ESP, e.g. "EFI/debian/grubx64.efi"
  fill?: boolean; // random bytes in the root partition, so the image is not all zeros
}

// A GPT image: p1 ESP (vfat with `files`), p2 Linux to the end.
export function gptImage(path: string, spec: GptImageSpec): void {
  sparseDisk(path, spec.sizeMiB * MiB);
  const esp = spec.espMiB ?? 16;
  const args = esp > 0 ? ["-n", `1:2048:+${esp}M`, "-t", "1:ef00", "-n", "2:0:0", "-t", "2:8300"] : ["-n", "1:2048:0"];
  execFileSync("sgdisk", [...args, path], { stdio: "ignore" });
  if (esp > 0) {
    execFileSync("mkfs.vfat", ["-I", "-n", "ESP", "--offset", "2048", path, String(esp * 1024)], { stdio: "ignore" });
    for (const file of spec.files ?? []) {
      const parts = file.split("/");
      for (let i = 1; i < parts.length; i++) {
        mtools(["mmd", "-D", "s", "-i", `${path}@@${MiB}`, `::/${parts.slice(0, i).join("/")}`], true);
      }
      const local = join(path, "..", `loader-${parts.at(-1)}`);
      writeFileSync(local, `loader ${file}\n`);
      mtools(["mcopy", "-o", "-i", `${path}@@${MiB}`, local, `::/${file}`]);
    }
  }
  if (spec.fill) {
    const fd = openSync(path, "r+");
    const start = (2048 + esp * 2048) * 512;
    for (let at = start; at < spec.sizeMiB * MiB - 64 * 1024; at += 4 * MiB)
      writeSync(fd, Buffer.alloc(4096, at & 0xff), 0, 4096, at);
    closeSync(fd);
  }
}

// An MBR image with `used` primary partitions of 8 MiB each from 1 MiB (the first one type 0xEF).
export function mbrImage(path: string, sizeMiB: number, used: number): void {
  sparseDisk(path, sizeMiB * MiB);
  const mbr = Buffer.alloc(512);
  for (let i = 0; i < used; i++) {
    const e = 446 + 16 * i;
    mbr[e + 4] = i === 0 ? 0xef : 0x83;
    mbr.writeUInt32LE(2048 + i * 16384, e + 8);
    mbr.writeUInt32LE(16384, e + 12);
  }
  mbr.writeUInt32LE(0x12345678, 440);
  mbr.writeUInt16LE(0xaa55, 510);
  const fd = openSync(path, "r+");
  writeSync(fd, mbr, 0, 512, 0);
  closeSync(fd);
}

function mtools(argv: string[], ignoreErrors = false): void {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: "ignore", env: { ...process.env, MTOOLS_SKIP_CHECK: "1" } });
  } catch (error) {
    if (!ignoreErrors) throw error;
  }
}
