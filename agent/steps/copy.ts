// Step "copy": the image's files into the target root with rsync, keeping hard links, ACLs,
// xattrs, sparse files and numeric owners, on one filesystem. First, whether they fit: each target
// filesystem must have room for the part of the image that lands on it.
// A vfat target (the ESP at /boot/efi) cannot hold owners, modes, links or xattrs: its part of the
// image is left out of the main copy and copied after it with times only, symbolic links skipped.

import { existsSync, readFileSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { placement, sizeRefusal, type TargetFs } from "../image/fit.ts";
import { parseProgress2, splitLines } from "../image/rsync-progress.ts";
import { RSYNC, RSYNC_VFAT } from "../plan/image.ts";
import type { CopyStep } from "../plan/types.ts";
import { parseMounts } from "../probe/mounts.ts";

interface Target extends TargetFs {
  fsType: string;
}

export async function run(ctx: RunContext, step: CopyStep): Promise<void> {
  const targets = targetsOf(step.target, readFileSync("/proc/self/mounts", "utf8"));
  await checkFits(ctx, step, targets);
  const vfat = targets.filter((t) => t.fsType === "vfat" && t.path !== "");
  const excludes = vfat.map((t) => `--exclude=/${t.path}/*`);
  await rsync(ctx, step.id, [...RSYNC, ...excludes, `${step.source}/`, `${step.target}/`]);
  for (const t of vfat) {
    if (!existsSync(join(step.source, t.path))) continue;
    const argv = [...RSYNC_VFAT, `${step.source}/${t.path}/`];
    await rsync(ctx, step.id, [...argv, `${join(step.target, t.path)}/`], { okExitCodes: [0, 23] });
  }
}

// The target root and every filesystem mounted below it, with the room left on each.
function targetsOf(root: string, mountsText: string): Target[] {
  const mounts = parseMounts(mountsText).filter((m) => m.target === root || m.target.startsWith(`${root}/`));
  const last = new Map(mounts.map((m) => [m.target, m])); // the top mount of each path
  return [...last.values()].map((m) => ({
    path: relative(root, m.target),
    device: m.source,
    fsType: m.fsType,
    availableBytes: 0,
  }));
}

async function checkFits(ctx: RunContext, step: CopyStep, targets: Target[]): Promise<void> {
  if (!targets.some((t) => t.path === "")) {
    throw new InstallError("copy", step.id, `nothing is mounted on ${step.target}: the disk steps did not run`);
  }
  for (const t of targets) {
    const s = await statfs(join(step.target, t.path));
    t.availableBytes = s.bavail * s.bsize;
  }
  const s = await statfs(step.source);
  const used = (s.blocks - s.bfree) * s.bsize;
  const subtrees = new Map<string, number>();
  for (const t of targets.filter((t) => t.path !== "")) subtrees.set(t.path, await duBytes(ctx, step, t.path));
  const placed = placement(used, targets, subtrees);
  const refusal = sizeRefusal(placed);
  if (refusal !== undefined) throw new InstallError("too-big", step.id, refusal);
  const message = placed.map((p) => `${p.bytes} bytes to ${p.device} (${p.availableBytes} free)`).join(", ");
  ctx.events.emit({ step: step.id, phase: "log", level: "info", message: `copying ${message}` });
}

// Bytes allocated to the image's subtree at `path` (0 when the image has nothing there).
async function duBytes(ctx: RunContext, step: CopyStep, path: string): Promise<number> {
  const r = await ctx.runner.run(["du", "-s", "-x", "-B1", join(step.source, path)], {
    step: step.id,
    okExitCodes: [0, 1],
  });
  return Number(r.stdout.split(/\s/)[0]) || 0;
}

// rsync with its --info=progress2 lines as progress events (at most 4 a second).
async function rsync(ctx: RunContext, step: string, argv: string[], o: { okExitCodes?: number[] } = {}) {
  let rest = "";
  let total: number | null = null;
  let last = 0;
  const onOutput = (stream: "stdout" | "stderr", chunk: string) => {
    if (stream !== "stdout") return;
    const split = splitLines(rest, chunk);
    rest = split.rest;
    for (const line of split.lines) {
      const p = parseProgress2(line);
      if (p === undefined) continue;
      if (p.percent > 0) total = Math.max(p.bytes, Math.round((p.bytes * 100) / p.percent));
      const now = performance.now();
      if (now - last < 250 && p.percent < 100) continue;
      last = now;
      ctx.events.emit({ step, phase: "progress", bytes: p.bytes, total });
    }
  };
  await ctx.runner.run(argv, { step, onOutput, ...o });
}
