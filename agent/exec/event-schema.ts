// The --json event lines (and events.jsonl) as a zod schema: the source of schemas/events.schema.json
// (npm run schemas) and the check, in the tests, that what the sink writes is what is documented.
// Every line carries the schema version and the run id; bump EVENTS_SCHEMA_VERSION when a field
// changes meaning or goes away (a new optional field is not a new version). The constant lives in
// events.ts: `byol status --follow` prints events and loads no zod.

import { z } from "zod";
import { EVENTS_SCHEMA_VERSION } from "./events.ts";

const errorInfo = z
  .strictObject({
    code: z.string().describe("stable machine-readable code, listed in docs/contract.md"),
    message: z.string().describe("for a person; OVH's wording where OVH documents one"),
  })
  .describe("what failed");

// The fields every line has, whatever its phase.
const line = {
  ts: z.iso.datetime().describe("when the event happened (ISO 8601, UTC)"),
  schemaVersion: z.literal(EVENTS_SCHEMA_VERSION).describe("version of this schema"),
  runId: z.string().nullable().describe("the run's id (its run dir and record name); null outside a run"),
};
const step = z.string().describe('plan step id ("wipe", "partition:/dev/sda") or a pseudo-step (validate, teardown)');
const durationMs = z.number().int().nonnegative();

export const eventSchema = z
  .discriminatedUnion("phase", [
    z.strictObject({ ...line, step, phase: z.literal("start"), title: z.string() }),
    z.strictObject({
      ...line,
      step,
      phase: z.literal("progress"),
      bytes: z.number().nonnegative().describe("done so far"),
      total: z.number().nonnegative().nullable().describe("null when unknown"),
      message: z.string().optional().describe("what is in progress, when not the step's title"),
    }),
    z.strictObject({ ...line, step, phase: z.literal("done"), durationMs }),
    z.strictObject({ ...line, step, phase: z.literal("failed"), durationMs, error: errorInfo }),
    z.strictObject({
      ...line,
      step,
      phase: z.literal("log"),
      level: z.enum(["info", "warn"]),
      message: z.string(),
    }),
    z
      .strictObject({
        ...line,
        step: step.optional().describe("the command, when it failed before a run began"),
        phase: z.literal("result"),
        ok: z.boolean(),
        exitCode: z.number().int().describe("0, 2, 3, 4 or 130: the process's exit code"),
        error: errorInfo.optional(),
        image: z.looseObject({}).optional().describe("byol fetch: what it found in the image"),
        released: z.array(z.string()).optional().describe("byol cleanup: what it released"),
        problems: z.array(z.string()).optional().describe("byol cleanup: what it could not release"),
        missing: z
          .array(z.strictObject({ tool: z.string(), package: z.string() }))
          .optional()
          .describe("byol preflight: the missing programs and the packages that provide them"),
        packages: z.array(z.string()).optional().describe("byol preflight: the packages to install, unique"),
        kernel: z.array(z.string()).optional().describe("byol preflight: missing kernel modules or features"),
        bootMode: z.enum(["uefi", "bios"]).optional().describe("byol preflight: the machine's boot mode"),
        installed: z.array(z.string()).optional().describe("byol preflight --install-missing: what apt-get installed"),
      })
      .describe("always the last line"),
  ])
  .describe("One line of `byol install --json` (and of a run's events.jsonl)");

export type EventLine = z.infer<typeof eventSchema>;
