// One byol raw stream onto a target through the real install path, run in a child process by the
// benchmark so that its peak RSS is its own: the byoi_64 plan of a request for the image (its disk
// pointed at the target), handed to install() with its write-image step, which checks the image's
// size and first MiB, wipes the target (wipefs, sgdisk -Z), streams the body with the hash in the
// same pass, and writes the first MiB after the checksum matched. The run's journal, events, state
// and run record go to a temporary run dir.
// Usage: node raw-run.ts URL TARGET TARGET_BYTES SHA512_HEX [CONNECTIONS]
// Prints one JSON line: { ms, bytes, digest, maxRssKiB, exitCode, notes } (notes: the download's split, its undoing).

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startInOneArena, wantsOneArena } from "../../agent/exec/one-arena.ts";
import { install } from "../../agent/install.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import type { Plan } from "../../agent/plan/types.ts";
import { parseInventory } from "../../agent/probe/inventory-file.ts";
import { parseRequest } from "../../agent/request/index.ts";

// as `byol install` does: start again with one malloc arena first (agent/exec/one-arena.ts)
if (wantsOneArena(["install"], process.env, process.platform)) startInOneArena(process.argv.slice(2));
const [url, path, size, expected, connections] = process.argv.slice(2);
if (url === undefined || path === undefined || size === undefined || expected === undefined) {
  throw new Error("usage: raw-run.ts URL TARGET TARGET_BYTES SHA512_HEX");
}
const sizeBytes = Number(size);
const runDir = mkdtempSync(join(tmpdir(), "byol-bench-run-"));
try {
  shimTools(runDir, statSync(path).isBlockDevice());
  const placeholder = "/dev/byol-bench-target";
  const inventory = parseInventory({
    firmware: "uefi",
    memoryBytes: 8 * 1024 ** 3,
    disks: [{ path: placeholder, sizeBytes, logicalSectorSize: 512 }],
  });
  const parsed = parseRequest({
    operatingSystem: "byoi_64",
    customizations: {
      hostname: "bench",
      imageURL: url,
      imageType: "raw",
      imageCheckSum: expected,
      imageCheckSumType: "sha512",
      efiBootloaderPath: "\\efi\\debian\\grubx64.efi",
    },
  });
  if (!parsed.ok) throw new Error(`bench request: ${parsed.problems.join("; ")}`);
  const plan = JSON.parse(JSON.stringify(buildPlan(parsed.request, inventory)).replaceAll(placeholder, path)) as Plan;
  const steps = plan.steps.filter((s) => s.kind === "write-image");
  const lines: string[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const start = performance.now();
  const exitCode = await install({
    request: parsed.request,
    inventory,
    plan: { ...plan, steps },
    json: true,
    noReboot: true,
    bootOrder: "keep",
    ...(connections !== undefined && { download: { connections: Number(connections) } }),
    runDir,
    report: join(runDir, "record.tar"),
    out,
  });
  const ms = performance.now() - start;
  if (exitCode !== 0) throw new Error(`byol install exited ${exitCode}: ${lines.at(-1)}`);
  const wrote = lines
    .map((l) => JSON.parse(l) as { message?: string })
    .find((e) => /^wrote \d+ bytes/.test(e.message ?? ""));
  const bytes = Number(/^wrote (\d+) bytes/.exec(wrote?.message ?? "")?.[1] ?? Number.NaN);
  // install() checked the digest against the request's; the same digest is printed for the bench's own check
  const digest = readFileSync(join(runDir, "events.jsonl"), "utf8").includes("sha512 verified") ? expected : undefined;
  const maxRssKiB = process.resourceUsage().maxRSS;
  // the download's notes: a split into several connections, its undoing
  const notes = lines
    .map((l) => JSON.parse(l) as { message?: string })
    .map((e) => e.message ?? "")
    .filter((m) => /^the link is the limit|^back to one connection/.test(m));
  process.stdout.write(`${JSON.stringify({ ms, bytes, digest, maxRssKiB, exitCode, notes })}\n`);
} finally {
  rmSync(runDir, { recursive: true, force: true });
}

// The host has no udevadm, and lsblk and partprobe cannot handle a plain file: stand-ins that do
// nothing, on this process's PATH only (the install's runner inherits it).
function shimTools(dir: string, blockDevice: boolean): void {
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const scripts: Record<string, string> = blockDevice
    ? { udevadm: "exit 0" }
    : { udevadm: "exit 0", partprobe: "exit 0", lsblk: `echo '{"blockdevices": []}'` };
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  process.env.PATH = `${bin}:${process.env.PATH}`;
}
