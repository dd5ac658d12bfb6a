// The JSON Schemas of byol's machine contract, from the zod schemas the agent and its tests use:
// the request (OVH's reinstall payload), the --json event lines, `status --json`, the plan and a
// run record's summary.json. `npm run schemas` writes them to schemas/; test/scripts/schemas.test.ts
// fails when the checked-in files are not what this produces.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { eventSchema } from "../../agent/exec/event-schema.ts";
import { EVENTS_SCHEMA_VERSION } from "../../agent/exec/events.ts";
import { planSchema } from "../../agent/plan/schema.ts";
import { PLAN_VERSION } from "../../agent/plan/types.ts";
import { SUMMARY_VERSION } from "../../agent/report/summary.ts";
import { summarySchema } from "../../agent/report/summary-schema.ts";
import { reinstallSchema } from "../../agent/request/schema.ts";
import { STATUS_SCHEMA_VERSION } from "../../agent/status/read.ts";
import { statusSchema } from "../../agent/status/schema.ts";

export const SCHEMAS_DIR = join(import.meta.dirname, "../../schemas");

interface Entry {
  file: string;
  title: string;
  version: number | null; // the schemaVersion/version field the documents carry; null: the request has none
  schema: z.ZodType;
  io: "input" | "output";
}

const ENTRIES: Entry[] = [
  // The request is what byol accepts (input); the legacy install/start form is normalised to it.
  { file: "request.schema.json", title: "byol install request", version: null, schema: reinstallSchema, io: "input" },
  {
    file: "events.schema.json",
    title: "byol --json event line",
    version: EVENTS_SCHEMA_VERSION,
    schema: eventSchema,
    io: "output",
  },
  {
    file: "status.schema.json",
    title: "byol status --json",
    version: STATUS_SCHEMA_VERSION,
    schema: statusSchema,
    io: "output",
  },
  { file: "plan.schema.json", title: "byol plan", version: PLAN_VERSION, schema: planSchema, io: "output" },
  {
    file: "summary.schema.json",
    title: "byol run record summary.json",
    version: SUMMARY_VERSION,
    schema: summarySchema,
    io: "output",
  },
];

// File name -> its text, as `npm run schemas` writes it.
export function schemaFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of ENTRIES) {
    const generated = z.toJSONSchema(e.schema, { target: "draft-2020-12", io: e.io }) as Record<string, unknown>;
    const { $schema, ...rest } = generated;
    const doc = {
      $schema,
      $id: `https://byol.invalid/schemas/${e.file}`,
      title: e.title,
      ...(e.version !== null && { "x-byol-schema-version": e.version }),
      ...rest,
    };
    out.set(e.file, `${JSON.stringify(doc, null, 2)}\n`);
  }
  return out;
}

if (import.meta.main) {
  for (const [file, text] of schemaFiles()) {
    writeFileSync(join(SCHEMAS_DIR, file), text);
    process.stdout.write(`wrote schemas/${file}\n`);
  }
}
