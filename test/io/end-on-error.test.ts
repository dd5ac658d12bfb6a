import assert from "node:assert/strict";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { endOnError } from "../../agent/io/end-on-error.ts";

test("bytes before a source failure reach the sink, and the failure is kept", async () => {
  const body = new Readable({ read() {} });
  body.push(Buffer.from("abc"));
  body.push(Buffer.from("def"));
  setImmediate(() => body.destroy(Object.assign(new Error("cut"), { code: "ECONNRESET" })));
  const got: string[] = [];
  const ended = endOnError(body);
  await pipeline(
    ended.source,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        got.push(chunk.toString());
        cb();
      },
    }),
  );
  assert.equal(got.join(""), "abcdef");
  assert.equal((ended.error() as { code: string }).code, "ECONNRESET");
});

test("a source that ends normally has no error", async () => {
  const ended = endOnError(Readable.from([Buffer.from("x")]));
  await pipeline(ended.source, new Writable({ write: (_c, _e, cb) => cb() }));
  assert.equal(ended.error(), undefined);
});
