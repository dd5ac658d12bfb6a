// The inventory file read by `byol plan --inventory FILE`: what `byol inventory --json`
// prints, or a hand-written machine. Only firmware, memoryBytes and each disk's path,
// sizeBytes and logicalSectorSize are required; every other field gets its default here,
// so the planner never sees undefined where the probe would have given a value.
// A disk listed under `disks` that is removable, read-only or hot-plugged (files written
// before byol excluded those, or by hand) moves to `excluded`, as the probe would have put it.

import { readFile } from "node:fs/promises";
import { z } from "zod";
import { RequestError } from "../errors.ts";
import { nestedDeeper, tooDeepText } from "../request/nesting.ts";
import { exclusionReasons, splitExcluded } from "./exclusions.ts";
import type { Inventory } from "./types.ts";

// Each `error` below is the expected value, as the problem line prints it.
const positiveInt = z
  .number({ error: "a positive integer" })
  .int({ error: "a positive integer" })
  .positive({ error: "a positive integer" })
  .max(Number.MAX_SAFE_INTEGER, { error: "a positive integer below 2^53" });
const sectorSize = z.literal([512, 4096], { error: "512 or 4096" });
const flag = z.boolean({ error: "true or false" });
const text = z.string({ error: "a string" });
const nonEmpty = text.min(1, { error: "a non-empty string" });

const diskSchema = z
  .strictObject({
    path: text.regex(/^\/dev\/[^/\s]+(\/[^/\s]+)*$/, { error: 'a device path such as "/dev/sda"' }),
    name: nonEmpty.optional(),
    sizeBytes: positiveInt,
    logicalSectorSize: sectorSize,
    physicalSectorSize: sectorSize.optional(),
    rotational: flag.default(false),
    removable: flag.default(false),
    readOnly: flag.default(false),
    hotplug: flag.default(false),
    model: text.optional(),
    serial: text.optional(),
    wwn: text.optional(),
    transport: text.optional(),
  })
  // Rebuilt in Disk's key order, so a parsed file prints like `byol inventory --json`.
  .transform(({ path, name, sizeBytes, logicalSectorSize, physicalSectorSize, ...rest }) => ({
    path,
    name: name ?? path.slice(path.lastIndexOf("/") + 1),
    sizeBytes,
    logicalSectorSize,
    physicalSectorSize: physicalSectorSize ?? logicalSectorSize,
    ...rest,
  }));

// An excluded disk as `byol inventory --json` prints it: a disk plus the reasons, which are
// derived again from its fields (a file cannot make a removable disk a target by editing them).
const excludedSchema = diskSchema.and(z.object({ reasons: z.array(text).optional() })).transform((disk) => ({
  ...disk,
  reasons: exclusionReasons(disk).length > 0 ? exclusionReasons(disk) : ["excluded in the inventory file"],
}));

const mdArraySchema = z.strictObject({
  device: nonEmpty,
  level: text.optional(),
  members: z.array(nonEmpty, { error: "a list of device paths" }).default([]),
  uuid: text.optional(),
});

const mountSchema = z.strictObject({ source: text, target: nonEmpty, fsType: nonEmpty });

const nicSchema = z.strictObject({
  name: nonEmpty,
  mac: text.regex(/^[0-9a-f]{2}(:[0-9a-f]{2})+$/i, { error: 'a MAC address such as "aa:bb:cc:dd:ee:ff"' }),
  mtu: positiveInt.optional(),
  up: flag.optional(),
});

// Key order follows Inventory so a parsed file prints like `byol inventory --json`.
const inventorySchema = z
  .strictObject(
    {
      firmware: z.enum(["uefi", "bios"], { error: '"uefi" or "bios"' }),
      memoryBytes: positiveInt,
      gptBoot: flag.default(true),
      disks: z.array(diskSchema, { error: "a list of disks" }),
      mdArrays: z.array(mdArraySchema, { error: "a list of md arrays" }).default([]),
      zfsPools: z
        .array(z.strictObject({ name: nonEmpty, members: z.array(nonEmpty) }), { error: "a list of ZFS pools" })
        .optional(),
      mounts: z.array(mountSchema, { error: "a list of mounts" }).default([]),
      nics: z.array(nicSchema, { error: "a list of network interfaces" }).default([]),
      rescueDisk: nonEmpty.optional(),
      excluded: z.array(excludedSchema, { error: "a list of excluded disks" }).default([]),
    },
    { error: "an inventory object" },
  )
  .superRefine((inventory, ctx) => {
    const seen = new Set<string>(inventory.excluded.map((d) => d.path));
    inventory.disks.forEach((disk, i) => {
      if (seen.has(disk.path)) {
        ctx.addIssue({
          code: "custom",
          path: ["disks", i, "path"],
          message: "a path not listed before",
          input: disk.path,
        });
      }
      seen.add(disk.path);
    });
  })
  .transform(({ rescueDisk, disks, excluded, ...rest }) => {
    const split = splitExcluded(disks);
    // Inventory's key order, as the probe prints it
    const { firmware, memoryBytes, gptBoot, mdArrays, zfsPools, mounts, nics } = rest;
    const out: Inventory = { firmware, memoryBytes, gptBoot, disks: split.disks, mdArrays, mounts, nics };
    if (zfsPools !== undefined) out.zfsPools = zfsPools;
    if (rescueDisk !== undefined) out.rescueDisk = rescueDisk;
    out.excluded = [...excluded, ...split.excluded];
    return out;
  });

// disks[0].sizeBytes, the way a person would point at the field.
function fieldName(path: PropertyKey[]): string {
  let name = "";
  for (const key of path) name += typeof key === "number" ? `[${key}]` : `${name ? "." : ""}${String(key)}`;
  return name || "inventory";
}

// The value as it appeared in the file, or "nothing" when the field is missing.
function received(issue: z.core.$ZodIssue): string {
  if (!("input" in issue)) return "nothing";
  return issue.input === undefined ? "nothing" : (JSON.stringify(issue.input) ?? String(issue.input));
}

// One line per problem: field, expected, received.
function problemLines(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      const object = (issue.input ?? {}) as Record<string, unknown>;
      return issue.keys.map((key) => {
        const value = JSON.stringify(object[key]) ?? "nothing";
        return `${fieldName([...issue.path, key])}: expected no such field (a typo?), received ${value}`;
      });
    }
    return [`${fieldName(issue.path)}: expected ${issue.message}, received ${received(issue)}`];
  });
}

// Validates a parsed inventory file and fills its defaults. Throws RequestError.
export function parseInventory(input: unknown): Inventory {
  if (nestedDeeper(input)) throw new RequestError([`inventory: ${tooDeepText()}`]);
  const result = inventorySchema.safeParse(input, { reportInput: true });
  if (!result.success) throw new RequestError(problemLines(result.error));
  return result.data;
}

// Reads and validates an inventory file. An unreadable or non-JSON file is a RequestError too.
export async function readInventoryFile(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new RequestError([`${path}: cannot read the inventory file (${(error as NodeJS.ErrnoException).code})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RequestError([`${path}: the inventory file is not JSON (${(error as Error).message})`]);
  }
  return parseInventory(json);
}
