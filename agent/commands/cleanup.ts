// byol cleanup: release what a failed or killed run left behind. It is a run of its own: its
// journal.jsonl, events.jsonl and byol.log go to <run dir>/cleanup-<time>, as an install's do.

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { cleanup } from "../cleanup.ts";
import { createEventSink } from "../exec/events.ts";
import { Journal } from "../exec/journal.ts";
import { createRunner } from "../exec/runner.ts";
import { defaultRunDir } from "../exec/state.ts";
import { createLogger } from "../log.ts";
import { Redactor } from "../redact.ts";
import { LOG_LEVEL_FLAG, logLevel, parseFlags } from "./args.ts";

export const FLAGS = {
  "run-dir": { type: "string" },
  json: { type: "boolean" },
  "log-level": LOG_LEVEL_FLAG,
} as const;

export async function cleanupCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  const level = logLevel(flags["log-level"]);
  const stateDir = flags["run-dir"] ?? defaultRunDir();
  const runId = `cleanup-${new Date().toISOString().replace(/[-:]|\.\d+/g, "")}-${randomBytes(3).toString("hex")}`;
  const runDir = join(stateDir, runId);
  const redactor = new Redactor();
  const file = join(runDir, "events.jsonl");
  const events = createEventSink({ json: flags.json === true, out: process.stdout, redactor, file, runId });
  const log = createLogger({ redactor, file: join(runDir, "byol.log"), level });
  const runner = createRunner({ journal: new Journal(join(runDir, "journal.jsonl")), redactor, log });
  log.info({ runId, stateDir }, "cleanup");
  const result = await cleanup({ runner, log, events }, flags["run-dir"] !== undefined ? { runDir: stateDir } : {});
  const ok = result.problems.length === 0;
  log.info({ ...result }, "cleanup done");
  if (flags.json) {
    events.result({ ok, exitCode: ok ? 0 : 3, ...result });
  } else {
    for (const r of result.released) process.stdout.write(`released ${r}\n`);
    for (const p of result.problems) process.stderr.write(`problem: ${p}\n`);
    if (result.released.length === 0 && ok) process.stdout.write("nothing to clean up\n");
  }
  return ok ? 0 : 3;
}
