// ZFS in the request: fileSystem "zfs", extras.zp.name, raidLevel 7, and each refusal with its message.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accepted, byolinux, problems } from "./fixture.ts";

const L = "storage[0].partitioning.layout";
const LEVELS = "0 (striped), 1 (mirror), 5 (raidz1), 6 (raidz2) or 7 (raidz3)";

type Row = { mountPoint: string; fileSystem: string; size: number; raidLevel?: number; lv?: string; zp?: string };
function request(rows: Row[], disks?: number) {
  const layout = rows.map(({ lv, zp, ...e }) => {
    const extras = {
      ...(lv === undefined ? {} : { lv: { name: lv } }),
      ...(zp === undefined ? {} : { zp: { name: zp } }),
    };
    return Object.keys(extras).length === 0 ? e : { ...e, extras };
  });
  const partitioning = { ...(disks === undefined ? {} : { disks }), layout };
  return byolinux({}, { storage: [{ diskGroupId: 1, partitioning }] });
}
const root: Row = { mountPoint: "/", fileSystem: "ext4", size: 0 };

describe("ZFS requests that are accepted", () => {
  it("fileSystem zfs with a pool name", () => {
    const r = accepted(
      request([root, { mountPoint: "/data", fileSystem: "zfs", size: 1024, raidLevel: 7, zp: "tank" }]),
    );
    assert.deepEqual(r.storage[0]?.layout[1], {
      mountPoint: "/data",
      fileSystem: "zfs",
      sizeMiB: 1024,
      raidLevel: 7,
      zpName: "tank",
    });
  });

  it("too few disks for the level: accepted, the planner lowers it", () => {
    const r = accepted(request([root, { mountPoint: "/data", fileSystem: "zfs", size: 1024, raidLevel: 6 }], 2));
    assert.equal(r.storage[0]?.layout[1]?.raidLevel, 6);
  });

  it("/ and /boot on ZFS, each in its own pool", () => {
    const rows: Row[] = [
      { mountPoint: "/boot", fileSystem: "zfs", size: 1024, zp: "bpool" },
      { mountPoint: "/", fileSystem: "zfs", size: 0, zp: "rpool" },
    ];
    assert.equal(accepted(request(rows)).storage[0]?.layout.length, 2);
  });
});

describe("ZFS refusals, one message each", () => {
  const cases: { name: string; rows: Row[]; problems: string[] }[] = [
    {
      name: "RAID 10",
      rows: [root, { mountPoint: "/data", fileSystem: "zfs", size: 1024, raidLevel: 10 }],
      problems: [
        `${L}[1].raidLevel: expected raidLevel ${LEVELS} for ZFS (RAID 10 is not allowed with ZFS), received 10`,
      ],
    },
    {
      name: "ZFS with LVM",
      rows: [root, { mountPoint: "/data", fileSystem: "zfs", size: 1024, lv: "data" }],
      problems: [
        `${L}[1].extras.lv.name: expected no logical volume for ZFS (ZFS with LVM is not allowed), received "data"`,
      ],
    },
    {
      name: "raidLevel 7 for ext4",
      rows: [{ ...root, raidLevel: 7 }],
      problems: [`${L}[0].raidLevel: expected fileSystem "zfs" for raidLevel 7 (raidz3), received fileSystem "ext4"`],
    },
    {
      name: "a pool name for xfs",
      rows: [root, { mountPoint: "/data", fileSystem: "xfs", size: 1024, zp: "tank" }],
      problems: [
        `${L}[1].extras.zp.name: expected fileSystem "zfs" for a ZFS pool name (extras.zp), received fileSystem "xfs"`,
      ],
    },
    {
      name: "one pool name with two RAID levels",
      rows: [
        root,
        { mountPoint: "/data", fileSystem: "zfs", size: 1024, zp: "tank" },
        { mountPoint: "/srv", fileSystem: "zfs", size: 1024, raidLevel: 5, zp: "tank" },
      ],
      problems: [
        `${L}[2].extras.zp.name: expected raidLevel 1 for pool "tank" (as at ${L}[1]: a pool has one RAID level), received 5`,
      ],
    },
    {
      name: "/ sharing its pool",
      rows: [
        { mountPoint: "/", fileSystem: "zfs", size: 8192, zp: "tank" },
        { mountPoint: "/data", fileSystem: "zfs", size: 1024, zp: "tank" },
      ],
      problems: [
        `${L}[1].extras.zp.name: expected a pool of its own for / (the datasets holding / and /boot get pools of their own), received "tank", also used at ${L}[0]`,
      ],
    },
    {
      name: "/boot sharing its pool",
      rows: [
        root,
        { mountPoint: "/srv", fileSystem: "zfs", size: 1024, zp: "tank" },
        { mountPoint: "/boot", fileSystem: "zfs", size: 1024, zp: "tank" },
      ],
      problems: [
        `${L}[2].extras.zp.name: expected a pool of its own for /boot (the datasets holding / and /boot get pools of their own), received "tank", also used at ${L}[1]`,
      ],
    },
    {
      name: "swap as ZFS",
      rows: [root, { mountPoint: "swap", fileSystem: "zfs", size: 1024 }],
      problems: [
        `${L}[1]: expected mountPoint "swap" and fileSystem "swap" together, received mountPoint "swap" with fileSystem "zfs"`,
      ],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(problems(request(c.rows)), c.problems));

  const ZP = `${L}[1].extras.zp.name: expected a ZFS pool name (a letter, then letters, digits and _ . : -, 1-64 characters; not mirror, raidz…, draid…, spare, log, c0…)`;
  for (const name of ["1tank", "mirror", "raidz2", "log", "c0t0d0", "my pool", "a".repeat(65)]) {
    it(`pool name ${name.length > 20 ? `${name.length} characters` : JSON.stringify(name)} is refused`, () => {
      const rows: Row[] = [root, { mountPoint: "/data", fileSystem: "zfs", size: 1024, zp: name }];
      const shown = name.length > 80 ? `${JSON.stringify(name.slice(0, 80)).slice(0, -1)}…"` : JSON.stringify(name);
      assert.deepEqual(problems(request(rows)), [`${ZP}, received ${shown}`]);
    });
  }
});
