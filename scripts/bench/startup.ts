// The start-up row of `npm run bench`: `byol status --json` (what provisioning systems poll)
// against the bare start-up of the same executable, `byol --version`; median of 10 runs each.
// The executable is dist/byol when it has been built, else the bundle (node byol.mjs).

import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bundleScript } from "./fixture.ts";
import { timed } from "./timed.ts";

export interface Startup {
  executable: string;
  versionMs: number;
  statusMs: number;
}

export async function startupBench(dir: string, runs = 10): Promise<Startup> {
  const argv = await executable(dir);
  const runDir = await mkdtemp(join(tmpdir(), "byol-bench-status-"));
  try {
    const median = async (args: string[]) => {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) ms.push((await timed([...argv, ...args])).wallMs);
      return ms.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
    };
    await median(["--version"]); // warm the page cache
    const versionMs = await median(["--version"]);
    const statusMs = await median(["status", "--json", "--run-dir", runDir]);
    return { executable: argv.join(" "), versionMs, statusMs };
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

async function executable(dir: string): Promise<string[]> {
  const dist = resolve("dist/byol");
  if (existsSync(dist)) return [dist];
  return [process.execPath, await bundleScript(dir, "../../agent/main.ts", "byol.mjs")];
}
