// The run-record collector reads the installed system's files inside the target root only:
// table-driven over the ways a file can point elsewhere (absolute and relative symlinks,
// links through directories, loops, FIFOs, devices, huge files).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pino } from "pino";
import { readInside } from "../../agent/report/read-inside.ts";
import { collectFinalFiles } from "../../agent/report/recorder.ts";

// A host file the target's links may point at; its text must never be read through them.
const outside = mkdtempSync(join(tmpdir(), "byol-outside-"));
const HOST_SECRET = "host-only-secret-text";
writeFileSync(join(outside, "hostname"), `${HOST_SECRET}\n`);

interface Case {
  name: string;
  make: (root: string) => void; // makes etc/mdadm/mdadm.conf (and whatever it needs)
  expected: string | undefined;
}

const CONF = "etc/mdadm/mdadm.conf";
const CASES: Case[] = [
  {
    name: "a regular file",
    make: (r) => writeFileSync(join(r, CONF), "ARRAY /dev/md0\n"),
    expected: "ARRAY /dev/md0\n",
  },
  {
    name: "an absolute link out of the root reads the target's own file of that name",
    make: (r) => {
      writeFileSync(join(r, "etc/hostname"), "target-host\n");
      symlinkSync(join(outside, "hostname"), join(r, CONF));
    },
    expected: undefined, // <outside>/hostname does not exist inside the root
  },
  {
    name: "/etc/hostname as an absolute link is the target's /etc/hostname",
    make: (r) => {
      writeFileSync(join(r, "etc/hostname"), "target-host\n");
      symlinkSync("/etc/hostname", join(r, CONF));
    },
    expected: "target-host\n",
  },
  {
    name: "a relative link climbing above the root stops at the root",
    make: (r) => symlinkSync(`../../../../../../../../..${outside}/hostname`, join(r, CONF)),
    expected: undefined,
  },
  {
    name: "a directory on the path that links out",
    make: (r) => {
      execFileSync("rm", ["-r", join(r, "etc/mdadm")]);
      symlinkSync(outside, join(r, "etc/mdadm"));
      writeFileSync(join(outside, "mdadm.conf"), `${HOST_SECRET}\n`);
    },
    expected: undefined,
  },
  {
    name: "a relative link inside the root is followed",
    make: (r) => {
      writeFileSync(join(r, "etc/mdadm.real"), "real\n");
      symlinkSync("../mdadm.real", join(r, CONF));
    },
    expected: "real\n",
  },
  {
    name: "a link loop",
    make: (r) => {
      symlinkSync("b", join(r, "etc/mdadm/a"));
      symlinkSync("a", join(r, "etc/mdadm/b"));
      symlinkSync("a", join(r, CONF));
    },
    expected: undefined,
  },
  { name: "a FIFO (would block)", make: (r) => execFileSync("mkfifo", [join(r, CONF)]), expected: undefined },
  {
    name: "a link to /dev/zero (never ends)",
    make: (r) => symlinkSync("/dev/zero", join(r, CONF)),
    expected: undefined,
  },
  {
    name: "a character device in the target",
    make: (r) => execFileSync("mknod", [join(r, CONF), "c", "1", "5"]),
    expected: undefined,
  },
];

for (const c of CASES) {
  test(`readInside: ${c.name}`, async () => {
    const root = mkdtempSync(join(tmpdir(), "byol-target-"));
    mkdirSync(join(root, "etc/mdadm"), { recursive: true });
    c.make(root);
    const text = await readInside(root, CONF);
    assert.equal(text, c.expected);
    assert.ok(!(text ?? "").includes(HOST_SECRET));
  });
}

test("readInside: only the first bytes of a huge file", async () => {
  const root = mkdtempSync(join(tmpdir(), "byol-target-"));
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc/fstab"), "x".repeat(3000));
  assert.equal((await readInside(root, "etc/fstab", 1000))?.length, 1000);
});

test("collectFinalFiles: mdadm.conf -> /etc/hostname does not pull the host's file into the record", async () => {
  const root = mkdtempSync(join(tmpdir(), "byol-target-"));
  mkdirSync(join(root, "etc/mdadm"), { recursive: true });
  writeFileSync(join(root, "etc/fstab"), "UUID=1 / ext4 defaults 0 1\n");
  symlinkSync("/etc/hostname", join(root, CONF));
  const plan = { targetRoot: root, disks: [] } as never;
  const files = await collectFinalFiles(
    { runner: { run: async () => assert.fail() }, log: pino({ level: "silent" }) },
    plan,
  );
  assert.deepEqual(
    files.map((f) => f.name),
    ["fstab"],
  );
});
