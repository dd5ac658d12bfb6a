// Runs one command and measures it: wall time, and the child's CPU time and peak RSS from
// wait4(2) as reported by GNU time.

import { spawn } from "node:child_process";

export interface Timing {
  wallMs: number;
  cpuMs: number; // user + system, children included
  maxRssKiB: number;
  stdout: string;
}

export function timed(argv: string[]): Promise<Timing> {
  const [cmd, ...args] = ["/usr/bin/time", "-f", "@@%U %S %M", ...argv];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd!, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - start;
      const m = /@@([\d.]+) ([\d.]+) (\d+)\s*$/.exec(stderr);
      if (code !== 0 || m === null)
        return reject(new Error(`${argv.join(" ")} failed (${code}): ${stderr.slice(-500)}`));
      resolve({ wallMs, cpuMs: (Number(m[1]) + Number(m[2])) * 1000, maxRssKiB: Number(m[3]), stdout });
    });
  });
}

// The download's own notes (its split into several connections, the split undone) from a byol
// run's JSON line, one line each under the row's name; nothing for a run without notes.
export function notesOf(name: string, t: Timing): string[] {
  try {
    const notes = (JSON.parse(t.stdout.trim().split("\n").at(-1) ?? "{}") as { notes?: string[] }).notes ?? [];
    return notes.map((n) => `  ${name}: ${n}`);
  } catch {
    return [];
  }
}
