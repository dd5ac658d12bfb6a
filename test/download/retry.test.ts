import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { downloadImage } from "../../agent/download/image.ts";
import { image, send, serve } from "../support/image-server.ts";
import { setup } from "./setup.ts";

const data = image();
const sha512 = createHash("sha512").update(data).digest("hex");
const checksum = { type: "sha512" as const, value: sha512 };
const cut = Math.floor(data.length * 0.4);

test("a connection cut at 40% resumes with Range and ends with the right hash", async () => {
  await using s = await setup();
  await using srv = await serve((req, res, n) => send(data, req, res, n === 0 ? { cutAt: cut } : {}));
  const result = await downloadImage(s.options(srv.url, { checksum }));
  assert.deepEqual(result, { bytes: data.length, digest: sha512, resumed: 1 });
  assert.deepEqual(
    srv.seen.map((r) => r.headers.range),
    [undefined, `bytes=${cut}-`],
  );
  assert.deepEqual(await readFile(s.destination), data);
  const warning = s.events.find((e) => e.phase === "log");
  assert.match(warning?.phase === "log" ? warning.message : "", /UND_ERR_SOCKET.*resuming at byte/);
});

test("a body shorter than Content-Length that ends cleanly is resumed", async () => {
  await using s = await setup();
  await using srv = await serve((req, res, n) => send(data, req, res, n === 0 ? { truncateAt: cut } : {}));
  const result = await downloadImage(s.options(srv.url, { checksum }));
  assert.equal(result.digest, sha512);
  assert.equal(result.resumed, 1);
  assert.equal(srv.seen[1]?.headers.range, `bytes=${cut}-`);
});

test("a server that answers 200 to a Range request restarts from 0 with a fresh hash", async () => {
  await using s = await setup();
  // advertises Accept-Ranges, then ignores Range
  await using srv = await serve((_req, res, n) => {
    res.writeHead(200, { "content-length": data.length, "accept-ranges": "bytes" });
    if (n === 0) res.write(data.subarray(0, cut), () => res.socket?.destroy());
    else res.end(data);
  });
  const result = await downloadImage(s.options(srv.url, { checksum }));
  assert.deepEqual(result, { bytes: data.length, digest: sha512, resumed: 0 });
  assert.equal(srv.seen[1]?.headers.range, `bytes=${cut}-`);
  assert.deepEqual(await readFile(s.destination), data);
});

test("a server without Range support is not asked for a range, and the restart verifies", async () => {
  await using s = await setup();
  await using srv = await serve((req, res, n) =>
    send(data, req, res, { ranges: false, ...(n === 0 ? { cutAt: cut } : {}) }),
  );
  const result = await downloadImage(s.options(srv.url, { checksum }));
  assert.deepEqual(result, { bytes: data.length, digest: sha512, resumed: 0 });
  assert.deepEqual(
    srv.seen.map((r) => r.headers.range),
    [undefined, undefined],
  );
});

for (const [status, text] of [
  [404, "Not Found"],
  [401, "Unauthorized"],
] as const) {
  test(`HTTP ${status} fails at once, without retry`, async () => {
    await using s = await setup();
    await using srv = await serve((_req, res) => res.writeHead(status).end("no"));
    await assert.rejects(downloadImage(s.options(srv.url)), {
      code: "download",
      message: `Could not download image: HTTP ${status} ${text}`,
    });
    assert.equal(srv.seen.length, 1);
  });
}

test("503 then success", async () => {
  await using s = await setup();
  await using srv = await serve((req, res, n) => {
    if (n === 0) res.writeHead(503, { "retry-after": "0" }).end();
    else send(data, req, res);
  });
  const result = await downloadImage(s.options(srv.url, { checksum }));
  assert.equal(result.digest, sha512);
  assert.equal(srv.seen.length, 2);
});

test("a server that keeps failing is given up after the last attempt", async () => {
  await using s = await setup();
  await using srv = await serve((_req, res) => res.writeHead(503).end());
  await assert.rejects(downloadImage(s.options(srv.url)), {
    message: "Could not download image: HTTP 503 Service Unavailable",
  });
  assert.equal(srv.seen.length, 3);
});

test("429 and 408 are retried", async () => {
  await using s = await setup();
  await using srv = await serve((req, res, n) => {
    if (n < 2) res.writeHead(n === 0 ? 429 : 408).end();
    else send(data, req, res);
  });
  assert.equal((await downloadImage(s.options(srv.url))).bytes, data.length);
  assert.equal(srv.seen.length, 3);
});

test("a refused connection names the error code", async () => {
  await using s = await setup();
  const srv = await serve(() => {});
  await srv[Symbol.asyncDispose](); // nothing listens on that port any more
  await assert.rejects(downloadImage(s.options(srv.url)), {
    code: "download",
    message: "Could not download image: ECONNREFUSED",
  });
});

test("a body without Content-Length that ends with the connection is complete", async () => {
  await using s = await setup();
  await using srv = await serve((req) => {
    req.socket.end(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"), data]));
  });
  const result = await downloadImage(s.options(srv.url, { checksum }));
  assert.equal(result.digest, sha512);
  assert.equal(srv.seen.length, 1);
});

test("cuts that keep making progress are all resumed", async () => {
  await using s = await setup();
  const step = Math.floor(data.length / 6);
  await using srv = await serve((req, res) => {
    const from = Number(/bytes=(\d+)-/.exec(req.headers.range ?? "")?.[1] ?? 0);
    send(data, req, res, from + step < data.length ? { cutAt: step } : {});
  });
  const result = await downloadImage(s.options(srv.url, { checksum })); // 3 attempts, 6 cuts
  assert.equal(result.digest, sha512);
  assert.equal(result.resumed, srv.seen.length - 1);
  assert.ok(result.resumed >= 5);
});
