// The loopback HTTP servers the benchmark can use. Both are started, timed with
// curl -> /dev/null, and the faster one serves every measured run.

import { type ChildProcess, spawn } from "node:child_process";
import { basename, dirname } from "node:path";
import { timed } from "./timed.ts";

export interface Server {
  name: string;
  url: string;
  curlMs: number; // one curl -> /dev/null through it
  stop(): void;
}

// node:http + createReadStream (1 MiB reads), in its own process.
async function nodeServer(file: string): Promise<Server> {
  const child = spawn(process.execPath, [new URL("./server.ts", import.meta.url).pathname, file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve) => child.stdout.once("data", (d) => resolve(String(d).trim())));
  return measure("node:http", `http://127.0.0.1:${port}/${basename(file)}`, child);
}

// python3 -m http.server (shutil.copyfileobj), serving the file's directory.
async function pythonServer(file: string): Promise<Server> {
  const port = String(20000 + Math.floor(Math.random() * 20000));
  const child = spawn("python3", ["-m", "http.server", port, "--bind", "127.0.0.1"], {
    cwd: dirname(file),
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}/${basename(file)}`;
  for (let i = 0; i < 50; i++) {
    const up = await fetch(url, { method: "HEAD" }).then(
      () => true,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return measure("python3 http.server", url, child);
}

async function measure(name: string, url: string, child: ChildProcess): Promise<Server> {
  await timed(["curl", "-sS", "-o", "/dev/null", url]); // warm the page cache and the server
  const { wallMs } = await timed(["curl", "-sS", "-o", "/dev/null", url]);
  return { name, url, curlMs: wallMs, stop: () => child.kill() };
}

// Both servers, fastest first.
export async function startServers(file: string): Promise<Server[]> {
  const servers = [await nodeServer(file), await pythonServer(file)];
  return servers.sort((a, b) => a.curlMs - b.curlMs);
}
