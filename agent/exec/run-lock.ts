// The "run in progress" lock: one file, created with O_EXCL, holding the owner's pid and
// process start time. Two installs (or an install and a cleanup) started at the same moment
// cannot both get it, which reading current.json and then writing it could not promise. A
// lock whose owner is gone (SIGKILL, power loss of the observer) is stale and taken over;
// the start time tells a reused pid from the owner.

import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { InstallError } from "../errors.ts";

export const RUN_LOCK = "run.lock";

export interface LockOwner {
  pid: number;
  start: string; // /proc/<pid>/stat field 22, "" where /proc is not there
  what: string; // "install", "cleanup"
}

// The kernel's start time of a process, in clock ticks since boot; "" when unknown.
export function processStart(pid: number, proc = "/proc"): string {
  try {
    const stat = readFileSync(join(proc, String(pid), "stat"), "utf8");
    // the command name (field 2) is in parentheses and may hold spaces: count from its end
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

// Whether the lock's owner still runs: the pid exists and, where known, started when the lock says.
export function ownerAlive(owner: LockOwner, proc = "/proc"): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const start = processStart(owner.pid, proc);
  return owner.start === "" || start === "" || start === owner.start;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, "utf8")) as Partial<LockOwner>;
    if (typeof owner.pid !== "number") return undefined;
    return { pid: owner.pid, start: String(owner.start ?? ""), what: String(owner.what ?? "byol") };
  } catch {
    return undefined; // half-written by an owner killed between create and write: stale
  }
}

// The live owner of the lock in `dir`, if any.
export function lockOwner(dir: string): LockOwner | undefined {
  const owner = readOwner(join(dir, RUN_LOCK));
  return owner !== undefined && ownerAlive(owner) ? owner : undefined;
}

// Takes the lock or throws InstallError "busy" naming the owner. Dispose to release it.
export function acquireRunLock(dir: string, what: string): Disposable {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, RUN_LOCK);
  const me: LockOwner = { pid: process.pid, start: processStart(process.pid), what };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readOwner(file);
      if (owner !== undefined && ownerAlive(owner)) {
        throw new InstallError("busy", what, `byol ${what}: byol ${owner.what} (pid ${owner.pid}) is still running`);
      }
      // stale: move it aside atomically, so of two takers only one removes it; then try again
      const aside = `${file}.stale.${process.pid}`;
      try {
        renameSync(file, aside);
        // another taker may have replaced the stale lock between our read and our rename: put a live one back
        const moved = readOwner(aside);
        if (moved !== undefined && ownerAlive(moved)) linkSync(aside, file);
      } catch {
        // gone already (another taker removed it), or a live lock is back in place: the next attempt sees which
      }
      rmSync(aside, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${JSON.stringify(me)}\n`);
    } finally {
      closeSync(fd);
    }
    return {
      [Symbol.dispose]() {
        const owner = readOwner(file);
        if (owner?.pid === me.pid && owner.start === me.start) rmSync(file, { force: true });
      },
    };
  }
  throw new InstallError("busy", what, `byol ${what}: could not take the run lock ${file}`);
}
