// Reads bytes of an image before anything of it is mounted or attached: the file's own first
// bytes (its format header), and ranges of its VIRTUAL disk (partition table, superblock), which
// for qcow2 go through `qemu-img dd` after the header was checked.

import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { RunContext } from "../exec/context.ts";

// Up to `length` bytes from the start of the file.
export async function readHead(file: string, length: number): Promise<Buffer> {
  return readRange(file, 0, length);
}

export async function readRange(file: string, offset: number, length: number): Promise<Buffer> {
  await using handle = await open(file, "r");
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, offset);
  return buf.subarray(0, bytesRead);
}

// `length` bytes of the virtual disk at `offset` (a multiple of 512). `qemu-img dd` counts its
// `count` from the start of the disk in some versions and from `skip` in others: asking for
// skip+n blocks and keeping the first n*512 bytes of the output is right with both.
export async function readVirtual(
  ctx: Pick<RunContext, "runner">,
  step: string,
  image: { file: string; format: "qcow2" | "raw" },
  offset: number,
  length: number,
  scratch: string,
): Promise<Buffer> {
  if (image.format === "raw") return readRange(image.file, offset, length);
  const skip = Math.floor(offset / 512);
  const count = skip + Math.ceil(length / 512);
  const out = join(scratch, `virtual-${offset}`);
  try {
    const argv = ["qemu-img", "dd", "-f", "qcow2", "-O", "raw", "bs=512", `skip=${skip}`, `count=${count}`];
    await ctx.runner.run([...argv, `if=${image.file}`, `of=${out}`], { step });
    return (await readFile(out)).subarray(0, length);
  } finally {
    await rm(out, { force: true });
  }
}
