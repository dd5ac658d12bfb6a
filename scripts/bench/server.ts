// Serves one file over loopback HTTP for the benchmark, in its own process so that the
// server's CPU time is not charged to whatever is being measured. Like an object store: Range
// (one "bytes=A-B" or "bytes=A-"), a strong ETag, If-Range. With CAP (bytes per second), each
// connection is paced to at most that rate, as a far server or a per-connection-capped CDN would.
// Usage: node server.ts FILE [CAP]   (prints the port on stdout, then serves until killed)

import { createReadStream, statSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

const [file, capArg] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: server.ts FILE [CAP_BYTES_PER_S]");
const { size, mtimeMs } = statSync(file);
const etag = `"${size.toString(16)}-${Math.round(mtimeMs).toString(16)}"`;
const cap = capArg === undefined ? undefined : Number(capArg);

const server = createServer((req, res) => {
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  const ifRange = req.headers["if-range"];
  const ranged = m !== null && (ifRange === undefined || ifRange === etag);
  const start = ranged ? Number(m[1]) : 0;
  const end = ranged && m[2] !== "" ? Math.min(Number(m[2]), size - 1) : size - 1;
  const headers: Record<string, string | number> = {
    "content-length": end - start + 1,
    "accept-ranges": "bytes",
    etag,
    "content-type": "application/octet-stream",
  };
  if (ranged) headers["content-range"] = `bytes ${start}-${end}/${size}`;
  res.writeHead(ranged ? 206 : 200, headers);
  if (req.method === "HEAD") return res.end();
  const body = createReadStream(file, { start, end, highWaterMark: 1 << 20 });
  if (cap === undefined) body.pipe(res);
  else void paced(body, res, cap);
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});

// Writes the body in 64 KiB slices, never ahead of `rate` bytes per second since the start.
async function paced(body: Readable, res: ServerResponse, rate: number): Promise<void> {
  const started = performance.now();
  let sent = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      for (let at = 0; at < chunk.length; at += 64 * 1024) {
        const slice = chunk.subarray(at, at + 64 * 1024);
        const due = started + ((sent + slice.length) / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        sent += slice.length;
        if (!res.write(slice)) await drained(res);
        if (res.destroyed) {
          body.destroy();
          return;
        }
      }
    }
    res.end();
  } catch {
    res.destroy();
  }
}

// Resolves on 'drain', or on 'close' when the client went away, and leaves no listener behind.
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}
