// Acceptance, in the rescue VM: a whole `byol install --no-reboot` of a small qcow2 built here (one
// ext4 partition with owners, modes, hard links, xattrs, a sparse file and a trivial
// make_image_bootable.sh), served over HTTP from this guest. Then a script that exits 1: exit 4,
// OVH's message with the script's last lines, and nothing left behind.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildTestImage } from "../../fixtures/images/test-image.ts";
import { assertClean, diskGroup, exclusive, must, requestIn, SKIP, scrub, spawnByol } from "./support/install.ts";
import { assertNothingHeld, FULL_INSTALL_FLAGS, EFI_SCRIPT as SCRIPT, withShell } from "./support/records.ts";

const TIMEOUT = 20 * 60_000;
// On the rescue's root filesystem: its /tmp is a tmpfs, which (kernel 6.1) has no user.* xattrs
const DIR = "/var/tmp/byol-image-install";

const FAILING = `#!/bin/sh
for i in $(seq 1 60); do echo "make_image_bootable: line $i"; done
echo "make_image_bootable: something went wrong" >&2
exit 1
`;

let server: Server;
let base = "";
const files = new Map<string, Buffer>();

describe("byol install of a qcow2 image in the rescue VM", { skip: SKIP, concurrency: false }, () => {
  before(async () => {
    const ram = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1]) * 1024;
    assert.ok(
      ram > 3.5 * 1024 ** 3,
      `OVH's RAM rule (image < RAM - 3 GiB) needs a VM with 4 GiB: test/vm/machine.json memoryMiB`,
    );
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    files.set(
      "good.qcow2",
      readFileSync(
        buildTestImage(DIR, "good.qcow2", { format: "qcow2", sizeMiB: 256, script: SCRIPT, populate: withShell }),
      ),
    );
    files.set(
      "fails.qcow2",
      readFileSync(buildTestImage(DIR, "fails.qcow2", { format: "qcow2", script: FAILING, populate: withShell })),
    );
    server = createServer((req, res) => {
      const data = files.get((req.url ?? "").slice(1));
      if (data === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { "content-length": data.length }).end(data);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.close();
  });

  it("installs, and the target holds the image's files intact", { timeout: TIMEOUT }, async () => {
    const disk = diskGroup(1)[0]!;
    await exclusive(async () => {
      scrub([disk]);
      const run = await byolInstall("good", "good.qcow2", "vm-image");
      assert.equal(run.code, 0, `exit code; result: ${JSON.stringify(run.events.at(-1))}; stderr: ${run.stderr}`);
      const started = run.events.filter((e) => e["phase"] === "start").map((e) => e["step"]);
      for (const step of ["download", "inspect", "wipe", "attach", "copy", "configure", "bootable-script", "finish"]) {
        assert.ok(started.includes(step), `step ${step} ran: ${started.join(" ")}`);
      }
      assert.ok(
        run.events.some((e) => e["step"] === "copy" && e["phase"] === "progress"),
        "copy progress events",
      );
      // the script's output: live as events, whole in the run dir
      const lines = run.events.filter((e) => e["step"] === "bootable-script" && e["phase"] === "log");
      assert.ok(
        lines.some((e) => e["message"] === "make_image_bootable: done"),
        JSON.stringify(lines),
      );
      const log = readFileSync(join(run.runDir, "make_image_bootable.log"), "utf8");
      assert.match(log, /make_image_bootable: starting on x86_64\n/);
      assert.match(log, /make_image_bootable: done\n/);
      const journal = readFileSync(join(run.runDir, "journal.jsonl"), "utf8");
      assert.match(journal, /"argv":\["chroot","\/tmp\/a","\/root\/.ovh\/make_image_bootable.sh"\]/);
      assertNothingHeld();

      const root = rootDevice(run.runDir);
      const mnt = join(DIR, "check");
      mkdirSync(mnt, { recursive: true });
      must("mount", ["-o", "ro", root, mnt]);
      try {
        const owned = statSync(join(mnt, "srv/data/owned"));
        assert.deepEqual([owned.uid, owned.gid, owned.mode & 0o7777], [1234, 5678, 0o640]);
        assert.equal(statSync(join(mnt, "srv/data/setuid")).mode & 0o7777, 0o4755);
        const a = statSync(join(mnt, "srv/data/linked"));
        const b = statSync(join(mnt, "srv/data/linked-too"));
        assert.equal(a.ino, b.ino, "hard link kept");
        assert.equal(a.nlink, 2);
        assert.equal(getXattr(join(mnt, "srv/data/xattr"), "user.byol"), "kept");
        assert.equal(getXattr(join(mnt, "srv/data/xattr"), "trusted.byol"), "kept-too");
        const sparse = statSync(join(mnt, "srv/data/sparse"));
        assert.equal(sparse.size, 8 * 1024 * 1024 + "the end\n".length);
        assert.ok(sparse.blocks * 512 < 1024 * 1024, `sparse file stayed sparse: ${sparse.blocks} blocks`);
        assert.ok(existsSync(join(mnt, "root/.ovh/ran")), "the script ran in the chroot of the target");
        assert.equal(readFileSync(join(mnt, "etc/hostname"), "utf8"), "vm-image\n");
        assert.match(readFileSync(join(mnt, "etc/hosts"), "utf8"), /^127\.0\.1\.1\tvm-image$/m);
        // fstab resolves: every UUID in it is a filesystem on the machine, / and swap and the ESP are there
        const fstab = readFileSync(join(mnt, "etc/fstab"), "utf8");
        const uuids = [...fstab.matchAll(/^UUID=(\S+)\s+(\S+)/gm)].map((m) => ({ uuid: m[1]!, where: m[2]! }));
        assert.deepEqual(uuids.map((u) => u.where).sort(), ["/", "/boot/efi", "none"], fstab);
        const known = must("blkid", ["-c", "/dev/null", "-s", "UUID", "-o", "value"]).split("\n");
        for (const u of uuids) assert.ok(known.includes(u.uuid), `UUID ${u.uuid} (${u.where}) exists: ${fstab}`);
        assert.match(fstab, /^tmpfs \/tmp tmpfs defaults,size=1G 0 0$/m, "the image's tmpfs line kept");
        assert.doesNotMatch(fstab, /0000-old|\/dev\/sda2/, "the image's old disk lines dropped");
      } finally {
        must("umount", [mnt]);
      }
      scrub([disk]);
      assertClean([disk]);
    });
  });

  it(
    "a script that exits 1: exit 4, its last lines in the message, everything released",
    { timeout: TIMEOUT },
    async () => {
      const disk = diskGroup(1)[0]!;
      await exclusive(async () => {
        scrub([disk]);
        const run = await byolInstall("fails", "fails.qcow2", "vm-image-fails");
        const result = run.events.at(-1) as {
          phase: string;
          exitCode: number;
          error: { code: string; message: string };
        };
        assert.equal(result?.phase, "result", `code ${run.code}; stderr: ${run.stderr}`);
        assert.equal(run.code, 4, JSON.stringify(result));
        assert.equal(result.exitCode, 4);
        const [first, ...tail] = result.error.message.split("\n");
        assert.equal(first, "The script did not end properly (exit code 1); last 50 lines of its output:");
        assert.equal(tail.length, 50);
        // stdout and stderr interleave by line in arrival order: 61 lines, the last 50 of them
        assert.ok(tail.includes("make_image_bootable: something went wrong"), tail.join("\n"));
        assert.ok(tail.includes("make_image_bootable: line 60") && !tail.includes("make_image_bootable: line 10"));
        assert.match(readFileSync(join(run.runDir, "make_image_bootable.log"), "utf8"), /line 1\n[\s\S]*line 60\n/);
        const state = JSON.parse(readFileSync(join(run.runDir, "current.json"), "utf8"));
        assert.equal(state.tablesReset, true);
        assertNothingHeld();
        assertClean([disk]);
      });
    },
  );
});

interface Run {
  code: number | null;
  stderr: string;
  events: Record<string, unknown>[];
  runDir: string;
}

async function byolInstall(name: string, image: string, hostname: string): Promise<Run> {
  const dir = join(DIR, name);
  const data = files.get(image)!;
  const body = {
    operatingSystem: "byolinux_64",
    customizations: {
      hostname,
      imageURL: `${base}/${image}`,
      imageType: "qcow2",
      imageCheckSum: createHash("sha512").update(data).digest("hex"),
      imageCheckSumType: "sha512",
    },
    storage: [
      {
        diskGroupId: 1,
        partitioning: {
          disks: 1,
          layout: [
            { mountPoint: "/", fileSystem: "ext4", size: 0 },
            { mountPoint: "swap", fileSystem: "swap", size: 128 },
          ],
        },
      },
    ],
  };
  const requestFile = requestIn(dir, body);
  const runDir = join(dir, "run");
  const args = ["install", "--request", requestFile, ...FULL_INSTALL_FLAGS];
  const { code, stderr, events } = await spawnByol([...args, "--run-dir", runDir]);
  return { code, stderr, events, runDir };
}

// The device the run mounted on /tmp/a, from its journal.
function rootDevice(runDir: string): string {
  const entries = readFileSync(join(runDir, "journal.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { argv: string[] });
  const m = entries.find((e) => e.argv[0] === "mount" && e.argv.at(-1) === "/tmp/a");
  assert.ok(m, "the journal has the mount of /tmp/a");
  return m.argv.at(-2)!;
}

function getXattr(path: string, name: string): string {
  return must("python3", [
    "-c",
    "import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2]).decode())",
    path,
    name,
  ]).trim();
}
