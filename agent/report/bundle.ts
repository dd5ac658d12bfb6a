// The run record: one tar holding everything an engineer needs to understand a run, and to
// replay it. Written with tar-stream to a temporary file and renamed into place, so a reader
// never sees half a bundle. Every member is text and passes through the redactor.

import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import type { Plan } from "../plan/types.ts";
import type { Inventory } from "../probe/types.ts";
import type { Redactor } from "../redact.ts";
import type { InstallRequest } from "../request/types.ts";
import { bundleRedaction } from "./redaction.ts";
import { recordedRequest } from "./request-record.ts";
import type { RunSummary } from "./summary.ts";

// Files of the run dir that go into the bundle when they exist.
export const RUN_DIR_FILES = ["events.jsonl", "journal.jsonl", "byol.log", "make_image_bootable.log"] as const;

// A file the install collected (fstab, mdadm.conf, `sgdisk -p` of a disk): a path to read, or its content.
export interface ExtraFile {
  name: string; // member name inside the bundle, e.g. "fstab" or "sgdisk/sda.txt"
  path?: string;
  content?: string;
}

export interface RunRecordInput {
  file: string; // the .tar to write
  runDir: string;
  request: InstallRequest;
  inventory: Inventory;
  plan: Plan;
  summary: RunSummary;
  redactor: Redactor;
  extraFiles?: ExtraFile[];
}

export async function writeRunRecord(opts: RunRecordInput): Promise<void> {
  const redact = bundleRedaction(opts.request, opts.redactor);
  const members: [string, string][] = [
    ["summary.json", json(opts.summary)],
    ["request.json", json(recordedRequest(opts.request))],
    ["inventory.json", json(opts.inventory)],
    ["plan.json", json(opts.plan)],
  ];
  for (const name of RUN_DIR_FILES) {
    const text = await readIfExists(join(opts.runDir, name));
    if (text !== undefined) members.push([name, text]);
  }
  for (const extra of opts.extraFiles ?? []) {
    const text = extra.content ?? (extra.path === undefined ? undefined : await readIfExists(extra.path));
    if (text !== undefined) members.push([memberName(extra.name), text]);
  }

  await mkdir(dirname(opts.file), { recursive: true }).catch((error: Error) => {
    throw new Error(`writing the run record ${opts.file}: ${error.message}`, { cause: error });
  });
  const tmp = `${opts.file}.${process.pid}.tmp`;
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(tmp, { mode: 0o640 }));
  try {
    const mtime = new Date(opts.summary.finishedAt);
    for (const [name, text] of members) {
      const body = Buffer.from(redact(text), "utf8");
      await addEntry(pack, { name: `${opts.summary.runId}/${name}`, size: body.length, mode: 0o644, mtime }, body);
    }
    pack.finalize();
    await written;
    await rename(tmp, opts.file);
  } catch (error) {
    pack.destroy();
    await written.catch(() => {});
    await rm(tmp, { force: true });
    throw new Error(`writing the run record ${opts.file}: ${(error as Error).message}`, { cause: error });
  }
}

function addEntry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, body, (error) => (error ? reject(error) : resolve()));
  });
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

// Relative, without "..": a bundle must never unpack outside its directory.
function memberName(name: string): string {
  const parts = name.split("/").filter((p) => p !== "" && p !== "." && p !== "..");
  if (parts.length === 0) throw new Error(`run record: bad member name ${JSON.stringify(name)}`);
  return parts.join("/");
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
