// The loopback HTTP servers of the benchmark (scripts/bench/server.ts in a process of its own):
// one uncapped, and one that paces each connection to a cap, as a far server would.

import { spawn } from "node:child_process";
import { basename } from "node:path";
import { timed } from "./timed.ts";

export interface Server {
  name: string;
  url: string;
  cap?: number; // bytes per second per connection
  curlMs: number; // one curl -> /dev/null through it (uncapped only; warms the page cache)
  stop(): void;
}

export async function startServer(file: string, cap?: number): Promise<Server> {
  const args = [new URL("./server.ts", import.meta.url).pathname, file, ...(cap === undefined ? [] : [String(cap)])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve) => child.stdout.once("data", (d) => resolve(String(d).trim())));
  const url = `http://127.0.0.1:${port}/${basename(file)}`;
  let curlMs = 0;
  if (cap === undefined) {
    await timed(["curl", "-sS", "-o", "/dev/null", url]); // warm the page cache and the server
    curlMs = (await timed(["curl", "-sS", "-o", "/dev/null", url])).wallMs;
  }
  const name = cap === undefined ? "uncapped" : `capped ${cap / 1e6} MB/s per connection`;
  return { name, url, ...(cap !== undefined && { cap }), curlMs, stop: () => child.kill() };
}
