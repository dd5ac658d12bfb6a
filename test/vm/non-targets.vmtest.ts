// Disks that are not targets stay as they were, for real in the rescue VM (issue 15):
// - a RAID1 of a target disk and a disk that is not one: the install is refused with exit 3
//   and the array's data is unchanged; with --break-arrays only the target leaves the array,
//   which keeps running on the other disk with its data unchanged;
// - a removable USB stick, which sorts first by name (/dev/sda), is never written.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  assertDone,
  BYOL,
  cleanup,
  diskGroup,
  exclusive,
  install,
  mdDetail,
  must,
  request,
  SKIP,
  scrub,
  sh,
  vmDisks,
} from "./support/install.ts";

const TIMEOUT = 15 * 60_000;
const MD = "/dev/md42";

// sha256 of a block device's content: the whole of it, or its first `bytes`.
function sha256sum(device: string, bytes?: number): string {
  const read = bytes === undefined ? `cat ${device}` : `head -c ${bytes} ${device}`;
  return must("sh", ["-c", `${read} | sha256sum`]).split(" ")[0] ?? "";
}

// A RAID1 of partition 2 of both disks, with an ext4 filesystem holding a file; returns nothing.
function raid1Across(disks: readonly [string, string]): void {
  for (const d of disks) must("sgdisk", ["-n", "1:0:+64M", "-t", "1:8300", "-n", "2:0:+512M", "-t", "2:fd00", d]);
  for (const d of disks) must("partprobe", [d]);
  must("udevadm", ["settle"]);
  must("mdadm", [
    "--create",
    MD,
    "--run",
    "--level=1",
    "--raid-devices=2",
    "--metadata=1.2",
    "--assume-clean",
    `${disks[0]}2`,
    `${disks[1]}2`,
  ]);
  must("mkfs.ext4", ["-F", "-q", "-L", "keepme", MD]);
  must("mkdir", ["-p", "/mnt/keep"]);
  must("mount", [MD, "/mnt/keep"]);
  must("dd", ["if=/dev/urandom", "of=/mnt/keep/data", "bs=1M", "count=8", "status=none"]);
  must("umount", ["/mnt/keep"]);
  must("sync", []);
}

const journalOf = (runDir: string) => readFileSync(`${runDir}/journal.jsonl`, "utf8");
// Every command the run ran, one line each (lsblk's output in the journal names every disk).
const commandsOf = (runDir: string) =>
  journalOf(runDir)
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { argv: string[] }).argv.join(" "));

describe("disks that are not targets", { skip: SKIP, concurrency: false }, () => {
  it(
    "refuses a RAID1 of a target and another disk (exit 3), and with --break-arrays keeps the other disk's data",
    { timeout: TIMEOUT },
    async () => {
      const [target, other] = diskGroup(1) as [string, string];
      await exclusive(async () => {
        scrub([target, other]);
        try {
          raid1Across([target, other]);
          const before = sha256sum(MD);
          const storage = [{ diskGroupId: 1, partitioning: { disks: 1 } }];

          const refused = await install("span-refused", request(storage, "vm-span"));
          const result = refused.events.at(-1);
          assert.equal(refused.code, 3, `exit 3; stdout: ${refused.stdout}\nstderr: ${refused.stderr}`);
          const message = String((result?.["error"] as { message?: string } | undefined)?.message);
          assert.match(message, new RegExp(`${MD}.*${other}2.*--break-arrays`), message);
          assert.ok(!message.includes("\n"), "one line");
          assert.equal(
            refused.events.filter((e) => e["phase"] === "start" && e["step"] === "wipe").length,
            0,
            "no disk step ran",
          );
          assert.match(must("cat", ["/proc/mdstat"]), /md42 : active raid1/, "the array still runs");
          assert.deepEqual(mdDetail(MD).devices.sort(), [`${target}2`, `${other}2`].sort());
          assert.equal(sha256sum(MD), before, "the array's filesystem is unchanged");
          assert.equal(cleanup(refused).status, 0);

          const broke = await install("span-broken", request(storage, "vm-span"), undefined, ["--break-arrays"]);
          try {
            assertDone(broke);
            const commands = commandsOf(broke.runDir);
            assert.ok(commands.includes(`mdadm ${MD} --fail ${target}2 --remove ${target}2`), commands.join("\n"));
            assert.ok(
              !commands.some((c) => c.includes(MD) && !c.includes("--fail")),
              "the array is never wiped or stopped",
            );
            assert.ok(!commands.some((c) => c.includes(other)), `${other} is never named in a command`);
          } finally {
            assert.equal(cleanup(broke).status, 0);
          }
          const detail = mdDetail(MD);
          assert.deepEqual(detail.devices, [`${other}2`], "the array keeps running on the other disk alone");
          assert.equal(sha256sum(MD), before, "the other disk's data is unchanged");
          assert.equal(sh("fsck.ext4", ["-n", "-f", MD]).status, 0, "its filesystem is clean");
        } finally {
          sh("mdadm", ["--stop", MD]);
          scrub([target, other]);
        }
      });
    },
  );

  it("never writes a removable USB stick at the first name", { timeout: TIMEOUT }, async () => {
    const stick = vmDisks().find((d) => d.removable);
    assert.ok(stick, "test/vm/machine.json has a USB stick");
    assert.equal(stick.guestDevice, "/dev/sda", "it sorts first by name");
    const lsblk = must("lsblk", ["-J", "-d", "-o", "NAME,RM,HOTPLUG,TRAN", stick.guestDevice]);
    assert.match(lsblk, /"rm":\s*true/, lsblk);
    const [first] = diskGroup(1) as [string];
    await exclusive(async () => {
      scrub([first]);
      // something worth keeping on the stick: a table and a filesystem
      must("sgdisk", ["-n", "1:0:+256M", "-t", "1:0700", stick.guestDevice]);
      must("partprobe", [stick.guestDevice]);
      must("udevadm", ["settle"]);
      must("mkfs.ext4", ["-F", "-q", "-L", "stick", `${stick.guestDevice}1`]);
      must("sync", []);
      const head = 300 * 1024 * 1024;
      const before = sha256sum(stick.guestDevice, head);

      const inventory = JSON.parse(must(process.execPath, [BYOL, "inventory", "--json"])) as {
        disks: { path: string }[];
        excluded: { path: string; reasons: string[] }[];
      };
      assert.ok(!inventory.disks.some((d) => d.path === stick.guestDevice), "the stick is not a target");
      const excluded = inventory.excluded.find((d) => d.path === stick.guestDevice);
      assert.ok(excluded?.reasons.includes("removable"), JSON.stringify(inventory.excluded));
      assert.match(must(process.execPath, [BYOL, "inventory"]), /\/dev\/sda excluded, never a target: removable/);

      const run = await install("usb-stick", request([{ diskGroupId: 1, partitioning: { disks: 1 } }], "vm-usb"));
      try {
        assertDone(run);
        const commands = commandsOf(run.runDir);
        assert.ok(!commands.some((c) => c.includes("/dev/sda")), `no command names the stick: ${commands.join("\n")}`);
      } finally {
        assert.equal(cleanup(run).status, 0);
      }
      assert.equal(sha256sum(stick.guestDevice, head), before, "the stick is unchanged");
      assert.equal(sh("blkid", ["-o", "value", "-s", "LABEL", `${stick.guestDevice}1`]).stdout.trim(), "stick");
      sh("wipefs", ["-a", "-f", `${stick.guestDevice}1`]);
      sh("sgdisk", ["-Z", stick.guestDevice]);
      scrub([first]);
    });
  });
});
