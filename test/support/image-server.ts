// An in-process HTTP server on 127.0.0.1 for download tests: records every request and serves
// an image with the misbehaviours a download must survive (cuts, truncation, no Range support).

import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export interface Served {
  url: string; // http://127.0.0.1:PORT
  origin: string;
  seen: Seen[];
  [Symbol.asyncDispose](): Promise<void>;
}

// Starts a server on an ephemeral port; `n` counts requests from 0.
export async function serve(handler: Handler): Promise<Served> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers });
    handler(req, res, seen.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    origin,
    seen,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function contentRange(start: number, end: number, total: number): string {
  return `bytes ${start}-${end}/${total}`;
}

export function image(bytes = 3 * 1024 * 1024 + 12345): Buffer {
  return randomBytes(bytes);
}

export interface SendOptions {
  ranges?: boolean; // advertise Accept-Ranges and honour Range (default true)
  length?: boolean; // send Content-Length (default true)
  cutAt?: number; // destroy the socket after this many bytes of the body
  truncateAt?: number; // end the response cleanly (Connection: close) after this many bytes
  etag?: string; // sent as ETag; a Range with an If-Range that differs gets the whole image (200)
  contentRange?: (start: number, end: number, total: number) => string; // a wrong one, for tests
}

// Serves `data` as an image, honouring a Range request ("bytes=A-" or "bytes=A-B") when `ranges` is on.
export function send(data: Buffer, req: IncomingMessage, res: ServerResponse, o: SendOptions = {}): void {
  const ranges = o.ranges ?? true;
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  const ifRange = req.headers["if-range"];
  const honoured = ranges && m !== null && (ifRange === undefined || ifRange === o.etag);
  const start = honoured ? Number(m[1]) : 0;
  const end = honoured && m[2] !== "" ? Math.min(Number(m[2]) + 1, data.length) : data.length;
  const partial = honoured;
  const body = data.subarray(start, end);
  const headers: Record<string, string | number> = { "content-type": "application/octet-stream" };
  if (ranges) headers["accept-ranges"] = "bytes";
  if (o.etag !== undefined) headers.etag = o.etag;
  if (o.length ?? true) headers["content-length"] = body.length;
  if (partial) headers["content-range"] = (o.contentRange ?? contentRange)(start, end - 1, data.length);
  if (o.truncateAt !== undefined) headers.connection = "close";
  res.writeHead(partial ? 206 : 200, headers);
  if (o.cutAt !== undefined) {
    res.write(body.subarray(0, o.cutAt), () => res.socket?.destroy());
  } else if (o.truncateAt !== undefined) {
    res.end(body.subarray(0, o.truncateAt));
  } else {
    res.end(body);
  }
}
