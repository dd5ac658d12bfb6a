// The checks of an image that read its content or run a command on a copy of part of it (the
// refusals' messages themselves are decided in ./refusals.ts). Used by the inspect and
// byoi-inspect steps and by the streamed write-image, before any disk is touched.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TargetDisk } from "../disk/byoi-table.ts";
import { CommandError, InstallError, PartitionTableError, Qcow2ParseError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { detectFormat } from "./format.ts";
import { type PartitionTable, parsePartitionTable } from "./partitions.ts";
import { parseQcow2Header, type Qcow2Header } from "./qcow2.ts";
import { parseQemuInfo } from "./qemu-info.ts";
import { qcow2Refusal, qemuInfoRefusal, SCRIPT_PATH } from "./refusals.ts";
import type { Inspection } from "./types.ts";

const SCRATCH = "/dev/shm/byol-inspect-";

// Throws the refusal (exit 3) when there is one.
export function refuser(step: string): (message: string | undefined) => void {
  return (message) => {
    if (message !== undefined) throw new InstallError("image", step, message);
  };
}

// The header by byol, then by qemu-img from a copy of the first cluster only (both inspections).
// `qemuImg: false` (byol fetch on a machine without qemu-img): byol's own parse only.
export async function checkQcow2(
  ctx: RunContext,
  step: string,
  head: Buffer,
  scratch: string,
  refuse: (m: string | undefined) => void,
  opts: { qemuImg?: boolean } = {},
): Promise<Qcow2Header> {
  let header: Qcow2Header;
  try {
    header = parseQcow2Header(head);
  } catch (error) {
    if (!(error instanceof Qcow2ParseError)) throw error;
    throw new InstallError("image", step, `image provided is not a valid qcow2 image: ${error.message}`);
  }
  refuse(qcow2Refusal(header));
  if (opts.qemuImg === false) return header;
  const copy = join(scratch, "header.qcow2");
  await writeFile(copy, head.subarray(0, header.clusterSize), { mode: 0o600 });
  try {
    const out = await ctx.runner.run(["qemu-img", "info", "--output=json", "-f", "qcow2", copy], { step });
    refuse(qemuInfoRefusal(parseQemuInfo(out.stdout), header));
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const why = error.stderrTail.trim().split("\n").at(-1) ?? "";
    throw new InstallError("image", step, `image provided is not a valid qcow2 image: qemu-img info: ${why}`, {
      cause: error,
    });
  } finally {
    await rm(copy, { force: true });
  }
  return header;
}

// The partition table in the image's first MiB; refuses an image without one (saying what it
// seems to hold instead), with a damaged one, or with one made for another sector size.
export async function checkTable(
  ctx: Pick<RunContext, "runner">,
  step: string,
  head: Uint8Array,
  disk: Pick<TargetDisk, "path" | "logicalSectorSize"> | undefined, // undefined: byol fetch, no disk here
  format: "qcow2" | "raw" = "raw",
): Promise<PartitionTable & { table: "gpt" | "mbr" }> {
  const refuse = refuser(step);
  let table: PartitionTable;
  try {
    table = parsePartitionTable(head);
  } catch (error) {
    if (!(error instanceof PartitionTableError)) throw error;
    throw new InstallError("image", step, `image provided has a damaged partition table: ${error.message}`);
  }
  if (table.table === "none") {
    const seems = await describeContent(ctx, step, head);
    refuse(
      `image provided format is not of type ${format} because no partition table was found. It seems to contain: ${seems}`,
    );
    throw new Error("unreachable");
  }
  if (disk !== undefined && table.table === "gpt" && table.sectorSize !== disk.logicalSectorSize) {
    refuse(
      `image provided has a GPT made for ${table.sectorSize}-byte sectors, but ${disk.path} has ${disk.logicalSectorSize}-byte sectors`,
    );
  }
  return table;
}

// What blkid finds in a copy of the head (a filesystem, an ISO, LUKS...), or the format's magic, or "data" as file(1) says.
export async function describeContent(
  ctx: Pick<RunContext, "runner">,
  step: string,
  head: Uint8Array,
): Promise<string> {
  await using scratch = await scratchDir();
  const copy = join(scratch.path, "head");
  await writeFile(copy, head, { mode: 0o600 });
  const out = await ctx.runner.run(["blkid", "-p", "-o", "export", copy], { step, okExitCodes: [0, 2] });
  const found = parseBlkidExport(out.stdout);
  if (found.TYPE !== undefined)
    return [found.TYPE, found.USAGE && `(${found.USAGE})`, found.LABEL && `label ${found.LABEL}`]
      .filter(Boolean)
      .join(" ");
  if (found.PTTYPE !== undefined) return `a ${found.PTTYPE} partition table byol cannot read`;
  const format = detectFormat(head);
  return format === "raw" ? "data" : `${format} image`;
}

// `blkid -o export` lines: KEY=value.
export function parseBlkidExport(text: string): Record<string, string | undefined> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

// A private directory in RAM for copies of parts of an image, removed with its contents.
export async function scratchDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await mkdtemp(SCRATCH);
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

// The line the inspect step reports about an image it accepted.
export function describeInspection(i: Inspection): string {
  const mib = (n: number) => `${Math.round(n / 1024 ** 2)} MiB`;
  return `${i.format} image: a ${mib(i.virtualSize)} disk, ${i.table.toUpperCase()} partition ${i.partition.number} at ${mib(i.partition.offset)} (${mib(i.partition.size)}), ${i.fileSystem} with ${mib(i.usedBytes)} used, ${SCRIPT_PATH} executable`;
}
