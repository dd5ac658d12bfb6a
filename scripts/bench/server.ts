// Serves one file over loopback HTTP for the benchmark, in its own process so that the
// server's CPU time is not charged to whatever is being measured.
// Usage: node server.ts FILE   (prints the port on stdout, then serves until killed)

import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const file = process.argv[2];
if (file === undefined) throw new Error("usage: server.ts FILE");
const size = statSync(file).size;

// node:http with 1 MiB reads. servers.ts times it against python3 -m http.server (64 KiB
// copyfileobj) on every run and uses the faster: on this machine they trade places
// (1.4-1.9 s vs 1.5-1.8 s for curl -> /dev/null), depending on the load.
const server = createServer((req, res) => {
  res.writeHead(200, { "content-length": size, "accept-ranges": "bytes", "content-type": "application/octet-stream" });
  if (req.method === "HEAD") return res.end();
  createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
