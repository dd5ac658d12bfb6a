// summary.json of a run record as a zod schema: the source of schemas/summary.schema.json
// (npm run schemas) and the check, in the tests, that a written summary is what is documented.
// Its `version` is SUMMARY_VERSION (summary.ts).

import { z } from "zod";
import { SUMMARY_VERSION } from "./summary.ts";

const errorInfo = z.strictObject({ code: z.string(), message: z.string() });

export const summarySchema = z
  .strictObject({
    version: z.literal(SUMMARY_VERSION).describe("version of this schema"),
    runId: z.string(),
    ok: z.boolean(),
    exitCode: z.number().int().describe("0, 2, 3, 4 or 130, as the install exited"),
    error: errorInfo.optional().describe("the result's error; its code is listed in docs/contract.md"),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    steps: z
      .array(
        z.strictObject({
          id: z.string().describe("plan step id"),
          title: z.string().optional(),
          durationMs: z.number().int().nonnegative(),
          phase: z.enum(["done", "failed", "interrupted"]),
          error: errorInfo.optional(),
        }),
      )
      .describe("every step that started, in start order"),
    byolVersion: z.string().describe("the byol that ran the install"),
    byolCommit: z.string().describe('the git commit it was built from: 12 hex digits ("-dirty"), or "unknown"'),
    operatingSystem: z.enum(["byolinux_64", "byoi_64"]),
  })
  .describe("summary.json of a run record (`byol report show FILE --json`)");
