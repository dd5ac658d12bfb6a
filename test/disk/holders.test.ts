import assert from "node:assert/strict";
import { test } from "node:test";
import { findHolders, hasLvm } from "../../agent/disk/holders.ts";

// lsblk -J -p -o NAME,TYPE,MOUNTPOINTS /dev/vdb /dev/vdc, after an earlier RAID1 + LVM install
const lsblk = JSON.stringify({
  blockdevices: [
    {
      name: "/dev/vdb",
      type: "disk",
      mountpoints: [null],
      children: [
        { name: "/dev/vdb1", type: "part", mountpoints: ["/mnt/old/boot/efi"] },
        {
          name: "/dev/vdb2",
          type: "part",
          mountpoints: [null],
          children: [
            {
              name: "/dev/md0",
              type: "raid1",
              mountpoints: [null],
              children: [
                { name: "/dev/mapper/vg0-root", type: "lvm", mountpoints: ["/mnt/old"] },
                { name: "/dev/mapper/vg0-swap", type: "lvm", mountpoints: ["[SWAP]"] },
              ],
            },
          ],
        },
        { name: "/dev/vdb3", type: "part", mountpoints: [null] },
      ],
    },
    {
      name: "/dev/vdc",
      type: "disk",
      mountpoints: [null],
      children: [
        { name: "/dev/vdc1", type: "part", mountpoints: [null] },
        {
          name: "/dev/vdc2",
          type: "part",
          mountpoints: [null],
          children: [{ name: "/dev/md0", type: "raid1", mountpoints: [null] }],
        },
        { name: "/dev/vdc3", type: "part", mountpoints: [null] },
      ],
    },
  ],
});

const mdstat = `Personalities : [raid1] [raid6] [raid5] [raid4]
md126 : inactive vdc3[2](S)
      1046528 blocks super 1.2

md0 : active raid1 vdc2[1] vdb2[0]
      2094080 blocks super 1.2 [2/2] [UU]
      [==>..................]  resync = 12.5% (262144/2094080) finish=1.1min speed=26214K/sec

md127 : active (auto-read-only) raid1 vdd1[0] vde1[1]
      1046528 blocks super 1.2 [2/2] [UU]

unused devices: <none>
`;

const pvs = JSON.stringify({
  report: [
    {
      pv: [
        { pv_name: "/dev/md0", vg_name: "vg0" },
        { pv_name: "/dev/vdd2", vg_name: "other" },
      ],
    },
  ],
});

test("findHolders: partitions, mounts deepest first, swap, VGs and arrays on the target disks only", () => {
  const h = findHolders(["/dev/vdb", "/dev/vdc"], lsblk, mdstat, pvs);
  assert.deepEqual(h.partitions, ["/dev/vdb1", "/dev/vdb2", "/dev/vdb3", "/dev/vdc1", "/dev/vdc2", "/dev/vdc3"]);
  assert.deepEqual(h.mounts, ["/mnt/old/boot/efi", "/mnt/old"]);
  assert.deepEqual(h.swaps, ["/dev/mapper/vg0-swap"]);
  assert.deepEqual(h.vgs, ["vg0"]);
  // md126 is not in lsblk's tree (inactive) but its member is on a target disk; md127 is elsewhere
  assert.deepEqual(h.arrays, [
    { device: "/dev/md126", active: false, members: ["/dev/vdc3"] },
    { device: "/dev/md0", active: true, members: ["/dev/vdc2", "/dev/vdb2"] },
  ]);
});

test("findHolders: one disk of several targets (the partition step): only its members are listed for zeroing", () => {
  const h = findHolders(["/dev/vdb"], lsblk, mdstat, { pvsJson: pvs, targets: ["/dev/vdb", "/dev/vdc"] });
  assert.deepEqual(h.arrays, [{ device: "/dev/md0", active: true, members: ["/dev/vdb2"] }]);
  assert.deepEqual(h.spans, []);
});

test("findHolders: an array on a target and a disk that is not one is a span, kept running without the target's member", () => {
  const h = findHolders(["/dev/vdb"], lsblk, mdstat, pvs);
  assert.deepEqual(h.spans, [
    { kind: "md array", name: "/dev/md0", targetMembers: ["/dev/vdb2"], otherMembers: ["/dev/vdc2"] },
  ]);
  assert.deepEqual(h.arrays, [
    { device: "/dev/md0", active: true, members: ["/dev/vdb2"], spans: true, degrade: true },
  ]);
  // what is mounted from the array, and its volume group, belong to the disk that keeps it
  assert.deepEqual(h.mounts, ["/mnt/old/boot/efi"]);
  assert.deepEqual(h.swaps, []);
  assert.deepEqual(h.vgs, []);
});

test("findHolders: clean disks have nothing to release", () => {
  const clean = JSON.stringify({ blockdevices: [{ name: "/dev/vdb", type: "disk", mountpoints: [null] }] });
  assert.deepEqual(findHolders(["/dev/vdb"], clean, "Personalities : \nunused devices: <none>\n"), {
    partitions: [],
    mounts: [],
    swaps: [],
    vgs: [],
    arrays: [],
    pools: [],
    spans: [],
  });
  assert.equal(hasLvm(clean), false);
  assert.equal(hasLvm(lsblk), true);
});
