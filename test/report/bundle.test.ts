// The run record of fabricated runs: what it holds, and that no secret of the request is in any
// of its files (acceptance criterion 1), even where a raw copy leaked into the run dir.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { writeRunRecord } from "../../agent/report/bundle.ts";
import { readRunRecord } from "../../agent/report/read.ts";
import { userDataDigest } from "../../agent/report/request-record.ts";
import { buildRunSummary } from "../../agent/report/summary.ts";
import { fabricateRun, MARKER, type RunKind, SECRETS, tempDir, USER_DATA } from "./run-fixture.ts";

async function bundle(kind: RunKind) {
  const run = fabricateRun(kind);
  const file = join(tempDir(), "out", `${run.runId}.tar`);
  const summary = buildRunSummary(run.runDir, run.result, { runId: run.runId, operatingSystem: "byolinux_64" });
  const extraFiles = [
    { name: "fstab", content: "UUID=0a1b / ext4 defaults 0 1\n" },
    { name: "sgdisk-p/sda.txt", content: "Disk /dev/sda: 937703088 sectors, 447.1 GiB\n" },
    { name: "missing", path: join(run.runDir, "nope") },
  ];
  await writeRunRecord({ file, ...run, summary, extraFiles });
  return { run, file };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

for (const kind of ["ok", "failed", "killed"] as const) {
  test(`no secret in any file of the bundle of a ${kind} run`, async () => {
    const { run, file } = await bundle(kind);
    // the run dir itself had them (the raw leak), so the check below means something
    assert.ok(readFileSync(join(run.runDir, "byol.log"), "utf8").includes(MARKER));
    const out = tempDir();
    execFileSync("tar", ["-xf", file, "-C", out]);
    const files = walk(out);
    assert.ok(files.length >= 8, `extracted ${files.length} files`);
    for (const path of files) {
      const text = readFileSync(path, "utf8");
      for (const secret of SECRETS) assert.ok(!text.includes(secret), `${path} holds ${secret}`);
    }
    assert.ok(!readFileSync(file).includes(Buffer.from(MARKER)), "the tar itself holds the marker");
  });
}

test("the bundle holds request, inventory, plan, events, journal, log, script log, extras and summary", async () => {
  const { run, file } = await bundle("failed");
  const record = await readRunRecord(file);
  assert.deepEqual(
    [...record.files.keys()],
    [
      "summary.json",
      "request.json",
      "inventory.json",
      "plan.json",
      "events.jsonl",
      "journal.jsonl",
      "byol.log",
      "make_image_bootable.log",
      "fstab",
      "sgdisk-p/sda.txt",
    ],
  );
  const listing = execFileSync("tar", ["-tf", file], { encoding: "utf8" }).trim().split("\n");
  assert.ok(listing.every((name) => name.startsWith(`${run.runId}/`)));
  assert.deepEqual(record.plan, run.plan);
  assert.deepEqual(record.inventory, run.inventory);
  assert.equal(record.summary.exitCode, 4);
  assert.equal(record.summary.error?.code, "script");
  assert.ok(record.journal.length > 10);
  assert.match(record.files.get("make_image_bootable.log")!, /cannot find EFI directory/);
});

test("request.json: header values masked, URL password masked, user data as sha256 and length", async () => {
  const { file } = await bundle("ok");
  const { request } = await readRunRecord(file);
  assert.deepEqual(request?.customizations.httpHeaders, { Authorization: "***" });
  assert.equal(request?.customizations.imageURL, "https://lab:***@images.example.test/debian12.qcow2");
  assert.deepEqual(request?.customizations.configDriveUserData, userDataDigest(USER_DATA));
  assert.equal(request?.customizations.configDriveUserData?.length, Buffer.byteLength(USER_DATA));
  assert.equal(request?.customizations.hostname, "lab-web1");
  assert.deepEqual(request?.storage[0]?.partitioning?.layout?.[0], {
    mountPoint: "/boot",
    fileSystem: "ext4",
    size: 1024,
    raidLevel: 1,
  });
});

test("the bundle appears whole or not at all: no temporary file is left, an unwritable place is named", async () => {
  const { run, file } = await bundle("ok");
  assert.deepEqual(readdirSync(join(file, "..")), [`${run.runId}.tar`]);
  const blocker = join(tempDir(), "file");
  writeFileSync(blocker, "");
  const summary = buildRunSummary(run.runDir, run.result, { runId: run.runId, operatingSystem: "byolinux_64" });
  await assert.rejects(
    writeRunRecord({ file: join(blocker, "x.tar"), ...run, summary }),
    /^Error: writing the run record .*x\.tar: /,
  );
});
