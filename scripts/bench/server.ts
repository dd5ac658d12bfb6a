// Serves one file over loopback HTTP for the benchmark, in its own process so that the
// server's CPU time is not charged to whatever is being measured.
// Usage: node server.ts FILE   (prints the port on stdout, then serves until killed)

import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const file = process.argv[2];
if (file === undefined) throw new Error("usage: server.ts FILE");
const size = statSync(file).size;

// node:http with 1 MiB reads: measured faster than python3 -m http.server (64 KiB reads, and
// no Range support, which the benchmark does not need but the download expects to see).
const server = createServer((req, res) => {
  res.writeHead(200, { "content-length": size, "accept-ranges": "bytes", "content-type": "application/octet-stream" });
  if (req.method === "HEAD") return res.end();
  createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
