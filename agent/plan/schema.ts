// The plan (`byol plan --json`, plan.json of a run record) as a zod schema: the source of
// schemas/plan.schema.json (npm run schemas) and, in the tests, the check that a built plan is what
// is documented. The types below are checked against types.ts both ways, so a field changed in one
// and not the other does not compile. Its `version` is PLAN_VERSION.

import { z } from "zod";
import { PLAN_VERSION, type Plan } from "./types.ts";

const argv = z.array(z.string()).readonly();
const str = z.string();
const fsKind = z.enum(["ext4", "xfs", "btrfs", "swap", "zfs", "vfat"]);
const imageType = z.enum(["qcow2", "raw"]);
const checksumType = z.enum(["md5", "sha1", "sha256", "sha512"]);
const table = z.enum(["gpt", "mbr"]);

const base = {
  id: str.describe('unique and stable: "wipe", "partition:/dev/sda", "raid:/dev/md0"'),
  title: str.describe("short lowercase context naming the object"),
  commands: z.array(argv).describe("argv of every command, in order; a <word-in-brackets> is only known at run time"),
};
const step = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) =>
  z.strictObject({ kind: z.literal(kind), ...base, ...shape });

const fstabEntry = z.strictObject({
  mountPoint: str,
  device: str,
  fileSystem: fsKind,
  options: str,
  dump: z.number(),
  pass: z.number(),
});

const span = z.strictObject({
  kind: z.enum(["md array", "LVM volume group", "ZFS pool"]),
  name: str,
  targetMembers: z.array(str),
  otherMembers: z.array(str).describe("on disks that are not targets"),
});
const wipe = step("wipe", {
  disks: z.array(str),
  spans: z.array(span).optional().describe("arrays with members on these disks and on others"),
  breakArrays: z.literal(true).optional().describe("--break-arrays: such arrays lose only the target's members"),
});
const steps = [
  wipe,
  step("partition", { disk: str, table, partitions: z.array(str) }),
  step("raid", {
    device: str,
    level: z.union([z.literal(0), z.literal(1), z.literal(5), z.literal(6), z.literal(10)]),
    metadata: z.enum(["1.0", "1.2"]),
    members: z.array(str),
  }),
  step("lvm", {
    vg: str,
    pvs: z.array(str),
    lvs: z.array(z.strictObject({ name: str, sizeMiB: z.number(), device: str })),
  }),
  step("zpool", {
    pool: str,
    raidLevel: z
      .union([z.literal(0), z.literal(1), z.literal(5), z.literal(6), z.literal(7), z.literal(10)])
      .describe("as requested (absent = 1)"),
    vdev: z.enum(["stripe", "mirror", "raidz1", "raidz2", "raidz3"]).describe("what is built"),
    lowered: str.optional().describe("why vdev is below the requested level (too few disks), as OVHcloud does"),
    members: z.array(str),
    options: z.array(str).describe('the pool options chosen: "ashift=12 (4096-byte physical sectors)", ...'),
    datasets: z.array(z.strictObject({ name: str, mountPoint: str, quotaMiB: z.number().optional() })),
  }),
  step("zfs-target", {
    pools: z.array(str),
    hostidFile: str.describe("the image's, else the rescue's /etc/hostid, else a new one"),
    cacheFile: str.describe("removed when the image has one: zfs-import-scan finds the exported pools"),
  }),
  step("mkfs", { device: str, fileSystem: fsKind, label: str.optional() }),
  step("mount", { device: str, mountPoint: str, target: str, fileSystem: fsKind }),
  step("config-drive", { disk: str, device: str, sizeMiB: z.number() }),
  step("byoi-config-drive", { disk: str, sizeMiB: z.number() }).describe("appended after the image's partitions"),
  step("download", {
    url: str.describe("credentials masked"),
    imageType,
    checksumType: checksumType.optional(),
    destination: z.enum(["ram", "disk"]),
    path: str,
  }),
  step("inspect", { imageType }),
  step("byoi-inspect", { imageType }),
  step("attach", { mountPoint: str }),
  step("copy", { source: str, target: str }),
  step("configure", {
    fstab: z.array(fstabEntry),
    mdadmConf: z.boolean(),
    hostname: str.optional(),
    zfsMountPoints: z
      .array(str)
      .optional()
      .describe("ZFS datasets: no fstab line (zfs-mount mounts them); the image's lines for them are dropped"),
  }),
  step("bootable-script", { script: str, root: str }),
  step("boot-entries", { espDevices: z.array(str), loaderPath: str.optional() }),
  step("byoi-boot-entries", { loaderPath: str.optional().describe("efiBootloaderPath (UEFI only)") }),
  z.discriminatedUnion("source", [
    step("write-image", { disk: str, source: z.literal("file"), imageType, path: str }).describe(
      "the copy the download step put in RAM",
    ),
    step("write-image", {
      disk: str,
      source: z.literal("http"),
      imageType: z.literal("raw"),
      url: str.describe("credentials and query values masked"),
      checksumType: checksumType.optional(),
      wipe: wipe.describe("run once the image's first MiB shows a partition table"),
    }).describe("a raw image streamed from the URL onto the disk"),
  ]),
  step("move-backup-gpt", { disk: str }),
  step("finish", { unmount: z.array(str) }),
] as const;

const partition = z.strictObject({
  number: z.number().int().positive(),
  device: str,
  role: z.enum(["esp", "bios-boot", "layout", "lvm-pv", "zfs", "config-drive", "mbr-extended"]),
  startMiB: z.number(),
  sizeMiB: z.number(),
  typeCode: str,
  label: str.optional(),
  layoutIndex: z.number().int().optional(),
  active: z.boolean().optional(),
});

export const planSchema = z
  .strictObject({
    version: z.literal(PLAN_VERSION).describe("version of this schema; report and replay refuse another"),
    operatingSystem: z.enum(["byolinux_64", "byoi_64"]),
    firmware: z.enum(["uefi", "bios"]),
    table,
    targetRoot: str,
    disks: z.array(
      z.strictObject({
        path: str,
        sizeBytes: z.number(),
        logicalSectorSize: z.number(),
        table,
        partitions: z.array(partition),
      }),
    ),
    fstab: z.array(fstabEntry),
    steps: z.array(z.discriminatedUnion("kind", [...steps])),
  })
  .describe("An install plan: `byol plan --json`, and plan.json of a run record");

// Compile-time: the schema's plan and types.ts's Plan are assignable both ways (a required field
// or a step kind in one and not the other fails tsc; the tests parse real plans for the rest).
// If tsc says `true` is not assignable to `false` here: make this file match types.ts, then run
// `npm run schemas` (and bump PLAN_VERSION if a field changed meaning or went away).
type Both<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const PLAN_SCHEMA_MATCHES_TYPES: Both<z.infer<typeof planSchema>, Plan> = true;
