import assert from "node:assert/strict";
import { test } from "node:test";
import { inspectReach, type Machine } from "../../agent/image/reach.ts";

// A machine with every program on PATH and every path present, minus what `without` names.
function machine(over: { root?: boolean; without?: string[] } = {}): Machine {
  const without = new Set(over.without ?? []);
  return { root: over.root ?? true, onPath: (p) => !without.has(p), exists: (p) => !without.has(p) };
}

test("a full machine looks inside: FUSE first for qcow2", () => {
  assert.deepEqual(inspectReach("qcow2", machine()), { qemuImg: true, lookInside: "fuse", notChecked: [] });
  assert.deepEqual(inspectReach("raw", machine({ without: ["qemu-img", "qemu-nbd"] })).notChecked, []);
});

test("qcow2 without FUSE falls back to nbd, and without either says so", () => {
  const nbd = inspectReach("qcow2", machine({ without: ["/dev/fuse"] }));
  assert.equal(nbd.lookInside, "nbd");
  const neither = inspectReach(
    "qcow2",
    machine({ without: ["qemu-storage-daemon", "/sys/module/nbd", "/sys/block/nbd0"] }),
  );
  assert.equal(neither.lookInside, undefined);
  assert.equal(neither.qemuImg, true);
  assert.match(neither.notChecked[0] ?? "", /^make_image_bootable\.sh .*: a qcow2 needs qemu-storage-daemon with FUSE/);
});

test("without root nothing is mounted, and the reason is given", () => {
  const r = inspectReach("raw", machine({ root: false }));
  assert.equal(r.lookInside, undefined);
  assert.deepEqual(r.notChecked, [
    "make_image_bootable.sh and the space used (the partition is mounted read-only to look): mounting needs root",
  ]);
});

test("qcow2 without qemu-img: only byol's own header checks", () => {
  const r = inspectReach("qcow2", machine({ without: ["qemu-img"] }));
  assert.equal(r.qemuImg, false);
  assert.equal(r.lookInside, undefined);
  assert.match(r.notChecked[0] ?? "", /partition table, the filesystem, .*: no qemu-img on this machine$/);
});

test("raw without loop devices or losetup", () => {
  assert.match(inspectReach("raw", machine({ without: ["/dev/loop-control"] })).notChecked[0] ?? "", /no loop devices/);
  assert.match(
    inspectReach("raw", machine({ without: ["losetup"] })).notChecked[0] ?? "",
    /no losetup on this machine/,
  );
});
