import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { layoutChecks, zfsPoolCheck, zfsWriteCheck } from "../../scripts/rig/checks.ts";
import { collectScript, parseSections } from "../../scripts/rig/collect.ts";
import { type ExpectedSystem, expectedSystem } from "../../scripts/rig/expected.ts";
import { parseZpoolStatus } from "../../scripts/rig/parsers.ts";
import { asOutput, FINDMNT, sections } from "./samples.ts";

// zpool status -P as ZFS 2.1 (Debian 12) prints it: tabs, then two spaces per level.
const MIRROR = `  pool: data
 state: ONLINE
config:

\tNAME           STATE     READ WRITE CKSUM
\tdata           ONLINE       0     0     0
\t  mirror-0     ONLINE       0     0     0
\t    /dev/vda5  ONLINE       0     0     0
\t    /dev/vdb5  ONLINE       0     0     0

errors: No known data errors`;

const RAIDZ_DEGRADED = `  pool: tank
 state: DEGRADED
status: One or more devices could not be used because the label is missing or
\tinvalid.  Sufficient replicas exist for the pool to continue
\tfunctioning in a degraded state.
config:

\tNAME                      STATE     READ WRITE CKSUM
\ttank                      DEGRADED     0     0     0
\t  raidz1-0                DEGRADED     0     0     0
\t    /dev/vda4             ONLINE       0     0     0
\t    /dev/vdb4             ONLINE       0     0     0
\t    1234567890123456789   UNAVAIL      0     0     0  was /dev/vdc4
\tlogs
\t  /dev/vdd1               ONLINE       0     0     0

errors: No known data errors`;

const STRIPE = `  pool: fast
 state: ONLINE
config:

\tNAME         STATE     READ WRITE CKSUM
\tfast         ONLINE       0     0     0
\t  /dev/vda4  ONLINE       0     0     0
\t  /dev/vdb4  ONLINE       0     0     0

errors: No known data errors`;

const findmntWith = (extra: object[]) =>
  JSON.stringify({ filesystems: [...(JSON.parse(FINDMNT) as { filesystems: object[] }).filesystems, ...extra] });

describe("parseZpoolStatus", () => {
  it("reads pools, their state, vdev types and devices, leaving log devices out", () => {
    const pools = parseZpoolStatus(`${MIRROR}\n\n${RAIDZ_DEGRADED}`);
    assert.deepEqual(pools, [
      {
        name: "data",
        state: "ONLINE",
        vdevs: [
          {
            type: "mirror",
            state: "ONLINE",
            devices: [
              { name: "/dev/vda5", state: "ONLINE" },
              { name: "/dev/vdb5", state: "ONLINE" },
            ],
          },
        ],
      },
      {
        name: "tank",
        state: "DEGRADED",
        vdevs: [
          {
            type: "raidz1",
            state: "DEGRADED",
            devices: [
              { name: "/dev/vda4", state: "ONLINE" },
              { name: "/dev/vdb4", state: "ONLINE" },
              { name: "1234567890123456789", state: "UNAVAIL" },
            ],
          },
        ],
      },
    ]);
  });

  it("gives a striped pool's devices as vdevs of their own, and nothing for no output", () => {
    assert.deepEqual(
      parseZpoolStatus(STRIPE)[0]!.vdevs.map((v) => [v.type, v.devices.map((d) => d.name)]),
      [
        ["disk", ["/dev/vda4"]],
        ["disk", ["/dev/vdb4"]],
      ],
    );
    assert.deepEqual(parseZpoolStatus(""), []);
  });
});

describe("zfsPoolCheck", () => {
  const entry = { mountPoint: "/data", fileSystem: "zfs" as const, raidLevel: 1, swapDevices: 0 };
  it("passes an ONLINE mirror over the expected disks", () => {
    const c = zfsPoolCheck(entry, "data", parseZpoolStatus(MIRROR), 2);
    assert.equal(c.ok, true, c.detail);
    assert.equal(c.detail, "data ONLINE: mirror ONLINE (/dev/vda5 ONLINE, /dev/vdb5 ONLINE)");
  });
  it("fails a degraded raidz1 and names what is not ONLINE", () => {
    const c = zfsPoolCheck({ ...entry, raidLevel: 5 }, "tank/data", parseZpoolStatus(RAIDZ_DEGRADED), 3);
    assert.equal(c.ok, false);
    assert.match(c.detail, /^pool DEGRADED, not ONLINE: raidz1 1234567890123456789: tank DEGRADED/);
  });
  it("fails a layout other than the level's, a wrong disk count, a wrong pool name and a missing pool", () => {
    const pools = parseZpoolStatus(`${MIRROR}\n${STRIPE}`);
    assert.match(zfsPoolCheck(entry, "fast", pools, 2).detail, /^expected one mirror vdev/);
    assert.match(zfsPoolCheck({ ...entry, raidLevel: 0 }, "data", pools, 2).detail, /^not striped/);
    assert.equal(zfsPoolCheck({ ...entry, raidLevel: 0 }, "fast/x", pools, 2).ok, true);
    assert.match(zfsPoolCheck(entry, "data", pools, 3).detail, /^2 devices, expected 3/);
    assert.match(zfsPoolCheck({ ...entry, zfsPool: "zp1" }, "data", pools, 2).detail, /^pool data, expected zp1/);
    assert.match(zfsPoolCheck(entry, "gone", pools, 2).detail, /no pool gone \(pools: data fast\)/);
    assert.match(zfsPoolCheck(entry, undefined, pools, 2).detail, /not mounted/);
  });
});

describe("zfsWriteCheck", () => {
  it("needs the collect script's ok line for the mount point", () => {
    assert.equal(zfsWriteCheck("/data", "/data ok\n/srv failed").ok, true);
    assert.equal(zfsWriteCheck("/srv", "/data ok\n/srv failed").ok, false);
    assert.equal(zfsWriteCheck("/d", "/data ok").detail, "/d is no mounted ZFS file system");
  });
});

describe("ZFS entries in the layout checks", () => {
  const request = {
    operatingSystem: "byolinux_64",
    storage: [
      {
        partitioning: {
          disks: 2,
          layout: [
            { mountPoint: "/boot", fileSystem: "ext4", size: 1024, raidLevel: 1 },
            { mountPoint: "/", fileSystem: "ext4", size: 2048, raidLevel: 1 },
            { mountPoint: "/data", fileSystem: "zfs", size: 0, extras: { zp: { name: "data" } } },
          ],
        },
      },
    ],
  };
  const machine = { firmware: "uefi" as const, memoryMiB: 2048, cpus: 2, disks: [{ sizeGiB: 5 }, { sizeGiB: 5 }] };
  const expected: ExpectedSystem = expectedSystem(request, machine);

  it("expects a mirror when raidLevel is absent, in the named pool", () => {
    assert.deepEqual(expected.entries[2], {
      mountPoint: "/data",
      fileSystem: "zfs",
      raidLevel: 1,
      zfsPool: "data",
      swapDevices: 0,
    });
  });

  it("checks the mount, the pool and a write, and no md array, for /data", () => {
    const s = parseSections(
      asOutput(
        sections({
          findmnt: findmntWith([{ target: "/data", source: "data", fstype: "zfs" }]),
          zpool: MIRROR,
          "zfs-write": "/data ok",
        }),
      ),
    );
    const checks = layoutChecks(expected, s);
    assert.deepEqual(
      checks.map((c) => [c.name, c.ok]),
      [
        ["mount /boot", true],
        ["raid /boot", true],
        ["mount /", true],
        ["raid /", true],
        ["mount /data", true],
        ["zfs pool /data", true],
        ["zfs writable /data", true],
      ],
    );
  });

  it("fails /data on ext4 and a pool that is not there", () => {
    const s = sections({ findmnt: findmntWith([{ target: "/data", source: "/dev/vda5", fstype: "ext4" }]) });
    const failed = layoutChecks(expected, s).filter((c) => !c.ok);
    assert.deepEqual(
      failed.map((c) => c.name),
      ["mount /data", "zfs pool /data", "zfs writable /data"],
    );
  });

  it("the collect script asks zpool and writes to each ZFS mount", () => {
    const script = collectScript();
    assert.match(script, /zpool status -P/);
    assert.match(script, /findmnt -n -l -t zfs -o TARGET/);
  });
});
