// ZFS in the planner, rule by rule (OVHcloud's "OVHcloud API and Storage"): raidLevel -> vdev,
// the lowering when the group has too few disks, which entries share a pool, the refusals, the
// pool options, one dataset per mount point mounted in mount-point order, no fstab line, and the
// pools exported at the end.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PlanError } from "../../agent/errors.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import { planSchema } from "../../agent/plan/schema.ts";
import type { Plan, ZpoolStep } from "../../agent/plan/types.ts";
import type { Inventory } from "../../agent/probe/types.ts";
import type { LayoutEntry, RaidLevel } from "../../agent/request/types.ts";
import { inventory, withLayout } from "./builders.ts";

// uefi-4disks with `count` identical disks of `physical`-byte physical sectors.
function machine(count: number, physical = 512): Inventory {
  const base = inventory("uefi-4disks");
  const model = base.disks[0]!;
  const disks = Array.from({ length: count }, (_, i) => {
    const name = `sd${String.fromCharCode(97 + i)}`;
    return { ...model, name, path: `/dev/${name}`, serial: `S${i}`, wwn: `0x${i}`, physicalSectorSize: physical };
  });
  return { ...base, disks };
}

const ROOT: LayoutEntry = { mountPoint: "/", fileSystem: "ext4", sizeMiB: 20480 };
const zfs = (mountPoint: string, sizeMiB: number, raidLevel?: RaidLevel, zpName?: string): LayoutEntry => ({
  mountPoint,
  fileSystem: "zfs",
  sizeMiB,
  ...(raidLevel === undefined ? {} : { raidLevel }),
  ...(zpName === undefined ? {} : { zpName }),
});

function plan(layout: LayoutEntry[], disks = 2, physical = 512): Plan {
  return buildPlan(withLayout(layout), machine(disks, physical));
}
const pools = (p: Plan) => p.steps.filter((s): s is ZpoolStep => s.kind === "zpool");

function planError(layout: LayoutEntry[], disks = 2): string[] {
  try {
    plan(layout, disks);
  } catch (error) {
    assert.ok(error instanceof PlanError, `expected a PlanError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("the layout was planned");
}

describe("ZFS raidLevel -> vdev layout, with enough disks", () => {
  const cases: { level?: RaidLevel; disks: number; vdev: string; words: string[] }[] = [
    { level: 0, disks: 2, vdev: "stripe", words: [] },
    { level: 1, disks: 2, vdev: "mirror", words: ["mirror"] },
    { level: undefined, disks: 2, vdev: "mirror", words: ["mirror"] },
    { level: 5, disks: 3, vdev: "raidz1", words: ["raidz1"] },
    { level: 6, disks: 4, vdev: "raidz2", words: ["raidz2"] },
    { level: 7, disks: 5, vdev: "raidz3", words: ["raidz3"] },
  ];
  for (const c of cases) {
    it(`raidLevel ${c.level ?? "absent"} on ${c.disks} disks is ${c.vdev}`, () => {
      const [pool] = pools(plan([ROOT, zfs("/data", 0, c.level)], c.disks));
      assert.equal(pool?.vdev, c.vdev);
      assert.equal(pool?.raidLevel, c.level ?? 1);
      assert.equal(pool?.lowered, undefined);
      const members = Array.from({ length: c.disks }, (_, i) => `/dev/sd${String.fromCharCode(97 + i)}2`);
      assert.deepEqual(pool?.members, members);
      const create = pool.commands[0]!;
      assert.deepEqual(create.slice(create.indexOf("zp") + 1), [...c.words, ...members]);
    });
  }
});

describe("ZFS lowers a level the group has too few disks for, and says so", () => {
  const cases: { level: RaidLevel; disks: number; vdev: string; needs: number }[] = [
    { level: 7, disks: 4, vdev: "raidz2", needs: 5 },
    { level: 7, disks: 3, vdev: "raidz1", needs: 5 },
    { level: 7, disks: 2, vdev: "mirror", needs: 5 },
    { level: 7, disks: 1, vdev: "stripe", needs: 5 },
    { level: 6, disks: 3, vdev: "raidz1", needs: 4 },
    { level: 6, disks: 2, vdev: "mirror", needs: 4 },
    { level: 5, disks: 2, vdev: "mirror", needs: 3 },
    { level: 5, disks: 1, vdev: "stripe", needs: 3 },
    { level: 1, disks: 1, vdev: "stripe", needs: 2 },
  ];
  const names: Record<number, string> = { 1: "mirror", 5: "raidz1", 6: "raidz2", 7: "raidz3" };
  for (const c of cases) {
    it(`raidLevel ${c.level} on ${c.disks} disk(s) becomes ${c.vdev}`, () => {
      const p = plan([ROOT, zfs("/data", 0, c.level)], c.disks);
      const [pool] = pools(p);
      const why =
        `raidLevel ${c.level} (${names[c.level]}) needs ${c.needs} disks, the group has ${c.disks}: ` +
        `lowered to ${c.vdev}, as OVHcloud does`;
      assert.equal(pool?.vdev, c.vdev);
      assert.equal(pool?.lowered, why);
      assert.ok(pool?.title.endsWith(`; ${why}`), pool?.title);
    });
  }
  it("raidLevel 0 on one disk is not lowered (a stripe of one)", () => {
    const [pool] = pools(plan([ROOT, zfs("/data", 0, 0)], 1));
    assert.equal(pool?.vdev, "stripe");
    assert.equal(pool?.lowered, undefined);
  });
});

describe("which ZFS entries share a pool", () => {
  const cases: { name: string; layout: LayoutEntry[]; pools: Record<string, string[]> }[] = [
    {
      name: "same level, no names: one pool",
      layout: [ROOT, zfs("/data", 4096, 1), zfs("/srv", 0)],
      pools: { zp: ["/data", "/srv"] },
    },
    {
      name: "different levels: a pool each",
      layout: [ROOT, zfs("/data", 4096, 1), zfs("/srv", 0, 0)],
      pools: { zp: ["/data"], zp1: ["/srv"] },
    },
    {
      name: "same level, different names: a pool each",
      layout: [ROOT, zfs("/data", 4096, 1, "tank"), zfs("/srv", 0, 1, "vault")],
      pools: { tank: ["/data"], vault: ["/srv"] },
    },
    {
      name: "same name: one pool; an unnamed entry of that level joins it",
      layout: [ROOT, zfs("/data", 4096, 1, "tank"), zfs("/srv", 4096, 1, "tank"), zfs("/home", 0)],
      pools: { tank: ["/data", "/srv", "/home"] },
    },
    {
      name: '"/" and "/boot" get pools of their own',
      layout: [zfs("/boot", 1024), zfs("/", 20480), zfs("/data", 0)],
      pools: { bpool: ["/boot"], rpool: ["/"], zp: ["/data"] },
    },
    {
      name: "a generated name skips a given one",
      layout: [ROOT, zfs("/data", 4096, 1, "zp"), zfs("/srv", 0, 0)],
      pools: { zp: ["/data"], zp1: ["/srv"] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = Object.fromEntries(pools(plan(c.layout)).map((s) => [s.pool, s.datasets.map((d) => d.mountPoint)]));
      assert.deepEqual(got, c.pools);
    });
  }
});

describe("ZFS refusals in the planner", () => {
  const cases: { name: string; layout: LayoutEntry[]; problems: string[] }[] = [
    {
      name: "RAID 10",
      layout: [ROOT, zfs("/data", 0, 10)],
      problems: ["Partition /data: RAID10 is not allowed with ZFS"],
    },
    {
      name: "ZFS on LVM",
      layout: [ROOT, { ...zfs("/data", 0), lvName: "data" }],
      problems: ["Partition /data: ZFS cannot be on an LVM logical volume (data)"],
    },
    {
      name: "raidz3 for ext4",
      layout: [{ ...ROOT, raidLevel: 7 }],
      problems: ["Partition /: RAID7 (raidz3) and pool names are for ZFS only"],
    },
    {
      name: "one pool name with two levels",
      layout: [ROOT, zfs("/data", 4096, 1, "tank"), zfs("/srv", 0, 0, "tank")],
      problems: ["ZFS pool tank: /srv asks for RAID 0, the pool is RAID 1"],
    },
    {
      name: '"/" in a pool another entry names',
      layout: [zfs("/data", 4096, 1, "tank"), zfs("/", 0, 1, "tank")],
      problems: ["ZFS pool tank: / needs a pool of its own"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(planError(c.layout), c.problems));
  }
});

describe("a ZFS pool's partitions, options and datasets", () => {
  const layout = [
    { ...ROOT, raidLevel: 1 as const },
    { mountPoint: "/var", fileSystem: "ext4", sizeMiB: 8192, raidLevel: 1 } satisfies LayoutEntry,
    zfs("/var/lib/docker", 10240),
    zfs("/data", 0),
  ];
  const p = plan(layout, 2, 4096);
  const [pool] = pools(p);

  it("has a bf00 partition on each disk of the group, the same on each", () => {
    for (const disk of p.disks) {
      const part = disk.partitions.find((x) => x.role === "zfs");
      assert.equal(part?.typeCode, "bf00");
      assert.equal(part?.sizeMiB, p.disks[0]?.partitions.find((x) => x.role === "zfs")?.sizeMiB);
    }
    assert.deepEqual(pool?.members, ["/dev/sda4", "/dev/sdb4"]);
  });

  it("is created under the altroot with ashift from the physical sector size and the chosen options", () => {
    assert.deepEqual(pool?.commands[0], [
      ...["zpool", "create", "-f", "-o", "ashift=12", "-o", "compatibility=openzfs-2.1-linux"],
      ...["-O", "compression=lz4", "-O", "xattr=sa", "-O", "acltype=posixacl", "-O", "relatime=on"],
      ...["-O", "canmount=off", "-O", "mountpoint=none", "-R", "/tmp/a", "zp", "mirror", "/dev/sda4", "/dev/sdb4"],
    ]);
    assert.deepEqual(pool?.options.slice(0, 2), [
      "ashift=12 (4096-byte physical sectors)",
      "compatibility=openzfs-2.1-linux",
    ]);
    assert.match(
      pool!.title,
      /ashift=12 \(4096-byte physical sectors\), .*compression=lz4, xattr=sa, acltype=posixacl/,
    );
    assert.equal(pools(plan(layout, 2, 512))[0]?.commands[0]?.[4], "ashift=9");
  });

  it("has one dataset per mount point, sized ones with a quota", () => {
    assert.deepEqual(pool?.commands.slice(1), [
      [
        "zfs",
        "create",
        "-o",
        "canmount=noauto",
        "-o",
        "mountpoint=/var/lib/docker",
        "-o",
        "quota=10240M",
        "zp/var_lib_docker",
      ],
      ["zfs", "create", "-o", "canmount=noauto", "-o", "mountpoint=/data", "zp/data"],
    ]);
  });

  it("mounts the datasets in mount-point order with the other filesystems", () => {
    const mounts = p.steps.filter((s) => s.kind === "mount").map((s) => s.commands[0]);
    assert.deepEqual(mounts, [
      ["mount", "-t", "ext4", "/dev/md0", "/tmp/a"],
      ["zfs", "mount", "zp/data"],
      ["mount", "-t", "ext4", "/dev/md1", "/tmp/a/var"],
      ["mount", "-t", "vfat", "/dev/sda1", "/tmp/a/boot/efi"],
      ["zfs", "mount", "zp/var_lib_docker"],
    ]);
  });

  it("leaves ZFS out of fstab, prepares the target and exports the pool at the end", () => {
    assert.deepEqual(
      p.fstab.map((f) => f.mountPoint),
      ["/", "/var", "/boot/efi"],
    );
    const configure = p.steps.find((s) => s.kind === "configure");
    assert.deepEqual(configure?.kind === "configure" && configure.zfsMountPoints, ["/var/lib/docker", "/data"]);
    const target = p.steps.find((s) => s.kind === "zfs-target");
    assert.deepEqual(target?.commands, [
      ["zfs", "set", "canmount=on", "zp/var_lib_docker"],
      ["zfs", "set", "canmount=on", "zp/data"],
    ]);
    const kinds = p.steps.map((s) => s.kind);
    assert.ok(kinds.indexOf("configure") < kinds.indexOf("zfs-target"));
    assert.ok(kinds.indexOf("zfs-target") < kinds.indexOf("bootable-script"));
    const finish = p.steps.at(-1)!.commands.map((a) => a.join(" "));
    assert.ok(finish.indexOf("zpool export zp") > finish.indexOf("umount /tmp/a"), finish.join("\n"));
  });

  it("is a plan the schema accepts", () => assert.equal(planSchema.safeParse(p).success, true));
});

describe("a ZFS pool GRUB reads", () => {
  it('"/" on ZFS without /boot: grub2 features, bootfs set, "/" left to the initramfs', () => {
    const p = plan([zfs("/", 0)]);
    const [pool] = pools(p);
    assert.equal(pool?.pool, "rpool");
    assert.ok(pool?.commands[0]?.includes("compatibility=grub2"));
    const target = p.steps.find((s) => s.kind === "zfs-target");
    assert.deepEqual(target?.commands, [["zpool", "set", "bootfs=rpool/root", "rpool"]]);
  });

  it("a pool sized from its datasets: a mirror needs them on each disk, a stripe spreads them", () => {
    const size = (level: RaidLevel) =>
      plan([ROOT, zfs("/data", 10240, level)]).disks[0]?.partitions.find((x) => x.role === "zfs")?.sizeMiB ?? 0;
    assert.ok(size(1) > 10240, String(size(1)));
    assert.ok(size(0) < size(1) && size(0) > 5120, String(size(0)));
  });
});
