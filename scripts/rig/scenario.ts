// A rig scenario (fixtures/scenarios/*.json): the machine, the fixture image, the OVH request and what to expect.
// Parsing and placeholder substitution only; no I/O here.
import { z } from "zod";

const diskSchema = z.strictObject({
  sizeGiB: z.number().positive(),
  logicalBlockSize: z.union([z.literal(512), z.literal(4096)]).optional(),
});

const machineSchema = z.strictObject({
  firmware: z.enum(["uefi", "bios"]),
  memoryMiB: z.number().int().min(1024).default(4096),
  cpus: z.number().int().min(1).max(8).default(2),
  disks: z.array(diskSchema).min(1).max(8),
});

const commandSchema = z.strictObject({
  run: z.string().min(1),
  contains: z.string(),
});

const expectSchema = z.strictObject({
  exitCode: z.union([z.literal(0), z.literal(3), z.literal(4)]).default(0),
  error: z.string().min(1).optional(),
  commands: z.array(commandSchema).default([]),
  // "no-gpt": after the (failed) run, the first disk's first MiB must not be a bootable GPT
  firstMiB: z.literal("no-gpt").optional(),
});

const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
  description: z.string().optional(),
  machine: machineSchema,
  // cut the controller's SSH connection once the install reports progress in this step; byol remote must attach
  // again and the install go on as if nothing happened
  disconnectAt: z.enum(["download", "copy", "bootable-script"]).optional(),
  image: z.string().min(1),
  request: z.record(z.string(), z.unknown()),
  expect: expectSchema.default({ exitCode: 0, commands: [] }),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioMachine = Scenario["machine"];

/** The values the rig puts in place of ${IMAGE_URL}, ${IMAGE_SHA512}, ${IMAGE_SHA256} and ${SSH_PUBKEY}. */
export interface Substitutions {
  IMAGE_URL: string;
  IMAGE_SHA512: string;
  IMAGE_SHA256: string;
  SSH_PUBKEY: string;
}

// Parses a JSON text against a schema; the error starts with label and names every bad field by its path.
export function parseJsonWith<S extends z.ZodType>(schema: S, text: string, label: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${label}: not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new Error(`${label}: ${parsed.error.issues.length} problem(s):\n${lines.join("\n")}`);
  }
  return parsed.data;
}

// Parses a scenario file's text; the error names the file and every bad field by its path.
export function parseScenario(text: string, source: string): Scenario {
  const s = parseJsonWith(scenarioSchema, text, `scenario ${source}`);
  if (s.expect.exitCode !== 0 && s.expect.commands.length > 0) {
    throw new Error(
      `scenario ${source}: expect.commands: a failing install (exit ${s.expect.exitCode}) is never booted`,
    );
  }
  return s;
}

const PLACEHOLDER = /\$\{([A-Z0-9_]+)\}/g;

// Replaces the placeholders in every string of the request; an unknown ${NAME} is an error, not left as is.
export function substitute(request: unknown, values: Substitutions): unknown {
  const known = values as unknown as Record<string, string>;
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === "string") {
      return v.replace(PLACEHOLDER, (_, name: string) => {
        const value = known[name];
        if (value === undefined) {
          throw new Error(
            `scenario request ${path}: unknown placeholder \${${name}} (known: ${Object.keys(values).join(", ")})`,
          );
        }
        return value;
      });
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, path ? `${path}.${k}` : k)]));
    }
    return v;
  };
  return walk(request, "");
}

// A scenario whose request puts a file system on ZFS needs the rescue with ZFS (scripts/rescue/build.ts --zfs).
export function needsZfs(scenario: Pick<Scenario, "request">): boolean {
  const storage = scenario.request["storage"];
  if (!Array.isArray(storage)) return false;
  return storage.some((group) => {
    const layout = (group as { partitioning?: { layout?: unknown } })?.partitioning?.layout;
    return Array.isArray(layout) && layout.some((entry) => (entry as { fileSystem?: unknown })?.fileSystem === "zfs");
  });
}
