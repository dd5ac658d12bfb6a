// Issue 15 item 10, a property: every generated request (random layouts, sizes, names, counts,
// RAID levels, LVM, machines from fixtures/inventories) is either refused by validate or plan
// with one-line problems, or planned into commands that all pass the argument checks the runner
// would need (no empty or NUL argument, absolute device paths, sizes above 0, valid names,
// partitions inside their disk and table). Seeded: BYOL_SEED=<n> replays a failing run.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PlanError } from "../../agent/errors.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import type { Argv, Plan } from "../../agent/plan/types.ts";
import type { Inventory } from "../../agent/probe/types.ts";
import { parseRequest } from "../../agent/request/index.ts";

const SEED = Number(process.env["BYOL_SEED"] ?? 1);
const CASES = Number(process.env["BYOL_CASES"] ?? 800);

// mulberry32: small, seeded, reproducible.
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  const maybe = <T>(p: number, value: () => T): T | undefined => (next() < p ? value() : undefined);
  return { int, pick, maybe };
}

const DIR = "fixtures/inventories";
const machines = readdirSync(DIR).map((f) => ({
  name: f,
  inventory: JSON.parse(readFileSync(join(DIR, f), "utf8")) as Inventory,
}));

const MOUNTS = [
  "/",
  "/boot",
  "/var",
  "/home",
  "/srv/data",
  "/var/lib/docker",
  "/opt",
  "/tmp",
  "/my data",
  "/a\\b",
  "/x".repeat(40),
  `/${"l".repeat(250)}`,
  "/caf\u00e9",
  "/boot/efi",
  "var",
  "/bad\ttab",
];
const LVS = ["root", "var", "data", "home", "snapshot1", "pv_mlog", "a-b-c", "lv.x", "-bad", "x".repeat(64)];
const SIZES = [0, 0, 1, 16, 100, 100, 512, 1024, 1024, 4096, 20480, 500_000, 3_000_000, 50_000_000, -1, 1.5];
const FILESYSTEMS = ["ext4", "ext4", "ext4", "xfs", "xfs", "btrfs", "swap", "swap", "ntfs"];
const RAID = [undefined, undefined, undefined, 0, 1, 1, 1, 5, 6, 10, 10, 3];

// A raw reinstall payload, as a caller could send it.
function generate(r: ReturnType<typeof prng>): unknown {
  // now and then a layout of dozens of partitions, to meet the tables' limits
  const count = r.int(20) === 0 ? 50 + r.int(90) : 1 + r.int(7);
  const entries = Array.from({ length: count }, (_, i) => {
    const fileSystem = count > 8 ? "ext4" : r.pick(FILESYSTEMS);
    const entry: Record<string, unknown> = {
      mountPoint: count > 8 ? `/d${i}` : fileSystem === "swap" && r.int(4) > 0 ? "swap" : r.pick(MOUNTS),
      fileSystem,
      size: count > 8 ? 1 + r.int(64) : r.pick(SIZES),
    };
    const raid = r.pick(RAID);
    if (raid !== undefined) entry["raidLevel"] = raid;
    const lv = r.maybe(0.3, () => r.pick(LVS));
    if (lv !== undefined) entry["extras"] = { lv: { name: lv } };
    return entry;
  });
  if (r.int(3) > 0 && !entries.some((e) => e["mountPoint"] === "/")) entries[0]!["mountPoint"] = "/";
  const group: Record<string, unknown> = { diskGroupId: r.pick([1, 1, 1, 2]) };
  const disks = r.maybe(0.6, () => 1 + r.int(5));
  group["partitioning"] = { ...(disks === undefined ? {} : { disks }), ...(r.int(8) > 0 ? { layout: entries } : {}) };
  const custom: Record<string, unknown> = { imageURL: "https://images.example.test/debian12.qcow2", hostname: "h1" };
  return { operatingSystem: "byolinux_64", customizations: custom, ...(r.int(10) > 0 ? { storage: [group] } : {}) };
}

// lvm(8) VALID NAMES: the characters, no leading "-", and what LVM reserves for its own volumes.
const LV_NAME =
  /^(?!pvmove|snapshot)(?!.*_(cdata|cmeta|corig|iorig|mimage|mlog|pmspare|rimage|rmeta|tdata|tmeta|vdata|vorigin|wcorig))[A-Za-z0-9_+][A-Za-z0-9_.+-]{0,63}$/;
const LABEL_MAX: Record<string, number> = {
  "mkfs.ext4": 16,
  "mkfs.xfs": 12,
  "mkfs.btrfs": 256,
  mkswap: 15,
  "mkfs.vfat": 11,
};

// The checks a runner would need to pass every argv without surprise.
function checkArgv(argv: Argv, plan: Plan, kind: string): string[] {
  const bad: string[] = [];
  if (argv.length === 0 || argv[0] === "") return ["an empty command"];
  argv.forEach((a, i) => {
    if (a === "") bad.push(`argument ${i} is empty`);
    if (a.includes("\0")) bad.push(`argument ${i} has a NUL`);
  });
  for (const a of argv) {
    if (a.startsWith("/dev/") && !/^\/dev\/[A-Za-z0-9_.+/-]+$/.test(a)) bad.push(`device path ${JSON.stringify(a)}`);
  }
  const [cmd] = argv;
  const after = (flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ""] : []));
  if (cmd === "sgdisk") {
    for (const range of after("-n")) {
      const [, first, last] = range.split(":").map(Number);
      if (!(Number.isInteger(first) && Number.isInteger(last) && first! > 0 && last! >= first!))
        bad.push(`sgdisk -n ${range}`);
    }
  }
  if (cmd === "parted") {
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] !== "mkpart") continue;
      const [start, end] = argv
        .slice(i + 1)
        .filter((a) => a.endsWith("MiB"))
        .map((a) => Number.parseInt(a, 10));
      if (!(start !== undefined && end !== undefined && start >= 0 && end > start)) bad.push(`parted mkpart at ${i}`);
    }
  }
  if (cmd === "lvcreate") {
    for (const size of after("-L")) if (!/^[1-9]\d*m$/.test(size)) bad.push(`lvcreate -L ${size}`);
    for (const name of after("-n")) if (!LV_NAME.test(name)) bad.push(`lvcreate -n ${name}`);
  }
  if (cmd === "vgcreate" && !LV_NAME.test(argv[1] ?? "")) bad.push(`vgcreate ${argv[1]}`);
  const max = LABEL_MAX[cmd ?? ""];
  if (max !== undefined)
    for (const label of [...after("-L"), ...after("-n")]) if (label.length > max) bad.push(`${cmd} label ${label}`);
  if (kind === "mount" && !(argv.at(-1) ?? "").startsWith(plan.targetRoot)) bad.push(`mount target ${argv.at(-1)}`);
  return bad;
}

// Partitions inside their disk, not overlapping, numbered within the table.
function checkDisks(plan: Plan): string[] {
  const bad: string[] = [];
  for (const disk of plan.disks) {
    const endMiB = Math.floor(disk.sizeBytes / 1024 / 1024);
    const main = disk.partitions.filter((p) => p.role !== "mbr-extended").sort((a, b) => a.startMiB - b.startMiB);
    let cursor = 0;
    for (const p of main) {
      if (p.sizeMiB <= 0) bad.push(`${p.device} has ${p.sizeMiB} MiB`);
      if (p.startMiB < cursor) bad.push(`${p.device} overlaps the partition before it`);
      if (p.startMiB + p.sizeMiB > endMiB) bad.push(`${p.device} ends past ${disk.path}`);
      if (p.number > (disk.table === "gpt" ? 128 : 64)) bad.push(`${p.device} is number ${p.number}`);
      cursor = p.startMiB + p.sizeMiB;
    }
  }
  return bad;
}

describe(`generated requests (seed ${SEED}, ${CASES} cases; BYOL_SEED=${SEED} replays)`, () => {
  it("are refused with one-line problems, or planned into commands that pass the runner's checks", () => {
    const r = prng(SEED);
    const tally = { invalid: 0, unplannable: 0, planned: 0 };
    for (let n = 0; n < CASES; n++) {
      const payload = generate(r);
      const machine = r.pick(machines);
      const where = `case ${n} (BYOL_SEED=${SEED}) on ${machine.name}: ${JSON.stringify(payload)}`;
      const parsed = parseRequest(payload);
      if (!parsed.ok) {
        tally.invalid++;
        assert.ok(parsed.problems.length > 0, where);
        for (const p of parsed.problems) assert.ok(p !== "" && !p.includes("\n"), `${where}\n${p}`);
        continue;
      }
      let plan: Plan;
      try {
        plan = buildPlan(parsed.request, machine.inventory);
      } catch (error) {
        assert.ok(error instanceof PlanError, `${where}\nnot a PlanError: ${String(error)}`);
        for (const p of error.problems) assert.ok(p !== "" && !p.includes("\n"), `${where}\n${p}`);
        tally.unplannable++;
        continue;
      }
      tally.planned++;
      const bad = [
        ...checkDisks(plan),
        ...plan.steps.flatMap((s) => s.commands.flatMap((c) => checkArgv(c, plan, s.kind))),
      ];
      assert.deepEqual(bad, [], where);
    }
    // the generator must reach all three outcomes, or the property says little
    assert.ok(tally.invalid > CASES / 10 && tally.planned > CASES / 10 && tally.unplannable > 0, JSON.stringify(tally));
  });
});
