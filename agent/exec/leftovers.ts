// What a killed run may have left, decided from captured text (/proc/self/mounts,
// /proc/mdstat, pvs) by pure functions, so the choices are testable on any host.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { MdArray, Mount } from "../probe/types.ts";

// Where a run mounts: the target tree and the image.
export const RUN_MOUNT_ROOTS = ["/tmp/a", "/dev/shm/image"] as const;

// `sda2` and `/dev/sda2` are on `/dev/sda`; `nvme0n1p2` is on `/dev/nvme0n1`, `sda` on itself.
export function isOnDisk(dev: string, disk: string): boolean {
  const name = basename(dev);
  const d = basename(disk);
  if (name === d) return true;
  const separator = /\d$/.test(d) ? "p" : "";
  return name.startsWith(d + separator) && /^\d+$/.test(name.slice(d.length + separator.length));
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

// Mount targets under the run's roots (plus any the state file lists), deepest first and,
// at equal depth, the last mounted first: the order umount needs. Stacked mounts appear twice.
export function mountsToRelease(mounts: Mount[], roots: readonly string[], extra: readonly string[] = []): string[] {
  const picked = mounts
    .map((m, index) => ({ target: m.target, index }))
    .filter((m) => roots.some((r) => isUnder(m.target, r)) || extra.includes(m.target));
  const depth = (p: string) => p.split("/").length;
  picked.sort((a, b) => depth(b.target) - depth(a.target) || b.index - a.index);
  return picked.map((m) => m.target);
}

// Arrays with a member on a target disk, or that the run recorded as its own.
export function arraysOnDisks(arrays: MdArray[], disks: readonly string[], recorded: readonly string[] = []): string[] {
  return arrays
    .filter((a) => recorded.includes(a.device) || a.members.some((m) => disks.some((d) => isOnDisk(m, d))))
    .map((a) => a.device);
}

export interface PhysicalVolume {
  pv: string;
  vg: string;
}

// `pvs --noheadings -o pv_name,vg_name --separator '|'`: "  /dev/md1|vg0"; a PV without a VG has an empty name.
export function parsePvs(text: string): PhysicalVolume[] {
  return text
    .split("\n")
    .map((line) => line.trim().split("|"))
    .filter((f): f is [string, string] => f.length === 2 && f[0] !== "" && f[1] !== "")
    .map(([pv, vg]) => ({ pv: pv.trim(), vg: vg.trim() }));
}

// VGs with a PV on one of `devices` (target disks and the arrays built on them).
export function vgsOnDevices(pvs: PhysicalVolume[], devices: readonly string[]): string[] {
  const vgs = pvs.filter((p) => devices.some((d) => isOnDisk(p.pv, d))).map((p) => p.vg);
  return [...new Set(vgs)];
}

// Connected nbd devices: the kernel shows `pid` only while a client is attached.
export function connectedNbd(sysBlock = "/sys/block"): string[] {
  let names: string[];
  try {
    names = readdirSync(sysBlock);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^nbd\d+$/.test(n) && existsSync(join(sysBlock, n, "pid")))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    .map((n) => `/dev/${n}`);
}

// A loop device still bound to a file.
export function loopAttached(dev: string, sysBlock = "/sys/block"): boolean {
  return existsSync(join(sysBlock, basename(dev), "loop"));
}

export interface ImportedPool {
  name: string;
  devices: string[]; // /dev/vdb4, ...
}

// The class headers `zpool list -v` prints unindented among a pool's vdevs.
const VDEV_CLASSES = new Set(["logs", "cache", "spare", "spares", "special", "dedup"]);

// `zpool list -H -v -P`: a pool's line starts with its name, then its vdevs and devices follow
// indented ("\tmirror-0\t…", "\t/dev/vdb4\t…"); the first field of each line is the name.
export function parseZpoolList(text: string): ImportedPool[] {
  const pools: ImportedPool[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const word = line.trim().split(/\s+/)[0]!;
    if (!/^\s/.test(line) && !VDEV_CLASSES.has(word)) pools.push({ name: word, devices: [] });
    else if (word.startsWith("/")) pools.at(-1)?.devices.push(word);
  }
  return pools;
}

// The imported pools to export: those with a device on a target disk and those the run recorded.
export function poolsOnDisks(pools: ImportedPool[], disks: readonly string[], recorded: readonly string[] = []) {
  return pools.filter((p) => recorded.includes(p.name) || p.devices.some((d) => disks.some((k) => isOnDisk(d, k))));
}

// The nbd devices whose server is a qemu-nbd serving `imagePath` (byol's image in RAM): a run killed
// between connecting and recording its device still has it found, and another client's device is not.
export function nbdServing(imagePath: string, sysBlock = "/sys/block", proc = "/proc"): string[] {
  return connectedNbd(sysBlock).filter((dev) => {
    try {
      const pid = readFileSync(join(sysBlock, basename(dev), "pid"), "utf8").trim();
      const argv = readFileSync(join(proc, pid, "cmdline"), "utf8").split("\0");
      return basename(argv[0] ?? "") === "qemu-nbd" && argv.includes(imagePath);
    } catch {
      return false;
    }
  });
}

// Where byol keeps copies of an image's parts and the config drive's files while a run works on them
// (agent/image/checks.ts, agent/config-drive/write.ts).
export const RAM_SCRATCH_PREFIXES = ["byol-inspect-", "byol-config-drive-"] as const;

// The scratch directories a run left in `shmDir`: made since it started (`since`, ms), with nothing
// mounted on or under them any more (`mounted`: the mount targets left after the releases).
export function scratchLeftovers(shmDir: string, since: number, mounted: readonly string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(shmDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => RAM_SCRATCH_PREFIXES.some((p) => n.startsWith(p)))
    .sort()
    .map((n) => join(shmDir, n))
    .filter((dir) => {
      try {
        return statSync(dir).mtimeMs >= since && !mounted.some((m) => isUnder(m, dir));
      } catch {
        return false;
      }
    });
}

// The pid of the qemu-storage-daemon that exports an image over FUSE from a scratch directory
// (its --pidfile there), if that process is still alive and is one.
export function fuseDaemonIn(dir: string, proc = "/proc"): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, "qemu-storage-daemon.pid"), "utf8").trim());
    if (!(pid > 1)) return undefined;
    const argv0 = readFileSync(join(proc, String(pid), "cmdline"), "utf8").split("\0")[0] ?? "";
    return basename(argv0) === "qemu-storage-daemon" ? pid : undefined;
  } catch {
    return undefined;
  }
}
