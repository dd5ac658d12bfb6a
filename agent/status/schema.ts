// What `byol status --json` prints, as a zod schema: the source of schemas/status.schema.json
// (npm run schemas) and the check, in the tests, that the output is what is documented. Bump
// STATUS_SCHEMA_VERSION (read.ts: byol status itself loads no zod) when a field changes meaning or
// goes away.

import { z } from "zod";
import { STATUS_SCHEMA_VERSION } from "./read.ts";

export const OVH_STEPS = [
  "download",
  "partitioning",
  "configdrive",
  "deploy",
  "make_image_bootable",
  "boot order",
  "reboot",
] as const;
const stepStatus = z.enum(["todo", "doing", "done", "error"]);

export const statusSchema = z
  .strictObject({
    schemaVersion: z.literal(STATUS_SCHEMA_VERSION).describe("version of this schema"),
    byol: z
      .strictObject({
        version: z.string().describe("package.json's"),
        commit: z.string().describe('12 hex digits ("-dirty" for a changed tree), or "unknown"'),
      })
      .describe("the byol that runs (or ran) the install; this byol's when there is no run"),
    runId: z.string().nullable().describe("the current or last run; null when none was recorded"),
    state: z.enum(["running", "done", "failed", "interrupted", "none"]),
    step: z.string().nullable().describe("the plan step running now, or the one the run ended in"),
    ovhStep: z.enum(OVH_STEPS).nullable().describe("that step's name in OVH's progress list"),
    progress: z
      .strictObject({ bytes: z.number().nonnegative(), total: z.number().nonnegative().nullable() })
      .optional()
      .describe("the current step's last progress"),
    steps: z
      .array(z.strictObject({ name: z.enum(OVH_STEPS), status: stepStatus }))
      .describe("OVH's progress list, in plan order"),
    result: z
      .strictObject({
        ok: z.boolean(),
        exitCode: z.number().int(),
        error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
      })
      .optional(),
    pid: z.number().int().optional().describe("the install's process"),
    startedAt: z.iso.datetime().optional(),
    disksWritten: z.boolean().optional().describe("whether the run had written the target disks"),
  })
  .describe("`byol status --json`: the equivalent of OVH's GET …/install/status");

export type StatusLine = z.infer<typeof statusSchema>;
