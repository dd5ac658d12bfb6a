import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ImageServer, parseRange, serveImage } from "../../scripts/rig/image-server.ts";

describe("parseRange", () => {
  it("reads one range, open-ended and suffix ranges", () => {
    assert.deepEqual(parseRange("bytes=0-99", 1000), { start: 0, end: 99 });
    assert.deepEqual(parseRange("bytes=900-", 1000), { start: 900, end: 999 });
    assert.deepEqual(parseRange("bytes=900-5000", 1000), { start: 900, end: 999 });
    assert.deepEqual(parseRange("bytes=-100", 1000), { start: 900, end: 999 });
    assert.deepEqual(parseRange("bytes=-5000", 1000), { start: 0, end: 999 });
  });

  it("answers the whole file for no, several or malformed ranges, and 416 past the end", () => {
    assert.equal(parseRange(undefined, 1000), undefined);
    assert.equal(parseRange("bytes=0-1,5-6", 1000), undefined);
    assert.equal(parseRange("items=0-1", 1000), undefined);
    assert.equal(parseRange("bytes=5-1", 1000), undefined);
    assert.equal(parseRange("bytes=1000-", 1000), "unsatisfiable");
    assert.equal(parseRange("bytes=-0", 1000), "unsatisfiable");
  });
});

describe("serveImage", () => {
  let dir: string;
  let server: ImageServer;
  const body = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
  const url = () => `http://127.0.0.1:${server.port}/img.qcow2`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "rig-server-"));
    await writeFile(join(dir, "img"), body);
    server = await serveImage(join(dir, "img"), "/img.qcow2");
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the whole file with its length and Accept-Ranges", async () => {
    const r = await fetch(url());
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("accept-ranges"), "bytes");
    assert.equal(r.headers.get("content-length"), "5000");
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(body));
  });

  it("serves a range with 206 and Content-Range, and 416 past the end", async () => {
    const r = await fetch(url(), { headers: { Range: "bytes=4990-" } });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get("content-range"), "bytes 4990-4999/5000");
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(body.subarray(4990)));
    const past = await fetch(url(), { headers: { Range: "bytes=5000-" } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get("content-range"), "bytes */5000");
  });

  it("answers HEAD without a body, 404 for other paths, and logs every request", async () => {
    const head = await fetch(url(), { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), "5000");
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/etc/passwd`)).status, 404);
    assert.ok(server.requests.includes("GET 200 5000"));
    assert.ok(server.requests.includes("GET 206 bytes=4990-"));
    assert.ok(server.requests.includes("GET 404 /etc/passwd"));
  });
});
