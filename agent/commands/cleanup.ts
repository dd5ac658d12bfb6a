// byol cleanup: release what a failed or killed run left behind.

import { pino } from "pino";
import { cleanup } from "../cleanup.ts";
import { createEventSink } from "../exec/events.ts";
import { Redactor } from "../redact.ts";
import { parseFlags } from "./args.ts";
import { readOnlyRunner } from "./common.ts";

export const FLAGS = { "run-dir": { type: "string" }, json: { type: "boolean" } } as const;

export async function cleanupCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  const redactor = new Redactor();
  const events = createEventSink({ json: flags.json === true, out: process.stdout, redactor });
  const log = pino({ level: "silent" });
  const result = await cleanup(
    { runner: readOnlyRunner(redactor), log, events },
    flags["run-dir"] !== undefined ? { runDir: flags["run-dir"] } : {},
  );
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ phase: "result", ok: result.problems.length === 0, ...result })}\n`);
  } else {
    for (const r of result.released) process.stdout.write(`released ${r}\n`);
    for (const p of result.problems) process.stderr.write(`problem: ${p}\n`);
    if (result.released.length === 0 && result.problems.length === 0) process.stdout.write("nothing to clean up\n");
  }
  return result.problems.length === 0 ? 0 : 3;
}
