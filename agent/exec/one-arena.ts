// The commands that carry an image through memory run with glibc's malloc held to one arena
// (MALLOC_ARENA_MAX=1). By default every thread that allocates gets an arena of its own (the hash
// worker, V8's helper threads, libuv's pool), and what each one frees stays in it: measured on
// loopback, 2 GiB with sha512, peak RSS without and with one arena (three runs each, no change in
// wall or CPU time):
//   byol fetch path, one connection     138-139 MB -> 127-131 MB
//   8 connections, capped, split        168-170 MB -> 150-158 MB
//   BYOI raw streaming                  159-165 MB -> 143-151 MB
// glibc reads the variable once, when the process starts, so byol starts itself again in place:
// execve, the same pid and standard streams, before anything has run. A MALLOC_ARENA_MAX (or
// glibc tunables) that the caller set is kept; where execve is missing or fails, byol runs on as
// it is. Short commands (status, validate, ...) are not started twice: their start-up counts.

import { selfArgs } from "./self.ts";

export const ONE_ARENA_COMMANDS: readonly string[] = ["install", "fetch", "replay"];

// Whether `byol ARGS` should start again with one arena.
export function wantsOneArena(args: readonly string[], env: NodeJS.ProcessEnv, platform: string): boolean {
  if (platform !== "linux") return false;
  if (env.MALLOC_ARENA_MAX !== undefined || env.GLIBC_TUNABLES?.includes("malloc.arena_max") === true) return false;
  if (args.includes("--help") || args.includes("-h")) return false;
  return ONE_ARENA_COMMANDS.includes(args[0] ?? "");
}

// Replaces this process with the same byol and `args`, with MALLOC_ARENA_MAX=1; returns only if
// that did not happen.
export function startInOneArena(args: readonly string[]): void {
  if (typeof process.execve !== "function") return;
  try {
    process.execve(process.execPath, [process.execPath, ...selfArgs(), ...args], {
      ...process.env,
      MALLOC_ARENA_MAX: "1",
    });
  } catch {
    // runs on with the arenas it has
  }
}
