// A loopback HTTP server for one fixture image, with Range support (byol resumes downloads with Range).
// The VM reaches it through QEMU's guestfwd at http://10.0.2.100/<name>. The same server, for a folder, is the
// stock rescue's package repository at http://10.0.2.101/.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/** A byte range to send, inclusive of both ends. */
export interface ByteRange {
  start: number;
  end: number;
}

// Parses a Range header for a file of `size` bytes: one range, or "unsatisfiable", or undefined for the whole file.
// Several ranges are answered with the whole file (allowed by RFC 9110).
export function parseRange(header: string | undefined, size: number): ByteRange | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return undefined;
  const [, from = "", to = ""] = m;
  if (from === "" && to === "") return undefined;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  if (start >= size) return "unsatisfiable";
  const end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  if (end < start) return undefined;
  return { start, end };
}

export interface ImageServer extends AsyncDisposable {
  port: number;
  /** The path the image is served at, e.g. /byolinux-debian12.qcow2. */
  urlPath: string;
  /** Requests answered so far, for the log: "GET 200 181338112", "GET 206 bytes=1000-". */
  requests: string[];
  close(): Promise<void>;
}

// Serves `file` at `urlPath` on 127.0.0.1, on a free port; everything else is 404. With `authorization`, a
// request without exactly that Authorization header gets 401 (the header must reach the server).
export async function serveImage(file: string, urlPath: string, authorization?: string): Promise<ImageServer> {
  const size = (await stat(file)).size;
  return serveFiles((path) => (path === urlPath ? { file, size } : undefined), urlPath, authorization);
}

// Serves the files directly in `dir` (no subfolders, no dot files) at /<name> or /./<name>, as apt asks a flat
// repository for them.
export async function serveFolder(dir: string): Promise<ImageServer> {
  return serveFiles(async (path) => {
    const name = path.replace(/^\/(\.\/)?/, "");
    if (!/^[A-Za-z0-9_+~][A-Za-z0-9._+~:%-]*$/.test(name)) return undefined;
    const info = await stat(join(dir, name)).catch(() => undefined);
    return info?.isFile() ? { file: join(dir, name), size: info.size } : undefined;
  }, "/");
}

type Lookup = (
  path: string,
) => { file: string; size: number } | undefined | Promise<{ file: string; size: number } | undefined>;

async function serveFiles(lookup: Lookup, urlPath: string, authorization?: string): Promise<ImageServer> {
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const raw = (req.url ?? "").split("?")[0] ?? "";
    let path = raw;
    try {
      path = decodeURIComponent(raw);
    } catch {}
    const found = await lookup(path);
    if (found === undefined || (req.method !== "GET" && req.method !== "HEAD")) {
      requests.push(`${req.method} 404 ${req.url}`);
      res.writeHead(found === undefined ? 404 : 405).end();
      return;
    }
    const { file, size } = found;
    if (authorization !== undefined && req.headers.authorization !== authorization) {
      requests.push(`${req.method} 401 ${req.headers.authorization === undefined ? "no" : "wrong"} Authorization`);
      res.writeHead(401).end();
      return;
    }
    const range = parseRange(req.headers.range, size);
    if (range === "unsatisfiable") {
      requests.push(`${req.method} 416 ${req.headers.range}`);
      res.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
      return;
    }
    const headers: Record<string, string | number> = {
      "Accept-Ranges": "bytes",
      "Content-Type": "application/octet-stream",
    };
    const { start, end } = range ?? { start: 0, end: size - 1 };
    headers["Content-Length"] = end - start + 1;
    if (range !== undefined) headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
    const status = range === undefined ? 200 : 206;
    requests.push(`${req.method} ${status} ${range === undefined ? size : req.headers.range}`);
    res.writeHead(status, headers);
    if (req.method === "HEAD" || size === 0) {
      res.end();
      return;
    }
    const stream = createReadStream(file, { start, end, highWaterMark: 1048576 });
    stream.on("error", () => res.destroy());
    res.on("close", () => stream.destroy());
    stream.pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    port: (server.address() as AddressInfo).port,
    urlPath,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}
