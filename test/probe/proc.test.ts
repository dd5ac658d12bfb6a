import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InstallError } from "../../agent/errors.ts";
import { parseMeminfo } from "../../agent/probe/meminfo.ts";
import { parseMounts } from "../../agent/probe/mounts.ts";
import { fixture } from "./helpers.ts";

describe("parseMeminfo", () => {
  it("turns MemTotal kB (KiB) into bytes", () => {
    assert.equal(parseMeminfo(fixture("md-leftovers", "proc", "meminfo")), 131598428 * 1024);
  });

  it("fails when MemTotal is missing", () => {
    assert.throws(() => parseMeminfo("MemFree: 10 kB\n"), InstallError);
  });
});

describe("parseMounts", () => {
  it("reads source, target and type of each line", () => {
    assert.deepEqual(parseMounts(fixture("qemu-virtio", "proc", "self", "mounts")).slice(4, 6), [
      { source: "tmpfs", target: "/run", fsType: "tmpfs" },
      { source: "/dev/vda1", target: "/", fsType: "ext4" },
    ]);
  });

  it("decodes the kernel's octal escapes and skips blank lines", () => {
    const text = "/dev/sdb1 /mnt/my\\040disk\\011tab\\134x vfat rw 0 0\n\n";
    assert.deepEqual(parseMounts(text), [{ source: "/dev/sdb1", target: "/mnt/my disk\ttab\\x", fsType: "vfat" }]);
  });
});
