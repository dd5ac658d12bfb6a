// byol cleanup: release what a failed or killed run left behind, in the order they stack
// (mounts, nbd, loop, the image's FUSE export and its files in RAM, ZFS pools, LVM, md), then reset
// the target disks' tables if the run wrote them and did not finish. Idempotent: a second cleanup
// finds nothing and changes nothing.

import { existsSync, readFileSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { UDEV_QUEUE } from "./disk/release-holders.ts";
import { resetPartitionTables } from "./disk/reset-tables.ts";
import { CommandError } from "./errors.ts";
import { isAlive } from "./exec/alive.ts";
import type { RunContext } from "./exec/context.ts";
import * as left from "./exec/leftovers.ts";
import { retry } from "./exec/retry.ts";
import { acquireRunLock } from "./exec/run-lock.ts";
import { defaultRunDir, readRunState, type SavedRunState, writeRunState } from "./exec/state.ts";
import { IMAGE_PATH } from "./plan/image.ts";
import { parseMdstat } from "./probe/mdstat.ts";
import { parseMounts } from "./probe/mounts.ts";

export { resetPartitionTables } from "./disk/reset-tables.ts";

export type CleanupContext = Pick<RunContext, "runner" | "log" | "events">;

export interface CleanupOptions {
  runDir?: string; // where current.json is; default /run/byol or $BYOL_RUN_DIR
  // for tests: where the kernel's views are read from
  mountsFile?: string;
  mdstatFile?: string;
  sysBlock?: string;
  mountRoots?: readonly string[];
  zfsModule?: string; // /sys/module/zfs: without the module loaded no pool can be imported
  shmDir?: string; // /dev/shm: the inspection's and the config drive's scratch directories
  imagePath?: string; // /dev/shm/byol/image: the downloaded image
  proc?: string; // /proc: which process serves an nbd device or a FUSE export
}

const STEP = "cleanup";
const UDEV_RELEASE = "udev's stopped event queue"; // what cleanup reports, released or not
const RUN = { step: STEP, ignoreAbort: true, timeoutMs: 60_000 } as const;

export async function cleanup(
  ctx: CleanupContext,
  opts: CleanupOptions = {},
): Promise<{ released: string[]; problems: string[] }> {
  const dir = opts.runDir ?? defaultRunDir();
  const released: string[] = [];
  const problems: string[] = [];
  const failed: string[] = [];
  let state: SavedRunState | undefined;
  try {
    state = readRunState(dir);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (state !== undefined && state.finished === undefined && state.pid !== process.pid && isAlive(state.pid)) {
    return { released, problems: [`run ${state.runId} (pid ${state.pid}) is still running; stop it first`] };
  }
  let lock: Disposable;
  try {
    lock = acquireRunLock(dir, "cleanup");
  } catch (error) {
    return { released, problems: [`${(error as Error).message}; stop it first`] };
  }
  using _lock = lock;
  ctx.events.emit({ step: STEP, phase: "start", title: "Releasing what the last run left behind" });
  const started = Date.now();
  // One release: run it, record the outcome, never throw.
  const release = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      released.push(what);
    } catch (error) {
      failed.push(what);
      problems.push(`releasing ${what}: ${(error as Error).message}`);
    }
  };
  const disks = state?.targetDisks ?? [];
  // A run killed while it had udev's queue stopped (releasing arrays) leaves every later event
  // queued: settle never returns and LVM waits forever for its udev cookies. Started first, so the
  // events it held (an array udev re-assembles) happen before the arrays are looked for.
  if (state?.udev?.includes(UDEV_QUEUE)) {
    await release(UDEV_RELEASE, async () => {
      await ctx.runner.run(["udevadm", "control", "--start-exec-queue"], RUN);
      await ctx.runner.run(["udevadm", "settle", "--timeout=60"], { ...RUN, okExitCodes: [0, 1] });
    });
  }
  const mounts = parseMounts(readOr(opts.mountsFile ?? "/proc/self/mounts"));
  for (const target of left.mountsToRelease(mounts, opts.mountRoots ?? left.RUN_MOUNT_ROOTS, state?.mounts)) {
    await release(`mount ${target}`, () => umount(ctx, target));
  }
  // only the run's own (recorded, or serving byol's image): another nbd client (a lab engineer's
  // qemu-nbd) is none of cleanup's business
  const imagePath = opts.imagePath ?? IMAGE_PATH;
  const ownNbd = new Set([
    ...left.connectedNbd(opts.sysBlock).filter((d) => state?.nbd.includes(d)),
    ...left.nbdServing(imagePath, opts.sysBlock, opts.proc),
  ]);
  for (const dev of ownNbd) {
    await release(`nbd ${dev}`, () => ctx.runner.run(["qemu-nbd", "-d", dev], RUN));
  }
  for (const dev of (state?.loop ?? []).filter((d) => left.loopAttached(d, opts.sysBlock))) {
    await release(`loop ${dev}`, () => ctx.runner.run(["losetup", "-d", dev], RUN));
  }
  if (state !== undefined) await releaseRam(state, opts, imagePath, release);
  const zfsLoaded = existsSync(opts.zfsModule ?? "/sys/module/zfs");
  for (const pool of zfsLoaded ? await importedPools(ctx, disks, state?.zpool ?? []) : []) {
    await release(`zpool ${pool.name}`, () => exportPool(ctx, pool, disks));
  }
  const arrays = left.arraysOnDisks(parseMdstat(readOr(opts.mdstatFile ?? "/proc/mdstat")), disks, state?.md);
  for (const vg of await activeVgs(ctx, [...disks, ...arrays], state?.lvm ?? [])) {
    await release(`lvm ${vg}`, () => ctx.runner.run(["vgchange", "-an", vg], RUN));
  }
  for (const md of arrays) {
    await release(`md ${md}`, () => retry(() => ctx.runner.run(["mdadm", "--stop", md], RUN), { attempts: 3 }));
  }
  let tablesReset = state?.tablesReset;
  if (state?.disksWritten && state.finished?.ok !== true && !state.tablesReset) {
    const r = await resetPartitionTables(ctx, disks, STEP);
    released.push(...r.reset.map((d) => `partition table ${d}`));
    problems.push(...r.problems);
    tablesReset = r.problems.length === 0;
  }
  if (state !== undefined) writeRunState(dir, afterCleanup(state, failed, tablesReset));
  ctx.events.emit({ step: STEP, phase: "done", durationMs: Date.now() - started });
  return { released, problems };
}

type Release = (what: string, fn: () => Promise<unknown>) => Promise<void>;

// The image's copies in RAM a killed run left: the qemu-storage-daemon of an inspection's FUSE export
// (it outlives the run), the scratch directories made since the run started, and the downloaded image,
// which holds as much RAM as the image is big.
async function releaseRam(state: SavedRunState, opts: CleanupOptions, imagePath: string, release: Release) {
  const shm = opts.shmDir ?? "/dev/shm";
  const mounted = () => parseMounts(readOr(opts.mountsFile ?? "/proc/self/mounts")).map((m) => m.target);
  const since = Date.parse(state.startedAt);
  for (const dir of left.scratchLeftovers(shm, since, [])) {
    const pid = left.fuseDaemonIn(dir, opts.proc);
    if (pid !== undefined) await release(`qemu-storage-daemon ${pid} (${dir})`, () => stopProcess(pid));
  }
  for (const dir of left.scratchLeftovers(shm, since, mounted())) {
    await release(`scratch ${dir}`, () => rm(dir, { recursive: true, force: true }));
  }
  if (existsSync(imagePath)) {
    const mib = Math.round(statSync(imagePath).size / 1024 ** 2);
    await release(`image ${imagePath} (${mib} MiB of RAM)`, () => rm(imagePath, { force: true }));
  }
}

// SIGTERM, then up to 5 s for the process to go (qemu-storage-daemon removes its export as it exits).
async function stopProcess(pid: number): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return; // gone already
  }
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) throw new Error(`process ${pid} did not exit within 5 s of SIGTERM`);
}

// umount with retries for a busy target, then lazily; "not mounted" counts as done.
async function umount(ctx: CleanupContext, target: string): Promise<void> {
  const run = (argv: string[]) =>
    ctx.runner.run(argv, RUN).catch((error: unknown) => {
      if (!(error instanceof CommandError && /not mounted/.test(error.stderrTail))) throw error;
    });
  try {
    await retry(() => run(["umount", target]), { attempts: 3, delayMs: 200 });
  } catch {
    await run(["umount", "-l", target]);
  }
}

// The imported ZFS pools on the target disks or recorded by the run; none without the zpool tool.
async function importedPools(ctx: CleanupContext, disks: string[], recorded: string[]): Promise<left.ImportedPool[]> {
  try {
    const r = await ctx.runner.run(["zpool", "list", "-H", "-v", "-P"], RUN);
    return left.poolsOnDisks(left.parseZpoolList(r.stdout), disks, recorded);
  } catch (error) {
    ctx.log.info({ err: error }, "zpool list failed: no ZFS pool is imported");
    return [];
  }
}

// Exported (its datasets unmounted), then its members on the targets lose their labels.
async function exportPool(ctx: CleanupContext, pool: left.ImportedPool, disks: string[]): Promise<void> {
  await retry(() => ctx.runner.run(["zpool", "export", "-f", pool.name], RUN), { attempts: 3 });
  for (const device of pool.devices.filter((d) => disks.some((k) => left.isOnDisk(d, k)))) {
    await ctx.runner.run(["zpool", "labelclear", "-f", device], RUN);
  }
}

// The VGs to deactivate: those on the target disks (or their arrays) and those the run activated.
async function activeVgs(ctx: CleanupContext, devices: string[], recorded: string[]): Promise<string[]> {
  if (devices.length === 0) return recorded;
  try {
    const r = await ctx.runner.run(["pvs", "--noheadings", "-o", "pv_name,vg_name", "--separator", "|"], RUN);
    return [...new Set([...recorded, ...left.vgsOnDevices(left.parsePvs(r.stdout), devices)])];
  } catch (error) {
    ctx.log.info({ err: error }, "pvs failed; only the recorded VGs are deactivated");
    return recorded;
  }
}

// The state file after cleanup: only what could not be released is still held.
function afterCleanup(state: SavedRunState, failed: string[], tablesReset: boolean | undefined): SavedRunState {
  const keep = (kind: string, list: string[]) => list.filter((v) => failed.includes(`${kind} ${v}`));
  return {
    ...state,
    mounts: keep("mount", state.mounts),
    nbd: keep("nbd", state.nbd),
    md: keep("md", state.md),
    loop: keep("loop", state.loop),
    lvm: keep("lvm", state.lvm),
    zpool: keep("zpool", state.zpool ?? []),
    udev: failed.includes(UDEV_RELEASE) ? (state.udev ?? []) : [],
    ...(tablesReset !== undefined && { tablesReset }),
  };
}

// A kernel view that is not there (no md module, no /proc in a test) is an empty one.
function readOr(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
