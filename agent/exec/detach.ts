// `byol install --detach`: the same install, started in a session of its own so that nothing of
// the caller's (its terminal, its SSH connection, its pipes) can stop it. The request goes to the
// child through a pipe on its stdin: never in argv (visible in ps), never on disk unredacted.
// The child's stdout and stderr go to files in the run dir; its events go to events.jsonl there as
// always, which `byol status --follow` reads.

import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { selfArgs } from "./self.ts";

export const DETACHED_FILE = "detached.json";
export const DETACHED_STDOUT = "stdout.log";
export const DETACHED_STDERR = "stderr.log";

export interface DetachOptions {
  args: string[]; // byol's arguments for the child, e.g. ["install", "--request", "-", ...]
  input: string; // written to the child's stdin, then closed
  runId: string;
  runDir: string; // created 0700; gets detached.json, stdout.log and stderr.log
  // resolves once the child has registered its run (or exited): `status --follow` run right
  // after finds it. Default: return at once.
  started?: () => boolean;
  startTimeoutMs?: number; // how long to wait for `started`; default 60 s
}

// What `status --follow` needs before the run's state file names it: whose run this is.
export interface DetachedRecord {
  runId: string;
  pid: number;
  startedAt: string;
}

// Starts byol again as a detached child and returns its pid once the request is in its pipe.
export async function startDetached(o: DetachOptions): Promise<number> {
  mkdirSync(o.runDir, { recursive: true, mode: 0o700 });
  const stdout = openSync(join(o.runDir, DETACHED_STDOUT), "a", 0o600);
  const stderr = openSync(join(o.runDir, DETACHED_STDERR), "a", 0o600);
  const child = spawn(process.execPath, [...selfArgs(), ...o.args], {
    detached: true, // setsid(): no controlling terminal, so no SIGHUP from one, and no SIGINT from its ^C
    stdio: ["pipe", stdout, stderr],
  });
  closeSync(stdout);
  closeSync(stderr);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error) => reject(new Error(`starting the detached install: ${error.message}`)));
  });
  const pid = child.pid as number;
  const record: DetachedRecord = { runId: o.runId, pid, startedAt: new Date().toISOString() };
  writeFileSync(join(o.runDir, DETACHED_FILE), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  child.stdin?.end(o.input);
  if (child.stdin) await finished(child.stdin).catch(() => undefined); // a child that died early: its stderr.log says why
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  while (o.started !== undefined && !done && !o.started() && Date.now() < deadline) await sleep(50);
  child.unref();
  return pid;
}
