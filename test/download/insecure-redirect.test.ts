// A redirect from https to http is refused unless allowed: a real TLS server (a throw-away
// self-signed certificate made with openssl) redirecting to a plain HTTP one.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Agent } from "undici";
import { openImage } from "../../agent/download/http.ts";
import { RedirectError } from "../../agent/errors.ts";
import { image, send, serve } from "../support/image-server.ts";

const dir = mkdtempSync(join(tmpdir(), "byol-tls-"));
after(() => rmSync(dir, { recursive: true, force: true }));
execFileSync(
  "openssl",
  [
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
    ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
  ],
  { stdio: "ignore" },
);
const data = image(10_000);

async function tlsRedirect(location: string) {
  const server = createServer(
    { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
    (_req, res) => res.writeHead(302, { location }).end(),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/img`;
  return { url, [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
after(() => dispatcher.close());

test("https -> http is refused by default, before anything is asked of the http server", async () => {
  await using plain = await serve((req, res) => send(data, req, res));
  await using tls = await tlsRedirect(`${plain.url}/img`);
  const target = { url: tls.url, headers: { authorization: "Bearer s3cret" } };
  await assert.rejects(openImage(target, {}, { dispatcher }), (e: unknown) => {
    assert.ok(e instanceof RedirectError);
    assert.match(e.message, /^refused a redirect from https to http \(127\.0\.0\.1:\d+\); --allow-insecure-redirect/);
    return true;
  });
  assert.equal(plain.seen.length, 0);
});

test("with the flag the redirect is followed, and the credentials stay with the https origin", async () => {
  await using plain = await serve((req, res) => send(data, req, res));
  await using tls = await tlsRedirect(`${plain.url}/img`);
  const target = { url: tls.url, headers: { authorization: "Bearer s3cret" } };
  const res = await openImage(target, {}, { dispatcher, allowInsecureRedirect: true });
  assert.equal(res.status, 200);
  res.discard();
  assert.equal(plain.seen.length, 1);
  assert.equal(plain.seen[0]?.headers.authorization, undefined);
});

test("http -> https and https -> https need no flag", async () => {
  await using tls = await tlsRedirect("https://127.0.0.1:1/elsewhere");
  await using plain = await serve((_req, res) => res.writeHead(302, { location: tls.url }).end());
  // the chain http -> https -> https reaches port 1, where nothing listens: a network error, no RedirectError
  await assert.rejects(openImage({ url: plain.url, headers: {} }, {}, { dispatcher }), (e: unknown) => {
    assert.ok(!(e instanceof RedirectError), String(e));
    return true;
  });
});
