import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { access, readFile } from "node:fs/promises";
import { test } from "node:test";
import { downloadImage, memoryLimitBytes } from "../../agent/download/image.ts";
import { InstallError } from "../../agent/errors.ts";
import { image, send, serve } from "../support/image-server.ts";
import { setup } from "./setup.ts";

const data = image();
const ALGORITHMS = ["md5", "sha1", "sha256", "sha512"] as const;
const hex = (algorithm: string, d: Buffer = data) => createHash(algorithm).update(d).digest("hex");

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

for (const type of ALGORITHMS) {
  test(`a good ${type} verifies, and the file is the image`, async () => {
    await using s = await setup();
    await using srv = await serve((req, res) => send(data, req, res));
    const result = await downloadImage(s.options(`${srv.url}/img`, { checksum: { type, value: hex(type) } }));
    assert.deepEqual(result, { bytes: data.length, digest: hex(type), resumed: 0 });
    assert.deepEqual(await readFile(s.destination), data);
  });

  test(`a bad ${type} fails with OVH's message and removes the file`, async () => {
    await using s = await setup();
    await using srv = await serve((req, res) => send(data, req, res));
    const wrong = hex(type, Buffer.from("something else"));
    await assert.rejects(downloadImage(s.options(`${srv.url}/img`, { checksum: { type, value: wrong } })), {
      name: "InstallError",
      code: "checksum",
      step: "download",
      message: `Bad ${type} for downloaded file, got: ${hex(type)} while expecting ${wrong}.`,
    });
    assert.equal(await exists(s.destination), false);
  });
}

test("without a checksum there is no digest", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res));
  assert.deepEqual(await downloadImage(s.options(srv.url)), { bytes: data.length, resumed: 0 });
});

test("a Content-Length at the limit fails before the body, and no file is created", async () => {
  await using s = await setup();
  // a qcow2 image by its first bytes: one of another format is refused for that (issue 15 item 11)
  const qcow2 = Buffer.concat([Buffer.from("QFI\xfb", "latin1"), data.subarray(4)]);
  await using srv = await serve((req, res) => send(qcow2, req, res));
  const options = s.options(srv.url, { limitBytes: data.length, imageType: "qcow2" });
  await assert.rejects(downloadImage(options), {
    code: "too-big",
    message: "Could not download, qcow2 image is too big to download in memory.",
  });
  assert.equal(srv.seen.length, 1);
  assert.equal(await exists(s.destination), false);
});

test("an image one byte under the limit fits", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res));
  const result = await downloadImage(s.options(srv.url, { limitBytes: data.length + 1 }));
  assert.equal(result.bytes, data.length);
});

test("without Content-Length, the limit is enforced while streaming", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res, { length: false }));
  const options = s.options(srv.url, { limitBytes: 1024 * 1024, imageType: "raw" });
  await assert.rejects(downloadImage(options), (e: unknown) => {
    assert.ok(e instanceof InstallError);
    assert.equal(e.code, "too-big");
    assert.equal(e.message, "Could not download, raw image is too big to download in memory.");
    return true;
  });
  assert.equal(srv.seen.length, 1, "not retried");
  assert.equal(await exists(s.destination), false);
});

test("limitMessage replaces the too-big wording", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res));
  const options = s.options(srv.url, { limitBytes: 10, limitMessage: "too big for this server" });
  await assert.rejects(downloadImage(options), { message: "too big for this server" });
});

test("progress events count up to the total", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res));
  await downloadImage(s.options(srv.url, { step: "fetch" }));
  const progress = s.events.filter((e) => e.phase === "progress");
  assert.ok(progress.length >= 1);
  assert.deepEqual(progress.at(-1), { step: "fetch", phase: "progress", bytes: data.length, total: data.length });
  const bytes = progress.map((e) => e.bytes);
  assert.deepEqual(
    bytes,
    [...bytes].sort((a, b) => a - b),
  );
});

test("an unknown size gives progress with total null", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res, { length: false }));
  await downloadImage(s.options(srv.url));
  assert.deepEqual(s.events.at(-1), { step: "download", phase: "progress", bytes: data.length, total: null });
});

test("an abort stops the download, with the signal's reason, and removes the file", async () => {
  await using s = await setup();
  const controller = new AbortController();
  await using srv = await serve((_req, res) => {
    res.writeHead(200, { "content-length": data.length });
    res.write(data.subarray(0, 100_000), () => controller.abort(new Error("interrupted by SIGTERM")));
  });
  await assert.rejects(downloadImage(s.options(srv.url, { signal: controller.signal })), /interrupted by SIGTERM/);
  assert.equal(await exists(s.destination), false);
});

test("memoryLimitBytes keeps 3 GiB for the rescue system", () => {
  assert.equal(memoryLimitBytes(16 * 1024 ** 3), 13 * 1024 ** 3);
});
