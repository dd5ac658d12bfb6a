// A minimal Debian 12 with no Node, as a tar: what dist/byol must run on (a rescue system is a
// Debian 12 without Node). mmdebstrap --variant=minbase, built once under the VM lock (it is
// heavy) and cached in ~/.cache/byol/debian12-minbase/, keyed on the command and mmdebstrap's version.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheKey, cacheRoot } from "../vm/cache.ts";

const LOCK = "/tmp/byol-vm.lock";

export function minbaseCommand(out: string): string[] {
  const mirror = process.env["BYOL_DEBIAN_MIRROR"];
  return ["mmdebstrap", "--variant=minbase", "--format=tar", "bookworm", out, ...(mirror ? [mirror] : [])];
}

// The cached tar's path, whether or not it is built yet.
export function minbaseTar(): string {
  const version = execFileSync("mmdebstrap", ["--version"], { encoding: "utf8" }).trim();
  const key = cacheKey([
    { name: "command", content: minbaseCommand("OUT").join(" ") },
    { name: "mmdebstrap", content: version },
  ]);
  return join(cacheRoot(), "debian12-minbase", `${key.slice(0, 16)}.tar`);
}

// Builds the tar when it is missing (a minute or two, from Debian's mirrors), under the VM lock.
export function ensureMinbaseTar(log: (line: string) => void): string {
  const tar = minbaseTar();
  if (existsSync(tar)) return tar;
  mkdirSync(join(tar, ".."), { recursive: true });
  const tmp = `${tar}.${process.pid}.tmp`;
  log(`building ${tar}: ${minbaseCommand(tmp).join(" ")} (under ${LOCK})`);
  try {
    execFileSync("flock", [LOCK, ...minbaseCommand(tmp)], { stdio: ["ignore", "inherit", "inherit"] });
    renameSync(tmp, tar);
  } finally {
    rmSync(tmp, { force: true });
  }
  return tar;
}
