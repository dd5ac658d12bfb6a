// The two clocks of a download: the idle timeout (a connection that receives nothing is dropped and
// resumed) and the overall deadline (the whole download, retries included).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { access } from "node:fs/promises";
import { test } from "node:test";
import { downloadImage } from "../../agent/download/image.ts";
import { image, send, serve } from "../support/image-server.ts";
import { setup } from "./setup.ts";

const data = image(200_000);

test("a download that is not complete by the deadline fails with the download error and no file", async () => {
  await using s = await setup();
  // headers and a first slice at once, then nothing more
  await using srv = await serve((_req, res) => {
    res.writeHead(200, { "content-length": data.length });
    res.write(data.subarray(0, 1000));
  });
  const started = performance.now();
  await assert.rejects(downloadImage(s.options(srv.url, { deadlineMs: 300 })), {
    name: "InstallError",
    code: "download",
    message: "Could not download image: not complete within the deadline of 0.3 s",
  });
  assert.ok(performance.now() - started < 5000);
  assert.equal(srv.seen.length, 1);
  await assert.rejects(access(s.destination), { code: "ENOENT" });
});

test("a stalled connection is dropped after the idle timeout and the download resumes", async () => {
  await using s = await setup();
  await using srv = await serve((req, res, n) => {
    if (n > 0) return send(data, req, res);
    res.writeHead(200, { "content-length": data.length, "accept-ranges": "bytes" });
    res.write(data.subarray(0, 50_000)); // then stalls
  });
  const sha512 = createHash("sha512").update(data).digest("hex");
  const options = s.options(srv.url, { idleTimeoutMs: 200, checksum: { type: "sha512", value: sha512 } });
  const result = await downloadImage(options);
  assert.equal(result.digest, sha512);
  assert.equal(srv.seen[1]?.headers.range, "bytes=50000-");
  const warning = s.events.find((e) => e.phase === "log");
  assert.match(
    warning?.phase === "log" ? warning.message : "",
    /^no data received for 0.2 s \(UND_ERR_BODY_TIMEOUT\); resuming at byte 50000/,
  );
});
