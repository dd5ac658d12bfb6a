// The valid fixtures the planner tests use parse to the layouts they are named after.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LayoutEntry } from "../../agent/request/index.ts";
import { accepted, loadFixture } from "./fixture.ts";

function group(name: string) {
  const request = accepted(loadFixture(name));
  assert.equal(request.operatingSystem, "byolinux_64");
  assert.equal(request.image.url.startsWith("http://127.0.0.1"), true);
  assert.equal(request.storage.length, 1);
  return request.storage[0]!;
}

const e = (
  mountPoint: string,
  fileSystem: LayoutEntry["fileSystem"],
  sizeMiB: number,
  raidLevel?: 0 | 1 | 5 | 6 | 10,
  lvName?: string,
): LayoutEntry => ({
  mountPoint,
  fileSystem,
  sizeMiB,
  ...(raidLevel === undefined ? {} : { raidLevel }),
  ...(lvName === undefined ? {} : { lvName }),
});

describe("planner fixtures", () => {
  it("byolinux-zfs: /data a ZFS mirror in pool data next to ext4 RAID1", () => {
    const g = group("byolinux-zfs.json");
    assert.equal(g.disks, 2);
    assert.deepEqual(g.layout.at(-1), {
      mountPoint: "/data",
      fileSystem: "zfs",
      sizeMiB: 0,
      raidLevel: 1,
      zpName: "data",
    });
  });

  it("byolinux-1disk: the default layout", () => {
    const g = group("byolinux-1disk.json");
    assert.equal(g.defaultLayout, true);
    assert.equal(g.disks, undefined);
    assert.deepEqual(g.layout, [e("/boot", "ext4", 1024), e("swap", "swap", 1024), e("/", "ext4", 0)]);
  });

  it("byolinux-raid1", () => {
    const g = group("byolinux-raid1.json");
    assert.equal(g.disks, 2);
    assert.deepEqual(g.layout, [e("/boot", "ext4", 1024, 1), e("swap", "swap", 1024), e("/", "ext4", 0, 1)]);
  });

  it("byolinux-raid5", () => {
    const g = group("byolinux-raid5.json");
    assert.equal(g.disks, 3);
    assert.deepEqual(g.layout, [e("/boot", "ext4", 1024, 1), e("swap", "swap", 2048), e("/", "xfs", 0, 5)]);
  });

  it("byolinux-raid10-lvm", () => {
    const g = group("byolinux-raid10-lvm.json");
    assert.equal(g.disks, 4);
    assert.deepEqual(g.layout, [
      e("/boot", "ext4", 1024, 1),
      e("/", "ext4", 20480, 10, "root"),
      e("/var", "xfs", 0, 10, "var"),
      e("swap", "swap", 1024),
    ]);
  });

  it("byolinux-mbr-data", () => {
    const g = group("byolinux-mbr-data.json");
    assert.equal(g.disks, 1);
    assert.deepEqual(g.layout, [
      e("/boot", "ext4", 1024),
      e("swap", "swap", 1024),
      e("/", "ext4", 20480),
      e("/data", "ext4", 0),
    ]);
  });
});
