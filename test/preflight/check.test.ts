import assert from "node:assert/strict";
import { test } from "node:test";
import { checkNeeds, type Host, missingLine, preflight } from "../../agent/preflight/check.ts";
import type { Needs } from "../../agent/preflight/needs.ts";

const needs: Needs = { tools: ["mkfs.xfs", "qemu-nbd", "sgdisk"], kernel: ["nbd"], uefi: false, imageInRam: true };
const GIB = 1024 ** 3;

function host(present: Set<string>): Host {
  return { onPath: (t) => present.has(t), exists: (p) => p === "/sys/module/nbd", modules: () => "" };
}

test("the line names each missing tool with its package", () => {
  assert.equal(
    missingLine([
      { tool: "qemu-nbd", package: "qemu-utils" },
      { tool: "mkfs.xfs", package: "xfsprogs" },
    ]),
    "missing tools: qemu-nbd (qemu-utils), mkfs.xfs (xfsprogs); rerun with --install-missing",
  );
});

test("missing tools, kernel features, RAM: each a problem", () => {
  const r = checkNeeds(
    needs,
    { firmware: "bios", memoryBytes: 2 * GIB },
    { ...host(new Set(["sgdisk"])), exists: () => false },
  );
  assert.equal(r.ok, false);
  assert.deepEqual(r.packages, ["xfsprogs", "qemu-utils"]);
  assert.deepEqual(r.kernel, ["nbd"]);
  assert.deepEqual(r.problems, [
    "missing tools: mkfs.xfs (xfsprogs), qemu-nbd (qemu-utils); rerun with --install-missing",
    "the kernel lacks nbd (neither loaded, built in nor installed as modules)",
    "2147483648 bytes of RAM leave no room for an image (the rescue keeps 3 GiB)",
  ]);
});

test("a module named in modules.dep with dashes counts", () => {
  const dep = "kernel/drivers/md/dm-mod.ko.xz:\nkernel/drivers/block/nbd.ko.xz:\n";
  const r = checkNeeds(
    { ...needs, tools: [], kernel: ["dm_mod", "nbd"] },
    { firmware: "bios", memoryBytes: 8 * GIB },
    { onPath: () => true, exists: () => false, modules: () => dep },
  );
  assert.equal(r.ok, true, r.problems.join("\n"));
});

test("--install-missing: one apt-get install of the missing packages, then everything checked again", async () => {
  const present = new Set(["sgdisk"]);
  const runs: string[][] = [];
  const runner = {
    run: async (argv: readonly string[]) => {
      runs.push([...argv]);
      present.add("mkfs.xfs").add("qemu-nbd"); // what apt-get brought
      return { id: 1, argv: [...argv], exitCode: 0, durationMs: 1, stdout: "", stderr: "" };
    },
  };
  const r = await preflight({
    needs,
    firmware: "bios",
    memoryBytes: 8 * GIB,
    installMissing: true,
    runner,
    host: host(present),
  });
  assert.deepEqual(runs, [
    ["apt-get", "update"],
    ["apt-get", "install", "-y", "--no-install-recommends", "xfsprogs", "qemu-utils"],
  ]);
  assert.equal(r.ok, true, r.problems.join("\n"));
  assert.deepEqual(r.installed, ["xfsprogs", "qemu-utils"]);
  const without = await preflight({
    needs,
    firmware: "bios",
    memoryBytes: 8 * GIB,
    installMissing: false,
    runner,
    host: host(new Set()),
  });
  assert.equal(without.ok, false);
  assert.equal(runs.length, 2, "nothing installed without --install-missing");
});

test("ZFS: zpool and zfs come from zfsutils-linux, the zfs module from zfs-dkms with the running kernel's headers", async () => {
  const zfsNeeds: Needs = { tools: ["sgdisk", "zfs", "zpool"], kernel: ["zfs"], uefi: false, imageInRam: false };
  const present = new Set(["sgdisk"]);
  let modules = "kernel/drivers/md/raid1.ko:\n";
  const zfsHost: Host = {
    onPath: (t) => present.has(t),
    exists: () => false,
    modules: () => modules,
    kernelRelease: () => "6.1.0-57-amd64",
  };
  const first = checkNeeds(zfsNeeds, { firmware: "bios", memoryBytes: 8 * GIB }, zfsHost);
  assert.deepEqual(first.packages, ["zfsutils-linux", "zfs-dkms", "linux-headers-6.1.0-57-amd64"]);
  assert.deepEqual(first.problems, [
    "missing tools: zfs (zfsutils-linux), zpool (zfsutils-linux); rerun with --install-missing",
    "the kernel lacks zfs (neither loaded, built in nor installed as modules); rerun with --install-missing (zfs-dkms linux-headers-6.1.0-57-amd64)",
  ]);
  const runs: string[][] = [];
  const runner = {
    run: async (argv: readonly string[]) => {
      runs.push([...argv]);
      present.add("zfs").add("zpool");
      modules += "updates/dkms/zfs.ko: updates/dkms/spl.ko\n"; // what dkms built during apt-get install
      return { id: 1, argv: [...argv], exitCode: 0, durationMs: 1, stdout: "", stderr: "" };
    },
  };
  const r = await preflight({
    needs: zfsNeeds,
    firmware: "bios",
    memoryBytes: 8 * GIB,
    installMissing: true,
    runner,
    host: zfsHost,
  });
  assert.deepEqual(runs.at(-1), [
    "apt-get",
    "install",
    "-y",
    "--no-install-recommends",
    "zfsutils-linux",
    "zfs-dkms",
    "linux-headers-6.1.0-57-amd64",
  ]);
  assert.equal(r.ok, true, r.problems.join("\n"));
});
