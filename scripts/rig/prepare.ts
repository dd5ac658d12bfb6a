// Builds (or finds cached) everything the scenarios need before any VM starts: the stock rescue system, each
// fixture image once, the agent bundle. Image builds run mmdebstrap and chroots with mounts; if the rig is
// interrupted meanwhile, the guard stops the build's processes (by pid, descendants of this process only),
// unmounts what they left under the images' work folders of this process, and removes those folders.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "../../agent/exec/alive.ts";
import { ensureImage } from "../images/build.ts";
import { imagesDir } from "../images/images.ts";
import { ensureRescueImage } from "../rescue/build.ts";
import { ensureBundle } from "./agent-bundle.ts";
import { isImagePath } from "./scenario-image.ts";

// Parent pid of every process, from /proc/<pid>/stat (the field after the parenthesised command).
function parentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {}
  }
  return parents;
}

// Every live descendant of pid, children before grandchildren.
export function descendants(pid: number, parents: Map<number, number> = parentPids()): number[] {
  const out: number[] = [];
  let level = [pid];
  while (level.length > 0) {
    level = [...parents].filter(([, ppid]) => level.includes(ppid)).map(([child]) => child);
    out.push(...level);
  }
  return out;
}

// Mount points under the images' work folders made by process pid (.work-<label>-<pid>), deepest first.
export function workMounts(mountsText: string, dir: string, pid: number): string[] {
  const prefix = new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\.work-[^/]+-${pid}(/|$)`);
  const targets = mountsText
    .split("\n")
    .map((l) => (l.split(" ")[1] ?? "").replaceAll("\\040", " "))
    .filter((t) => prefix.test(t));
  return [...new Set(targets)].sort((a, b) => b.length - a.length);
}

// Stops this process's build processes, unmounts and removes what they left. A process whose parent died
// is adopted by init, so the processes are followed from a snapshot taken now, not as descendants of the rig.
async function sweepBuilds(log: (line: string) => void): Promise<void> {
  const tracked = new Set(descendants(process.pid));
  const signalAll = (signal: NodeJS.Signals) => {
    const parents = parentPids();
    for (const pid of [...tracked]) for (const child of descendants(pid, parents)) tracked.add(child);
    for (const pid of tracked) {
      try {
        process.kill(pid, signal);
      } catch {}
    }
  };
  signalAll("SIGTERM");
  for (let i = 0; i < 60 && [...tracked].some(isAlive); i++) {
    await sleep(250);
    if (i % 8 === 7) signalAll("SIGTERM");
  }
  signalAll("SIGKILL");
  for (let i = 0; i < 20 && [...tracked].some(isAlive); i++) await sleep(250);
  const dir = imagesDir();
  for (let round = 0; round < 3; round++) {
    const left = workMounts(readFileSync("/proc/self/mounts", "utf8"), dir, process.pid);
    if (left.length === 0) break;
    for (const target of left) {
      try {
        execFileSync("umount", ["-l", target], { stdio: "ignore" });
      } catch {}
    }
  }
  const left = workMounts(readFileSync("/proc/self/mounts", "utf8"), dir, process.pid);
  if (left.length > 0) {
    log(`rig: still mounted, not removing the build folders: ${left.join(" ")}`);
    return;
  }
  for (const entry of readdirSync(dir).filter((e) => e.startsWith(".work-") && e.endsWith(`-${process.pid}`))) {
    rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

// Ensures the rescue system, the images and the bundle; an interrupt meanwhile cleans up and exits 130/143.
export async function prepare(
  images: readonly string[],
  repo: string,
  log: (line: string) => void,
  zfs = false, // a scenario needs the rescue with ZFS
): Promise<void> {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`rig: ${signal} while building; stopping the build and cleaning up`);
    void sweepBuilds(log).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await ensureRescueImage({ flavour: "stock", log, zfs });
    for (const name of new Set(images)) if (!isImagePath(name)) await ensureImage(name, { log });
    await ensureBundle(repo, log);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
