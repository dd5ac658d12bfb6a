// Arrays that span a target disk and a disk that is not a target (md, LVM, ZFS): table-driven
// over lsblk/mdstat/pvs text. Without --break-arrays the install refuses before any command
// that changes anything; with it, only the target's members are released and cleared, and
// the array is never wiped as a whole.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import { findHolders } from "../../agent/disk/holders.ts";
import { releaseHolders } from "../../agent/disk/release-holders.ts";
import { refusedSpans, spanRefusal } from "../../agent/disk/spanning.ts";
import { InstallError } from "../../agent/errors.ts";
import { wipeStep } from "../../agent/plan/wipe.ts";
import { fakeRunner } from "../support/fake-runner.ts";

type Node = { name: string; type: string; fstype?: string; label?: string; mountpoints?: string[]; children?: Node[] };
const part = (name: string, extra: Partial<Node> = {}): Node => ({ name, type: "part", ...extra });
const disk = (name: string, children: Node[]): Node => ({ name, type: "disk", children });
const md = (name: string, type: string, extra: Partial<Node> = {}): Node => ({ name, type, ...extra });

interface Case {
  name: string;
  tree: Node[]; // every disk; the target is /dev/vdb
  mdstat?: string;
  pvs?: { pv_name: string; vg_name: string }[];
  span: string; // "kind name: target members | other members"
  broken: string[][]; // the commands --break-arrays runs on the arrays (mdadm only)
}

const mounted = (m: string) => ({ mountpoints: [m] });
const CASES: Case[] = [
  {
    name: "md RAID1 over a target and another disk, mounted",
    tree: [
      disk("/dev/vdb", [part("/dev/vdb1", { children: [md("/dev/md0", "raid1", mounted("/srv"))] })]),
      disk("/dev/vdc", [part("/dev/vdc1", { children: [md("/dev/md0", "raid1", mounted("/srv"))] })]),
    ],
    mdstat: "md0 : active raid1 vdc1[1] vdb1[0]\n      1046528 blocks super 1.2 [2/2] [UU]\n",
    span: "md array /dev/md0: /dev/vdb1 | /dev/vdc1",
    broken: [
      ["mdadm", "/dev/md0", "--fail", "/dev/vdb1", "--remove", "/dev/vdb1"],
      ["mdadm", "--zero-superblock", "--force", "/dev/vdb1"],
    ],
  },
  {
    name: "md RAID5 over a target and two other disks, read-only",
    tree: [
      disk("/dev/vdb", [part("/dev/vdb2", { children: [md("/dev/md5", "raid5")] })]),
      disk("/dev/vdc", [part("/dev/vdc2", { children: [md("/dev/md5", "raid5")] })]),
      disk("/dev/vdd", [part("/dev/vdd2", { children: [md("/dev/md5", "raid5")] })]),
    ],
    mdstat: "md5 : active (auto-read-only) raid5 vdd2[2] vdc2[1] vdb2[0]\n",
    span: "md array /dev/md5: /dev/vdb2 | /dev/vdd2 /dev/vdc2",
    broken: [
      ["mdadm", "/dev/md5", "--fail", "/dev/vdb2", "--remove", "/dev/vdb2"],
      ["mdadm", "--zero-superblock", "--force", "/dev/vdb2"],
    ],
  },
  {
    name: "md RAID0 (cannot run degraded): stopped, never wiped",
    tree: [
      disk("/dev/vdb", [part("/dev/vdb1", { children: [md("/dev/md1", "raid0", mounted("/data"))] })]),
      disk("/dev/vdc", [part("/dev/vdc1", { children: [md("/dev/md1", "raid0", mounted("/data"))] })]),
    ],
    mdstat: "md1 : active raid0 vdc1[1] vdb1[0]\n",
    span: "md array /dev/md1: /dev/vdb1 | /dev/vdc1",
    broken: [
      ["mdadm", "--stop", "/dev/md1"],
      ["mdadm", "--zero-superblock", "--force", "/dev/vdb1"],
    ],
  },
  {
    name: "an inactive md array half-assembled from both disks",
    tree: [disk("/dev/vdb", [part("/dev/vdb3")]), disk("/dev/vdc", [part("/dev/vdc3")])],
    mdstat: "md127 : inactive vdb3[0](S) vdc3[1](S)\n",
    span: "md array /dev/md127: /dev/vdb3 | /dev/vdc3",
    broken: [
      ["mdadm", "--stop", "/dev/md127"],
      ["mdadm", "--zero-superblock", "--force", "/dev/vdb3"],
    ],
  },
  {
    name: "an LVM volume group with a PV on each disk",
    tree: [
      disk("/dev/vdb", [part("/dev/vdb1", { fstype: "LVM2_member", children: [md("/dev/mapper/vg-data", "lvm")] })]),
      disk("/dev/vdc", [part("/dev/vdc1", { fstype: "LVM2_member", children: [md("/dev/mapper/vg-data", "lvm")] })]),
    ],
    pvs: [
      { pv_name: "/dev/vdb1", vg_name: "vg" },
      { pv_name: "/dev/vdc1", vg_name: "vg" },
    ],
    span: "LVM volume group vg: /dev/vdb1 | /dev/vdc1",
    broken: [],
  },
  {
    name: "a ZFS pool with a vdev on each disk",
    tree: [
      disk("/dev/vdb", [part("/dev/vdb1", { fstype: "zfs_member", label: "tank" })]),
      disk("/dev/vdc", [part("/dev/vdc1", { fstype: "zfs_member", label: "tank" })]),
      disk("/dev/vdd", [part("/dev/vdd1", { fstype: "zfs_member", label: "other" })]),
    ],
    span: "ZFS pool tank: /dev/vdb1 | /dev/vdc1",
    broken: [],
  },
];

const lsblkOf = (c: Case) => JSON.stringify({ blockdevices: c.tree });
const pvsOf = (c: Case) => (c.pvs ? JSON.stringify({ report: [{ pv: c.pvs }] }) : "");
const spanLine = (s: { kind: string; name: string; targetMembers: string[]; otherMembers: string[] }) =>
  `${s.kind} ${s.name}: ${s.targetMembers.join(" ")} | ${s.otherMembers.join(" ")}`;

// Answers lsblk and pvs from the case and records every command.
const caseRunner = (c: Case) =>
  fakeRunner(({ argv }) => (argv[0] === "lsblk" ? lsblkOf(c) : argv[0] === "pvs" ? pvsOf(c) : ""));

const READS = new Set(["lsblk", "pvs"]);
const log = pino({ level: "silent" });

describe("arrays that span a target and a disk that is not one", () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it("is found, naming the array and the non-target member", () => {
        const h = findHolders(["/dev/vdb"], lsblkOf(c), c.mdstat ?? "", pvsOf(c));
        assert.deepEqual(h.spans.map(spanLine), [c.span]);
        assert.match(spanRefusal(h.spans[0]!), /--break-arrays/);
        assert.equal(spanRefusal(h.spans[0]!).split("\n").length, 1);
      });

      it("is not a span when every disk holding it is a target", () => {
        const all = c.tree.map((d) => d.name);
        assert.deepEqual(findHolders(all, lsblkOf(c), c.mdstat ?? "", pvsOf(c)).spans, []);
      });

      it("refuses before running anything but reads", async () => {
        const runner = caseRunner(c);
        let wrote = false;
        const release = releaseHolders(
          { runner, log },
          ["/dev/vdb"],
          { step: "wipe" },
          {
            spanning: "refuse",
            mdstat: c.mdstat ?? "",
            beforeFirstWrite: () => {
              wrote = true;
            },
          },
        );
        await assert.rejects(
          release,
          (e: unknown) =>
            e instanceof InstallError && e.message.includes(c.span.split(":")[0]?.split(" ").at(-1) ?? "?"),
        );
        assert.equal(wrote, false);
        assert.deepEqual(
          runner.argv.filter((a) => !READS.has(a[0]!)),
          [],
        );
      });

      it("with --break-arrays, releases only the target's members and never wipes the array", async () => {
        const runner = caseRunner(c);
        await releaseHolders(
          { runner, log },
          ["/dev/vdb"],
          { step: "wipe" },
          { spanning: "break", mdstat: c.mdstat ?? "" },
        );
        const mdadm = runner.argv.filter((a) => a[0] === "mdadm");
        assert.deepEqual(mdadm, c.broken);
        const others = c.tree.slice(1).map((d) => d.name);
        for (const argv of runner.argv) {
          assert.ok(!(argv[0] === "wipefs" && /^\/dev\/md/.test(argv.at(-1)!)), `wiped an array: ${argv.join(" ")}`);
          for (const other of others) {
            const touches = argv.some((a) => a.startsWith(other)) && argv[0] !== "lsblk";
            assert.ok(!touches, `touched ${other}: ${argv.join(" ")}`);
          }
        }
      });
    });
  }
});

describe("the plan's wipe of a spanning md array", () => {
  const arrays = [
    { device: "/dev/md0", level: "raid1", members: ["/dev/sda2", "/dev/sdb2"] },
    { device: "/dev/md1", level: "raid0", members: ["/dev/sda3", "/dev/sdb3"] },
    { device: "/dev/md2", level: "raid1", members: ["/dev/sda4", "/dev/sdc4"] },
  ];

  it("without --break-arrays: no command for it, and install refuses it", () => {
    const step = wipeStep(["/dev/sda", "/dev/sdc"], arrays);
    assert.deepEqual(
      step.commands.filter((a) => a[0] === "mdadm"),
      [
        ["mdadm", "--stop", "/dev/md2"],
        ["mdadm", "--zero-superblock", "--force", "/dev/sda4"],
        ["mdadm", "--zero-superblock", "--force", "/dev/sdc4"],
      ],
    );
    assert.deepEqual(refusedSpans([step]).map(spanLine), [
      "md array /dev/md0: /dev/sda2 | /dev/sdb2",
      "md array /dev/md1: /dev/sda3 | /dev/sdb3",
    ]);
    assert.deepEqual(refusedSpans([{ kind: "write-image", wipe: step }]).length, 2);
  });

  it("with --break-arrays: fails and removes the target's members, stops what cannot run degraded", () => {
    const step = wipeStep(["/dev/sda", "/dev/sdc"], arrays, { breakArrays: true });
    assert.deepEqual(
      step.commands.filter((a) => a[0] === "mdadm"),
      [
        ["mdadm", "/dev/md0", "--fail", "/dev/sda2", "--remove", "/dev/sda2"],
        ["mdadm", "--stop", "/dev/md1"],
        ["mdadm", "--stop", "/dev/md2"],
        ["mdadm", "--zero-superblock", "--force", "/dev/sda2"],
        ["mdadm", "--zero-superblock", "--force", "/dev/sda3"],
        ["mdadm", "--zero-superblock", "--force", "/dev/sda4"],
        ["mdadm", "--zero-superblock", "--force", "/dev/sdc4"],
      ],
    );
    assert.deepEqual(refusedSpans([step]), []);
    assert.ok(
      step.commands.every((a) => !a.some((x) => x.startsWith("/dev/sdb"))),
      "sdb is never named",
    );
  });
});
