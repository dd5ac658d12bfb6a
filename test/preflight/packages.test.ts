import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { PACKAGES, packageOf, packagesOfModule, packagesTxt, rescuePackages } from "../../agent/preflight/packages.ts";

test("each tool maps to the Debian package that provides it", () => {
  assert.equal(packageOf("qemu-nbd"), "qemu-utils");
  assert.equal(packageOf("qemu-img"), "qemu-utils");
  assert.equal(packageOf("mkfs.xfs"), "xfsprogs");
  assert.equal(packageOf("sgdisk"), "gdisk");
  assert.equal(packageOf("partprobe"), "parted");
  assert.equal(packageOf("mkfs.vfat"), "dosfstools");
  assert.equal(packageOf("mcopy"), "mtools");
  assert.equal(packageOf("pvcreate"), "lvm2");
  assert.equal(packageOf("losetup"), "mount");
  assert.equal(packageOf("zpool"), "zfsutils-linux");
  assert.equal(packageOf("zfs"), "zfsutils-linux");
  assert.equal(packageOf("no-such-tool"), undefined);
});

test("no tool is listed under two packages, and no package twice", () => {
  const tools = PACKAGES.flatMap((p) => p.tools);
  assert.equal(new Set(tools).size, tools.length);
  const names = PACKAGES.map((p) => p.package);
  assert.equal(new Set(names).size, names.length);
});

test("scripts/rescue/packages.txt is the rescue part of the one list (node scripts/rescue/packages.ts)", () => {
  const committed = readFileSync(new URL("../../scripts/rescue/packages.txt", import.meta.url), "utf8");
  assert.equal(committed, packagesTxt());
  const listed = committed.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.deepEqual(listed, rescuePackages());
  assert.ok(listed.includes("qemu-utils") && listed.includes("zfsutils-linux") && !listed.includes("coreutils"));
  assert.ok(!listed.includes("zfs-dkms")); // the rescue gets its zfs modules built once (scripts/lib/zfs-kmod.sh)
});

test("a module maps to the package that builds it, with the kernel's headers for dkms", () => {
  assert.deepEqual(packagesOfModule("zfs", "6.1.0-57-amd64"), ["zfs-dkms", "linux-headers-6.1.0-57-amd64"]);
  assert.deepEqual(packagesOfModule("raid1", "6.1.0-57-amd64"), []);
});
