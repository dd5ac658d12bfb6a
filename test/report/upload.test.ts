// --report-url: the tar is PUT as application/x-tar over loopback; URL credentials become Basic
// auth; a failure names the URL without its credentials or query.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { describeUploadUrl, uploadRunRecord } from "../../agent/report/upload.ts";
import { tempDir } from "./run-fixture.ts";

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

async function server(status: number) {
  const received: Received[] = [];
  const srv = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(status).end("ok");
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as AddressInfo).port;
  return { received, port, [Symbol.asyncDispose]: () => new Promise<void>((r) => srv.close(() => r())) };
}

function tarFile(): { file: string; body: Buffer } {
  const body = Buffer.from("not really a tar, but bytes all the same\n".repeat(1000));
  const file = join(tempDir(), "run.tar");
  writeFileSync(file, body);
  return { file, body };
}

test("PUT with content type, length and the URL's credentials as Basic auth", async () => {
  await using s = await server(201);
  const { file, body } = tarFile();
  await uploadRunRecord(file, `http://lab:pw-upload-123@127.0.0.1:${s.port}/records/run.tar?sig=abc`);
  const [r] = s.received;
  assert.equal(r?.method, "PUT");
  assert.equal(r?.url, "/records/run.tar?sig=abc");
  assert.equal(r?.headers["content-type"], "application/x-tar");
  assert.equal(r?.headers["content-length"], String(body.length));
  assert.equal(r?.headers.authorization, `Basic ${Buffer.from("lab:pw-upload-123").toString("base64")}`);
  assert.ok(r?.body.equals(body));
});

test("POST when asked", async () => {
  await using s = await server(200);
  await uploadRunRecord(tarFile().file, `http://127.0.0.1:${s.port}/up`, { method: "POST" });
  assert.equal(s.received[0]?.method, "POST");
});

test("an error status or a refused connection is named without credentials or query", async () => {
  await using s = await server(403);
  const url = `http://lab:pw-upload-123@127.0.0.1:${s.port}/records/run.tar?X-Amz-Signature=deadbeef`;
  await assert.rejects(uploadRunRecord(tarFile().file, url), (error: Error) => {
    assert.equal(error.message, `uploading the run record to http://127.0.0.1:${s.port}/records/run.tar?…: HTTP 403`);
    return true;
  });
  await assert.rejects(uploadRunRecord(tarFile().file, "http://lab:pw-upload-123@127.0.0.1:1/x"), (error: Error) => {
    assert.match(error.message, /^uploading the run record to http:\/\/127\.0\.0\.1:1\/x: ECONNREFUSED$/);
    assert.doesNotMatch(error.message, /pw-upload/);
    return true;
  });
  await assert.rejects(uploadRunRecord(tarFile().file, "ftp://h/x"), /only http and https/);
});

test("describeUploadUrl", () => {
  assert.equal(describeUploadUrl("https://u:p@h.example:8443/a/b?sig=1"), "https://h.example:8443/a/b?…");
  assert.equal(describeUploadUrl("not a url with a secret"), "an invalid URL");
});
