// byol replay: recorded disks mapped onto this machine's by order and size, secrets given again,
// and the whole command through the real process with --dry-run.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { RequestError } from "../../agent/errors.ts";
import type { Disk, Inventory } from "../../agent/probe/types.ts";
import { writeRunRecord } from "../../agent/report/bundle.ts";
import { machineShapeFromRecord } from "../../agent/report/machine-shape.ts";
import { readRunRecord } from "../../agent/report/read.ts";
import { mapDisks, parseHeaderFlag, replayPayload } from "../../agent/report/replay.ts";
import { recordedRequest } from "../../agent/report/request-record.ts";
import { buildRunSummary } from "../../agent/report/summary.ts";
import { parseRequest } from "../../agent/request/index.ts";
import { byolRun } from "../support/byol-run.ts";
import { fabricateRun, fixtureInventory, fixtureRequest, tempDir, USER_DATA } from "./run-fixture.ts";

const GB = 1000 ** 3;
const disk = (path: string, sizeBytes: number, rotational = false): Disk => ({
  path,
  name: path.slice(5),
  sizeBytes,
  logicalSectorSize: 512,
  physicalSectorSize: 512,
  rotational,
  removable: false,
  readOnly: false,
  transport: "virtio",
});
const machine = (...disks: Disk[]): Inventory => ({
  firmware: "uefi",
  memoryBytes: 8 * 1024 ** 3,
  gptBoot: true,
  disks,
  mdArrays: [],
  mounts: [],
  nics: [],
});
const recorded = [
  { path: "/dev/sda", sizeBytes: 480 * GB },
  { path: "/dev/sdb", sizeBytes: 480 * GB },
];

test("fits: the recorded group when its disks are as many and as large", () => {
  const m = mapDisks(
    recorded,
    machine(disk("/dev/vda", 500 * GB), disk("/dev/vdb", 500 * GB), disk("/dev/vdc", 500 * GB)),
    1,
  );
  assert.equal(m.groupId, 1);
  assert.deepEqual(
    m.pairs.map((p) => [p.recorded.path, p.disk.path]),
    [
      ["/dev/sda", "/dev/vda"],
      ["/dev/sdb", "/dev/vdb"],
    ],
  );
});

test("fits: another group when the recorded one is too small here", () => {
  const here = machine(disk("/dev/vda", 20 * GB, true), disk("/dev/vdb", 500 * GB), disk("/dev/vdc", 500 * GB));
  const m = mapDisks(recorded, here, 1);
  assert.equal(m.groupId, 2);
  assert.deepEqual(
    m.pairs.map((p) => p.disk.path),
    ["/dev/vdb", "/dev/vdc"],
  );
});

test("does not fit: refused, naming the recorded disks and this machine's", () => {
  const here = machine(disk("/dev/vda", 20 * GB, true), disk("/dev/vdb", 400 * GB), disk("/dev/vdc", 400 * GB));
  assert.throws(
    () => mapDisks(recorded, here, 1),
    (error: RequestError) => {
      assert.ok(error instanceof RequestError);
      assert.equal(
        error.message,
        "the recorded disks do not fit this machine: the record wrote /dev/sda (447.0 GiB), /dev/sdb (447.0 GiB); " +
          "group 1 (/dev/vda (18.6 GiB)) has 1 disk(s); " +
          "group 2: /dev/vdb (372.5 GiB) is smaller than the recorded /dev/sda (447.0 GiB)",
      );
      return true;
    },
  );
  assert.throws(() => mapDisks(recorded, machine(), 1), /this machine has no disk/);
});

const mapping = {
  groupId: 2,
  pairs: recorded.map((r, i) => ({ recorded: r, disk: disk(`/dev/vd${"bc"[i]}`, 500 * GB) })),
};
const rec = () => recordedRequest(fixtureRequest());

test("secrets: a redacted header, a masked URL and removed user data are refused until given again", () => {
  assert.throws(
    () => replayPayload(rec(), { headers: {} }, mapping),
    (error: RequestError) => {
      assert.deepEqual(error.problems, [
        "the record's image URL had credentials, which were removed from it (https://lab:***@images.example.test/debian12.qcow2); give --image-url URL",
        "the record's httpHeaders Authorization were removed from it; give them again with --header 'Authorization: …', or give --image-url URL",
        `the record's configDriveUserData (${Buffer.byteLength(USER_DATA)} bytes, sha256 ${rec().customizations.configDriveUserData?.sha256}) was removed from it; give it again with --user-data FILE`,
      ]);
      return true;
    },
  );
});

test("secrets given again: headers, URL and user data go back in; storage points at the mapped group", () => {
  const { payload, notes } = replayPayload(
    rec(),
    {
      headers: { authorization: "Bearer new-token" },
      imageUrl: "http://10.0.2.100/debian12.qcow2",
      userData: USER_DATA,
    },
    mapping,
  );
  const parsed = parseRequest(payload);
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  assert.deepEqual(parsed.request.image.httpHeaders, { authorization: "Bearer new-token" });
  assert.equal(parsed.request.image.url, "http://10.0.2.100/debian12.qcow2");
  assert.equal(parsed.request.userData, USER_DATA);
  assert.equal(parsed.request.storage[0]?.diskGroupId, 2);
  assert.equal(parsed.request.storage[0]?.disks, 2);
  assert.deepEqual(parsed.request.storage[0]?.layout, fixtureRequest().storage[0]?.layout);
  assert.equal(parsed.request.image.checksum, undefined);
  assert.deepEqual(notes, ["image URL replaced by --image-url"]);
});

test("--image-url alone drops the removed header; other user data is noted", () => {
  const { payload, notes } = replayPayload(
    rec(),
    { headers: {}, imageUrl: "http://127.0.0.1:8080/i.qcow2", userData: "#cloud-config\n" },
    mapping,
  );
  assert.equal((payload as { customizations: Record<string, unknown> }).customizations["httpHeaders"], undefined);
  assert.equal(notes[1], "httpHeaders Authorization not sent (removed from the record, not given again)");
  assert.match(notes[2] ?? "", /^--user-data differs from the recorded user data/);
});

test("a request without secrets replays as it was", () => {
  const plain = recordedRequest(
    fixtureRequest({
      imageURL: "http://127.0.0.1:8080/i.qcow2",
      httpHeaders: undefined,
      configDriveUserData: undefined,
    }),
  );
  const { payload, notes } = replayPayload(plain, { headers: {} }, mapping);
  assert.ok(parseRequest(payload).ok);
  assert.deepEqual(notes, []);
});

test("--ssh-key: the given key replaces the recorded one", () => {
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJpZy1rZXktbm90LXJlYWwtMDAwMDAwMDAwMDAwMDAwMA rig@replay";
  const given = { headers: {}, imageUrl: "http://127.0.0.1:8080/i.qcow2", userData: USER_DATA, sshKey: key };
  const { payload, notes } = replayPayload(rec(), given, mapping);
  const parsed = parseRequest(payload);
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  assert.equal(parsed.request.sshKey, key);
  assert.ok(notes.includes("sshKey replaced by --ssh-key"), notes.join("\n"));
  const kept = replayPayload(rec(), { ...given, sshKey: undefined } as never, mapping);
  assert.equal(
    (kept.payload as { customizations: { sshKey?: string } }).customizations.sshKey,
    rec().customizations.sshKey,
  );
});

test("--header parsing", () => {
  assert.deepEqual(parseHeaderFlag("Authorization: Basic abc:def"), ["Authorization", "Basic abc:def"]);
  assert.throws(() => parseHeaderFlag("Basic-abc"), /expected 'Name: value'/);
});

test("machineShapeFromRecord: firmware, every disk with its size and sector size, memory", async () => {
  const shape = machineShapeFromRecord({ file: "x", inventory: fixtureInventory("uefi-4kn-2disks.json") });
  assert.equal(shape.firmware, "uefi");
  assert.equal(shape.disks.length, 2);
  assert.equal(shape.disks[0]?.logicalBlockSize, 4096);
  assert.equal(shape.disks[0]?.sizeGiB, Math.ceil(4000787030016 / 1024 ** 3));
  assert.equal(shape.memoryMiB, fixtureInventory("uefi-4kn-2disks.json").memoryBytes / 1024 ** 2);
  assert.throws(() => machineShapeFromRecord({ file: "x.tar" }), /x\.tar: the run record has neither/);
});

async function bundleFile(): Promise<string> {
  const run = fabricateRun("failed");
  const file = join(tempDir(), "run.tar");
  const summary = buildRunSummary(run.runDir, run.result, { runId: run.runId, operatingSystem: "byolinux_64" });
  await writeRunRecord({ file, ...run, summary });
  return file;
}

test("byol replay --dry-run: the mapping, then the plan for this machine", async () => {
  const file = await bundleFile();
  const dir = tempDir();
  const inventory = join(dir, "here.json");
  writeFileSync(
    inventory,
    JSON.stringify(machine(disk("/dev/vda", 20 * GB, true), disk("/dev/vdb", 500 * GB), disk("/dev/vdc", 500 * GB))),
  );
  const userData = join(dir, "user-data");
  writeFileSync(userData, USER_DATA);
  const refused = await byolRun("replay", file, "--dry-run", "--inventory", inventory);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /httpHeaders Authorization were removed from it/);
  const r = await byolRun(
    "replay",
    file,
    "--dry-run",
    "--inventory",
    inventory,
    "--image-url",
    "http://127.0.0.1:8080/debian12.qcow2",
    "--header",
    "Authorization: Basic bmV3OnNlY3JldA==",
    "--user-data",
    userData,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^replaying run 20250301T030000Z-bbbbbb \(byolinux_64, failed \(exit 4\): make_image_bootable/,
  );
  assert.match(r.stdout, /\ndisks: \/dev\/sda -> \/dev\/vdb, \/dev\/sdb -> \/dev\/vdc\n/);
  assert.match(r.stdout, /\nplan v3: byolinux_64, uefi, gpt, disks \/dev\/vdb \/dev\/vdc\n/);
  assert.match(r.stdout, /mdadm --create \/dev\/md0 .* \/dev\/vdb2 \/dev\/vdc2/);
  assert.doesNotMatch(r.stdout + r.stderr, /bmV3OnNlY3JldA/);
  const badKey = await byolRun("replay", file, "--dry-run", "--inventory", inventory, "--ssh-key", join(dir, "none"));
  assert.equal(badKey.code, 2);
  assert.match(badKey.stderr, /--ssh-key .*none: neither a public key line nor a readable file \(ENOENT\)/);
  const staging = await byolRun("replay", file, "--dry-run", "--inventory", inventory, "--image-staging", "disk");
  assert.equal(staging.code, 2);
  assert.match(staging.stderr, /--image-staging: expected stream or ram, got 'disk'/);
  const noDry = await byolRun("replay", file, "--inventory", inventory);
  assert.equal(noDry.code, 2);
  assert.match(noDry.stderr, /--inventory plans for another machine: it needs --dry-run/);
});

test("byol report show and diff through the real process", async () => {
  const file = await bundleFile();
  const show = await byolRun("report", "show", file);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /failing command \(step bootable-script, exit 1/);
  const json = await byolRun("report", "show", file, "--json");
  assert.equal(JSON.parse(json.stdout).exitCode, 4);
  const diff = await byolRun("report", "diff", file, file);
  assert.match(diff.stdout, /commands run:\n {2}\(the same commands/);
  const bad = await byolRun("report", "frob");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown subcommand 'frob'/);
  const record = await readRunRecord(file);
  assert.equal(record.summary.runId, "20250301T030000Z-bbbbbb");
});
