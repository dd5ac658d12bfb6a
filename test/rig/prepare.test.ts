import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { descendants, workMounts } from "../../scripts/rig/prepare.ts";

describe("descendants", () => {
  it("finds children and grandchildren, not siblings or the parent", () => {
    const parents = new Map([
      [10, 1],
      [20, 10],
      [21, 10],
      [30, 20],
      [40, 1],
      [41, 40],
    ]);
    assert.deepEqual(descendants(10, parents), [20, 21, 30]);
    assert.deepEqual(descendants(30, parents), []);
  });
});

describe("workMounts", () => {
  const dir = "/root/.cache/byol/images";
  const mounts = [
    "proc /proc proc rw 0 0",
    `proc ${dir}/.work-rootfs-debian12-4242/root/proc proc ro 0 0`,
    `none ${dir}/.work-rootfs-debian12-4242/root/dev/pts devpts rw 0 0`,
    `none ${dir}/.work-rootfs-debian12-4242/root/dev/pts devpts rw 0 0`,
    `sys ${dir}/.work-rootfs-debian12-42/root/sys sysfs ro 0 0`,
    `sys ${dir}/.work-rootfs-debian12-42420/root/sys sysfs ro 0 0`,
    `/dev/loop0 ${dir}/.work-byolinux-debian12-4242/mnt\\040x ext4 rw 0 0`,
  ].join("\n");

  it("lists the mounts under this pid's work folders only, deepest first, once each", () => {
    assert.deepEqual(workMounts(mounts, dir, 4242), [
      `${dir}/.work-rootfs-debian12-4242/root/dev/pts`,
      `${dir}/.work-rootfs-debian12-4242/root/proc`,
      `${dir}/.work-byolinux-debian12-4242/mnt x`,
    ]);
    assert.deepEqual(workMounts(mounts, dir, 1), []);
  });
});
