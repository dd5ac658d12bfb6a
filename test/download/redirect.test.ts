import assert from "node:assert/strict";
import { test } from "node:test";
import { downloadImage } from "../../agent/download/image.ts";
import { image, send, serve } from "../support/image-server.ts";
import { setup } from "./setup.ts";

const data = image(100_000);
const headers = { Authorization: "Bearer s3cr3t-t0ken", "X-Image-Token": "tok-98765" };
const basic = (pair: string) => `Basic ${Buffer.from(pair).toString("base64")}`;

test("the request's headers reach the image's origin", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res));
  await downloadImage(s.options(`${srv.url}/img`, { headers }));
  assert.equal(srv.seen[0]?.headers.authorization, headers.Authorization);
  assert.equal(srv.seen[0]?.headers["x-image-token"], headers["X-Image-Token"]);
});

test("a redirect to another origin drops the headers; one within the origin keeps them", async () => {
  await using s = await setup();
  await using other = await serve((req, res) => send(data, req, res));
  await using srv = await serve((req, res) => {
    if (req.url === "/img") res.writeHead(302, { location: "/moved" }).end();
    else res.writeHead(307, { location: `${other.url}/final` }).end();
  });
  const result = await downloadImage(s.options(`${srv.url}/img`, { headers }));
  assert.equal(result.bytes, data.length);
  assert.deepEqual(
    srv.seen.map((r) => [r.path, r.headers.authorization, r.headers["x-image-token"]]),
    [
      ["/img", headers.Authorization, headers["X-Image-Token"]],
      ["/moved", headers.Authorization, headers["X-Image-Token"]],
    ],
  );
  assert.equal(other.seen[0]?.path, "/final");
  assert.equal(other.seen[0]?.headers.authorization, undefined);
  assert.equal(other.seen[0]?.headers["x-image-token"], undefined);
});

test("URL credentials become Basic auth for that origin only, and leave the URL", async () => {
  await using s = await setup();
  await using other = await serve((req, res) => send(data, req, res));
  await using srv = await serve((_req, res) => res.writeHead(301, { location: `${other.url}/x` }).end());
  await downloadImage(s.options(srv.url.replace("//", "//user:p%40ss@")));
  assert.equal(srv.seen[0]?.headers.authorization, basic("user:p@ss"));
  assert.equal(srv.seen[0]?.path, "/");
  assert.equal(other.seen[0]?.headers.authorization, undefined);
});

test("an explicit Authorization header wins over URL credentials", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res));
  await downloadImage(s.options(srv.url.replace("//", "//user:pass@"), { headers: { authorization: "Bearer x1234" } }));
  assert.deepEqual(srv.seen[0]?.headers.authorization, "Bearer x1234");
});

test("more than 10 redirects fail", async () => {
  await using s = await setup();
  await using srv = await serve((_req, res, n) => res.writeHead(302, { location: `/r${n}` }).end());
  await assert.rejects(downloadImage(s.options(srv.url)), {
    code: "download",
    message: "Could not download image: more than 10 redirects",
  });
  assert.equal(srv.seen.length, 11);
});

test("errors and events never carry the Authorization value or the URL password", async () => {
  const secrets = ["s3cr3t-t0ken", "tok-98765", "hunter22", basic("admin:hunter22").slice(6)];
  for (const respond of [401, 503, "cut", "refused"] as const) {
    await using s = await setup();
    // a cut without Range support makes no lasting progress, so the attempts run out
    await using srv = await serve((req, res) => {
      if (respond === "cut") send(data, req, res, { cutAt: 1000, ranges: false });
      else res.writeHead(respond as number).end();
    });
    const url = srv.url.replace("//", "//admin:hunter22@");
    if (respond === "refused") await srv[Symbol.asyncDispose]();
    const retry = { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 };
    const error = await downloadImage(s.options(url, { headers, retry })).then(
      () => assert.fail("should fail"),
      (e: Error) => e,
    );
    assert.match(error.message, /^Could not download image: /);
    const text = [error.message, String(error), error.stack, JSON.stringify(s.events)].join("\n");
    for (const secret of secrets) assert.ok(!text.includes(secret), `${respond}: ${secret} leaked in ${text}`);
  }
});
