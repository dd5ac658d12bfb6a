// BYOI on the host, end to end through the steps as the interpreter runs them: the real plan,
// a real download from an in-process HTTP server, a sparse file as the disk (the inventory names
// it), and the real commands (wipefs, sgdisk, qemu-img, mkfs.vfat, mtools). Exit codes follow
// install.ts's rule: 3 before any disk write, 4 after (tables reset).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { findLoader } from "../../agent/efi/byoi-loader.ts";
import { eventSchema } from "../../agent/exec/event-schema.ts";
import type { JournalEntry, StepEvent } from "../../agent/exec/types.ts";
import { install as install_ } from "../../agent/install.ts";
import { IMAGE_PATH } from "../../agent/plan/image.ts";
import { buildPlan, type PlanOptions } from "../../agent/plan/index.ts";
import type { ByoiBootEntriesStep, Plan, PlanStep } from "../../agent/plan/types.ts";
import { parseInventory } from "../../agent/probe/inventory-file.ts";
import { parseRequest } from "../../agent/request/index.ts";
import { allZero, gptImage, isGpt, MiB, mbrImage, readBytes, shimTools, sparseDisk } from "../support/byoi-images.ts";
import { type Served, send, serve } from "../support/image-server.ts";
import { testRun } from "../support/run.ts";

const PART = 4 * MiB; // the download's parts at 8 connections: 32 MiB / 8

// the inventory's disk (the probe accepts /dev paths only); the plan's steps then name the file instead
const FAKE_DISK = "/dev/byol-test-nonexistent-byoi";
const dir = mkdtempSync(join(tmpdir(), "byol-byoi-")); // /tmp: qemu-img -t none needs O_DIRECT
const images = new Map<string, Buffer>();
let server: Served;
let release: () => void = () => {};
let paused: Promise<void> = Promise.resolve();
let reachedPause: () => void = () => {};

before(async () => {
  shimTools(dir);
  const make = (name: string, build: (path: string) => void) => {
    const path = join(dir, `${name}.img`);
    build(path);
    images.set(name, readFileSync(path));
    return path;
  };
  make("gpt", (p) =>
    gptImage(p, { sizeMiB: 24, files: ["EFI/debian/grubx64.efi", "EFI/BOOT/BOOTX64.EFI"], fill: true }),
  );
  make("noloader", (p) => gptImage(p, { sizeMiB: 24, files: ["EFI/BOOT/BOOTX64.EFI", "EFI/ubuntu/shimx64.efi"] }));
  make("mbr", (p) => mbrImage(p, 40, 2));
  make("mbr-full", (p) => mbrImage(p, 80, 4));
  make("ext4", (p) => {
    sparseDisk(p, 8 * MiB);
    execFileSync("mkfs.ext4", ["-q", "-F", p], { stdio: "ignore" });
  });
  const gptPath = join(dir, "gpt.img");
  execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", gptPath, join(dir, "gpt.qcow2")]);
  images.set("gpt.qcow2", readFileSync(join(dir, "gpt.qcow2")));

  server = await serve((req, res) => {
    const [name = "", mode = ""] = (req.url ?? "").slice(1).split("?");
    const data = images.get(name);
    if (data === undefined) return void res.writeHead(404).end();
    if (mode === "ranges" || mode === "ranges-403") {
      // ranges and an ETag (so several connections); the first response's body comes late, so
      // the later parts arrive first; with -403 the second part is refused
      if (mode === "ranges-403" && req.headers.range?.startsWith(`bytes=${PART}-`))
        return void res.writeHead(403).end();
      if (req.headers.range !== undefined) return send(data, req, res, { etag: '"byoi"' });
      res.writeHead(200, { "content-length": data.length, "accept-ranges": "bytes", etag: '"byoi"' });
      setTimeout(() => res.end(data), 400);
    } else if (mode === "nolength") {
      res.writeHead(200);
      res.end(data);
    } else if (mode === "pause") {
      res.writeHead(200, { "content-length": data.length });
      res.write(data.subarray(0, 12 * MiB), () => {
        reachedPause();
        void paused.then(() => res.end(data.subarray(12 * MiB)));
      });
    } else {
      res.writeHead(200, { "content-length": data.length });
      res.end(data);
    }
  });
});

after(async () => {
  release();
  await server[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
});

function sha512(data: Buffer): string {
  return createHash("sha512").update(data).digest("hex");
}

interface Case {
  name: string; // image name (and ?mode)
  type?: "raw" | "qcow2";
  diskMiB?: number;
  checksum?: string; // default the image's sha512
  firmware?: "uefi" | "bios";
  loader?: string;
  plan?: PlanOptions;
  only?: PlanStep["kind"][]; // run only these steps (boot-entries needs efivars)
  disk?: string; // where the disk file goes; default a new run directory
  fill?: number; // the disk's bytes before the install; default 0x5a
}

// The real `byol install` (agent/install.ts's install()) of the plan, its disk and image paths
// pointed at files here, in a run dir of its own; --no-reboot, --json.
async function install(c: Case) {
  const image = images.get(c.name.split("?")[0] ?? "")!;
  const disk = c.disk ?? join(mkdtempSync(join(dir, "run-")), "disk.raw");
  sparseDisk(disk, (c.diskMiB ?? 64) * MiB, c.fill ?? 0x5a);
  const inventory = parseInventory({
    firmware: c.firmware ?? "uefi",
    memoryBytes: 8 * 1024 ** 3,
    disks: [{ path: FAKE_DISK, sizeBytes: (c.diskMiB ?? 64) * MiB, logicalSectorSize: 512 }],
  });
  const parsed = parseRequest({
    operatingSystem: "byoi_64",
    customizations: {
      hostname: "byoi-host",
      imageURL: `${server.url}/${c.name}`,
      imageType: c.type ?? "raw",
      imageCheckSum: c.checksum ?? sha512(image),
      imageCheckSumType: "sha512",
      sshKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBYOItestkey byoi@test",
      efiBootloaderPath: c.loader ?? "\\efi\\debian\\grubx64.efi",
      configDriveUserData: "#cloud-config\nruncmd: [echo byoi]\n",
    },
  });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  const file = join(disk, "..", "image");
  const planned = JSON.parse(
    JSON.stringify(buildPlan(parsed.request, inventory, c.plan))
      .replaceAll(IMAGE_PATH, file)
      .replaceAll(FAKE_DISK, disk),
  ) as Plan;
  const steps = planned.steps.filter((s) => c.only === undefined || c.only.includes(s.kind));
  const runDir = mkdtempSync(join(dir, "state-"));
  const lines: string[] = [];
  const out = { write: (chunk: string) => lines.push(...chunk.split("\n").filter((l) => l !== "")) > 0 };
  const code = await install_({
    request: parsed.request,
    inventory,
    plan: { ...planned, steps },
    json: true,
    noReboot: true,
    bootOrder: "keep",
    runDir,
    report: join(runDir, "record.tar"),
    out: out as unknown as NodeJS.WritableStream,
    download: { splitAfterMs: 0 }, // several connections at once (?ranges), not after judging the first
  });
  // every line as schemas/events.schema.json documents it
  const events = lines.map((l) => eventSchema.parse(JSON.parse(l)) as StepEvent);
  const result = JSON.parse(lines.at(-1) ?? "{}") as {
    phase: string;
    exitCode: number;
    error?: { code: string; message: string };
  };
  assert.equal(result.phase, "result");
  assert.equal(result.exitCode, code);
  const journalFile = join(runDir, "journal.jsonl");
  const journal = (existsSync(journalFile) ? readFileSync(journalFile, "utf8") : "")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as JournalEntry);
  const programs = journal.map((e) => e.argv[0]);
  const error = { message: result.error?.message ?? "", code: result.error?.code };
  return { code, disk, image, events, journal, error, programs, steps, runDir };
}

function sgdiskPrint(disk: string): string {
  return execFileSync("sgdisk", ["-p", disk], { encoding: "utf8" });
}

function mtype(disk: string, offset: number, path: string): string {
  return execFileSync("mtype", ["-i", `${disk}@@${offset}`, path], {
    encoding: "utf8",
    env: { ...process.env, MTOOLS_SKIP_CHECK: "1" },
  });
}

describe("byoi_64 on a file standing in for the disk", () => {
  it("raw, streamed: verified, backup GPT moved, config drive at the very end", async () => {
    const r = await install({
      name: "gpt",
      diskMiB: 96,
      only: ["write-image", "move-backup-gpt", "byoi-config-drive"],
    });
    assert.equal(r.code, 0, r.error.message);
    const disk = readFileSync(r.disk);
    // the boot code and everything after the primary GPT (34 sectors) as in the image; sgdisk -e
    // and the new entry changed the protective MBR's size, the GPT headers and the entry array
    assert.deepEqual(disk.subarray(0, 440), r.image.subarray(0, 440));
    assert.deepEqual(disk.subarray(34 * 512, MiB), r.image.subarray(34 * 512, MiB));
    // the image's own partitions are intact (sgdisk -e rewrote only the GPT structures)
    assert.deepEqual(disk.subarray(MiB, 24 * MiB - 64 * 1024), r.image.subarray(MiB, 24 * MiB - 64 * 1024));
    const table = sgdiskPrint(r.disk);
    // 96 MiB disk, 512-byte sectors: the backup GPT takes the last 33 sectors, so the last usable
    // sector is 196574, and the config drive starts on the last MiB boundary that leaves 64 MiB
    assert.match(table, /^\s+3\s+63488\s+196574\s.*0700\s+config-2$/m);
    const start = 63488;
    const meta = JSON.parse(mtype(r.disk, start * 512, "::/openstack/latest/meta_data.json"));
    assert.equal(meta.hostname, "byoi-host");
    assert.match(JSON.stringify(meta.public_keys), /byoi@test/);
    assert.equal(mtype(r.disk, start * 512, "::/openstack/latest/user_data"), "#cloud-config\nruncmd: [echo byoi]\n");
    execFileSync("sgdisk", ["-v", r.disk]); // no problems found
    assert.deepEqual(r.programs.slice(0, 2), ["lsblk", "wipefs"]); // the wipe ran inside the write
  });

  it("the first MiB stays zero on the disk while the rest of the body is being written", async () => {
    let go: () => void = () => {};
    paused = new Promise((resolve) => {
      go = resolve;
    });
    release = go;
    const reached = new Promise<void>((resolve) => {
      reachedPause = resolve;
    });
    const disk = join(mkdtempSync(join(dir, "run-")), "disk.raw");
    const pending = install({ name: "gpt?pause", only: ["write-image"], disk, fill: 0 });
    await reached;
    // 12 MiB of the body are in: the wipe has run and the batches past the first MiB are being
    // written (the ESP's boot sector at 1 MiB is there), but the first MiB is still held back
    const image = images.get("gpt")!;
    let written = false;
    for (let i = 0; i < 200 && !written; i++) {
      written = readBytes(disk, MiB, 512).equals(image.subarray(MiB, MiB + 512));
      if (!written) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(written, "bytes past the first MiB were written before the body ended");
    assert.ok(allZero(readBytes(disk, 0, MiB)), "the first MiB is still zero");
    assert.ok(!isGpt(disk));
    go();
    const r = await pending;
    assert.equal(r.code, 0, r.error.message);
    assert.ok(isGpt(r.disk));
  });

  it("raw, streamed over several connections, the later parts first: verified, written in order", async () => {
    const r = await install({ name: "gpt?ranges", diskMiB: 96, only: ["write-image"] });
    assert.equal(r.code, 0, r.error.message);
    assert.deepEqual(readBytes(r.disk, 0, 24 * MiB), r.image);
    const ranges = server.seen.filter((q) => q.path === "/gpt?ranges" && q.headers.range !== undefined);
    const parts = Array.from({ length: 24 / 4 - 1 }, (_, k) => `bytes=${(k + 1) * PART}-${(k + 2) * PART - 1}`);
    assert.deepEqual(ranges.map((q) => q.headers.range).sort(), parts.sort(), "4 MiB parts (32 MiB / 8 connections)");
    const log = r.events.filter((e) => e.phase === "log").map((e) => (e.phase === "log" ? e.message : ""));
    assert.ok(
      log.some((m) => /^wrote \d+ bytes .*sha512 verified/.test(m)),
      log.join("\n"),
    );
  });

  it("a part refused (403) before any byte was written: exit 3, the disk untouched", async () => {
    const r = await install({ name: "gpt?ranges-403", only: ["write-image"] });
    assert.equal(r.code, 3, r.error.message);
    assert.equal(r.error.message, `Could not download image: HTTP 403 for bytes ${PART}-${2 * PART - 1}`);
    assert.ok(
      readFileSync(r.disk).every((b) => b === 0x5a),
      "untouched",
    );
    assert.ok(!r.programs.includes("wipefs"));
  });

  it("a checksum mismatch: exit 4, and the disk's first MiB is no GPT", async () => {
    const r = await install({ name: "gpt", checksum: "0".repeat(128) });
    assert.equal(r.code, 4);
    assert.match(r.error.message, /^Bad sha512 for downloaded file, got: [0-9a-f]{128} while expecting 0{128}\.$/);
    assert.ok(allZero(readBytes(r.disk, 0, MiB)));
    assert.ok(!isGpt(r.disk));
    assert.ok(allZero(readBytes(r.disk, 63 * MiB, MiB)), "the disk's last MiB is zeroed");
    assert.ok(allZero(readBytes(r.disk, 23 * MiB, MiB)), "the image's backup GPT is zeroed");
    assert.ok(r.programs.includes("sgdisk"));
  });

  it("too big from Content-Length: exit 3, the disk untouched", async () => {
    const r = await install({ name: "gpt", diskMiB: 16 });
    assert.equal(r.code, 3);
    assert.equal(
      r.error.message,
      `image provided has a size of ${24 * MiB} bytes which is larger than ${r.disk} of ${16 * MiB} bytes`,
    );
    assert.ok(
      readFileSync(r.disk).every((b) => b === 0x5a),
      "untouched",
    );
    assert.ok(!r.programs.includes("wipefs"));
  });

  it("too big without Content-Length: caught while streaming, exit 4 after the wipe", async () => {
    const r = await install({ name: "gpt?nolength", diskMiB: 16 });
    assert.equal(r.code, 4);
    assert.equal(
      r.error.message,
      `image provided has a size of more than ${16 * MiB} bytes which is larger than ${r.disk} of ${16 * MiB} bytes`,
    );
    assert.ok(!isGpt(r.disk));
  });

  it("no partition table: exit 3 with what blkid sees, the disk untouched", async () => {
    const r = await install({ name: "ext4" });
    assert.equal(r.code, 3);
    assert.match(
      r.error.message,
      /^image provided format is not of type raw because no partition table was found\. It seems to contain: ext4 \(filesystem\)/,
    );
    assert.ok(
      readFileSync(r.disk).every((b) => b === 0x5a),
      "untouched",
    );
    assert.ok(!r.programs.includes("wipefs"));
  });

  it("qcow2: to RAM, inspected, converted with qemu-img, backup GPT moved, config drive appended", async () => {
    const r = await install({
      name: "gpt.qcow2",
      type: "qcow2",
      diskMiB: 96,
      only: ["download", "byoi-inspect", "wipe", "write-image", "move-backup-gpt", "byoi-config-drive"],
    });
    assert.equal(r.code, 0, r.error.message);
    const raw = images.get("gpt")!;
    const disk = readFileSync(r.disk);
    assert.deepEqual(disk.subarray(MiB, 24 * MiB - 64 * 1024), raw.subarray(MiB, 24 * MiB - 64 * 1024));
    assert.match(sgdiskPrint(r.disk), /^\s+3\s+63488\s+196574\s.*config-2$/m);
    assert.ok(r.programs.includes("qemu-img"));
    const progress = r.events.filter((e) => e.step === "write-image" && e.phase === "progress");
    assert.ok(progress.length > 0, "qemu-img -p became progress events");
  });

  it("raw with --image-staging ram: downloaded, inspected, then written first MiB last", async () => {
    const r = await install({
      name: "gpt",
      plan: { imageStaging: "ram" },
      only: ["download", "byoi-inspect", "wipe", "write-image"],
    });
    assert.equal(r.code, 0, r.error.message);
    assert.deepEqual(readBytes(r.disk, 0, 24 * MiB), r.image);
  });

  it("MBR: no backup GPT to move, the config drive in a free primary slot at the end", async () => {
    const r = await install({
      name: "mbr",
      diskMiB: 128,
      only: ["write-image", "move-backup-gpt", "byoi-config-drive"],
    });
    assert.equal(r.code, 0, r.error.message);
    const mbr = readBytes(r.disk, 0, 512);
    const e = 446 + 16 * 2;
    assert.equal(mbr[e + 4], 0x0c);
    const start = mbr.readUInt32LE(e + 8);
    const sectors = mbr.readUInt32LE(e + 12);
    assert.equal(start + sectors, 128 * 2048, "ends on the disk's last sector");
    assert.ok(mtype(r.disk, start * 512, "::/openstack/latest/meta_data.json").includes("byoi-host"));
    assert.ok(!r.journal.some((e) => e.argv[0] === "sgdisk" && e.argv[1] === "-e"));
  });

  it("MBR with four primaries: Could not create configdrive on disk, exit 4", async () => {
    const r = await install({
      name: "mbr-full",
      diskMiB: 256,
      only: ["write-image", "move-backup-gpt", "byoi-config-drive"],
    });
    assert.equal(r.code, 4);
    assert.match(r.error.message, /^Could not create configdrive on disk\. \(no free primary partition slot/);
  });

  it("efiBootloaderPath on the ESP is found whatever its case, and names the ESP's device", async () => {
    const r = await install({ name: "gpt", only: ["write-image"] });
    assert.equal(r.code, 0, r.error.message);
    const boot = r.steps.find((s) => s.kind === "write-image")!;
    for (const loaderPath of ["\\efi\\debian\\grubx64.efi", "\\EFI\\DEBIAN\\GRUBX64.EFI"]) {
      const step: ByoiBootEntriesStep = {
        kind: "byoi-boot-entries",
        id: "boot-entries",
        title: "",
        commands: [],
        loaderPath,
      };
      assert.equal(await findLoader(testRun().ctx, step, r.disk), `${r.disk}1`, boot.id);
    }
  });

  it("efiBootloaderPath not on the ESP: the message lists the .efi files found", async () => {
    const r = await install({ name: "noloader", only: ["write-image", "byoi-boot-entries"] });
    assert.equal(r.code, 4);
    assert.equal(
      r.error.message,
      `efiBootloaderPath \\efi\\debian\\grubx64.efi was not found on the EFI system partition ${r.disk}1; .efi files found there: \\EFI\\BOOT\\BOOTX64.EFI \\EFI\\ubuntu\\shimx64.efi`,
    );
  });
});
