// Reads a run record back: its members as text, and the parsed pieces the report, diff and
// replay commands work from. Member names lose their leading "<runId>/".

import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { InputError } from "../errors.ts";
import type { JournalEntry } from "../exec/types.ts";
import { PLAN_VERSION, type Plan } from "../plan/types.ts";
import type { Inventory } from "../probe/types.ts";
import { nestedDeeper } from "../request/nesting.ts";
import { parseJsonLines } from "./jsonl.ts";
import type { RecordedRequest } from "./request-record.ts";
import type { RunSummary, TimedEvent } from "./summary.ts";

export interface RunRecord {
  file: string;
  files: Map<string, string>;
  summary: RunSummary;
  request?: RecordedRequest;
  inventory?: Inventory;
  plan?: Plan;
  events: TimedEvent[];
  journal: JournalEntry[];
}

export async function readRunRecord(file: string): Promise<RunRecord> {
  const files = new Map<string, string>();
  const extract = tar.extract();
  const collect = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.type === "file")
        files.set(entry.header.name.replace(/^[^/]*\//, ""), Buffer.concat(chunks).toString("utf8"));
    }
  })();
  try {
    await Promise.all([pipeline(createReadStream(file), extract), collect]);
  } catch (error) {
    throw new InputError(`reading the run record ${file}: ${(error as Error).message}`, { cause: error });
  }
  const summary = parseMember<RunSummary>(file, files, "summary.json");
  if (summary === undefined) throw new InputError(`reading the run record ${file}: it has no summary.json`);
  if (!isSummary(summary)) throw new InputError(`reading the run record ${file}: summary.json is not a run summary`);
  const record: RunRecord = {
    file,
    files,
    summary,
    events: parseJsonLines<TimedEvent>(files.get("events.jsonl") ?? ""),
    journal: parseJsonLines<JournalEntry>(files.get("journal.jsonl") ?? ""),
  };
  const request = parseMember<RecordedRequest>(file, files, "request.json");
  if (request !== undefined) record.request = request;
  const inventory = parseMember<Inventory>(file, files, "inventory.json");
  if (inventory !== undefined) record.inventory = inventory;
  const plan = parseMember<Plan>(file, files, "plan.json");
  if (plan !== undefined) record.plan = knownPlanVersion(file, plan);
  return record;
}

// A plan of another version may mean other step kinds and fields: refuse it rather than misread it.
function knownPlanVersion(file: string, plan: Plan): Plan {
  const version = (plan as { version?: unknown } | null)?.version;
  if (version === PLAN_VERSION) return plan;
  const found = typeof version === "number" ? `plan version ${version}` : "no plan version";
  throw new InputError(
    `reading the run record ${file}: plan.json has ${found}; this byol reads plan version ${PLAN_VERSION} (use the byol that wrote the record)`,
  );
}

function parseMember<T>(file: string, files: Map<string, string>, name: string): T | undefined {
  const text = files.get(name);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`reading the run record ${file}: ${name}: ${(error as Error).message}`, { cause: error });
  }
  if (nestedDeeper(value)) throw new InputError(`reading the run record ${file}: ${name} is nested too deep`);
  return value as T;
}

// The fields `report show` and `replay` read without looking: a summary that lacks them is malformed.
function isSummary(value: unknown): value is RunSummary {
  const s = value as Partial<RunSummary> | null;
  return (
    typeof s === "object" &&
    s !== null &&
    typeof s.runId === "string" &&
    typeof s.ok === "boolean" &&
    Array.isArray(s.steps) &&
    s.steps.every((st) => typeof st === "object" && st !== null && typeof st.id === "string")
  );
}
