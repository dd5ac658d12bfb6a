// The upload decision: the probe's answer read back, skip on the same sha256, refuse when the
// executable does not fit, upload otherwise.

import assert from "node:assert/strict";
import { test } from "node:test";
import { decideUpload, parseProbe, probeScript, uploadScript } from "../../agent/remote/upload.ts";

const SHA = "a".repeat(64);
const OTHER = "b".repeat(64);
const local = { size: 100 * 1024 * 1024, sha256: SHA };

test("the probe's lines: uid, the remote copy's sha256, free KiB; junk ignored", () => {
  assert.deepEqual(parseProbe(`motd line\nuid=0\nsha256=${SHA}\navail=512000\n`), {
    uid: 0,
    sha256: SHA,
    availKiB: 512000,
  });
  assert.deepEqual(parseProbe("uid=1000\navail=\n"), { uid: 1000, sha256: undefined, availKiB: undefined });
  assert.deepEqual(parseProbe("uid=0\nsha256=not-a-hash\navail=10\n").sha256, undefined);
});

test("same sha256: skip, whatever the free space", () => {
  assert.deepEqual(decideUpload(local, { uid: 0, sha256: SHA, availKiB: 1 }), { kind: "skip" });
});

test("another or no remote copy: upload when it fits, no-space with the numbers when not", () => {
  assert.deepEqual(decideUpload(local, { uid: 0, sha256: OTHER, availKiB: 1024 * 1024 }), { kind: "upload" });
  assert.deepEqual(decideUpload(local, { uid: 0, sha256: undefined, availKiB: undefined }), { kind: "upload" });
  assert.deepEqual(decideUpload(local, { uid: 0, sha256: undefined, availKiB: 100 * 1024 }), {
    kind: "no-space",
    needKiB: 100 * 1024 + 4096,
    availKiB: 100 * 1024,
  });
});

test("the remote scripts quote the directory and never leave a half-written executable", () => {
  assert.match(probeScript("/root/my dir"), /^d='\/root\/my dir'; /);
  const up = uploadScript("/root/.byol");
  assert.match(up, /umask 077/);
  assert.match(up, /trap 'rm -f "\$d\/byol.part"' EXIT/);
  assert.ok(up.indexOf("gzip -dc") < up.indexOf("mv -f") && up.indexOf("mv -f") < up.indexOf("sha256sum"));
});
