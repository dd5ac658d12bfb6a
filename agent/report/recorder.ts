// The install's side of the run record: collect the final files while the installed system is
// still mounted, then write the bundle once the result is known (on success, failure and
// SIGTERM, and before a reboot), and upload it when --report-url is given. Never throws:
// a run record that cannot be written is logged, and the install's result stands.

import { join } from "node:path";
import type { Logger } from "pino";
import type { RunContext } from "../exec/context.ts";
import type { RunResult } from "../exec/events.ts";
import { readRunState, runStateFile } from "../exec/state.ts";
import type { Plan } from "../plan/types.ts";
import type { Inventory } from "../probe/types.ts";
import type { Redactor } from "../redact.ts";
import type { InstallRequest } from "../request/types.ts";
import { type ExtraFile, writeRunRecord } from "./bundle.ts";
import { readJsonLines } from "./jsonl.ts";
import { readInside } from "./read-inside.ts";
import { buildRunSummary, type TimedEvent } from "./summary.ts";
import { describeUploadUrl, uploadRunRecord } from "./upload.ts";

export const DEFAULT_REPORT_DIR = "/var/log/byol";

export interface RecorderOptions {
  runId: string;
  runDir: string; // events.jsonl, journal.jsonl, byol.log, make_image_bootable.log
  stateDir?: string; // current.json goes in as state.json
  request: InstallRequest;
  inventory: Inventory;
  plan: Plan;
  redactor: Redactor;
  log: Logger;
  report?: string; // --report FILE; default <BYOL_REPORT_DIR or /var/log/byol>/<runId>.tar
  reportUrl?: string; // --report-url URL
  announce?: (line: string) => void; // a line for the person at the terminal (not with --json)
}

// BYOL_REPORT_DIR lets tests and rigs keep records away from /var/log/byol.
export function defaultReportFile(runId: string): string {
  return join(process.env["BYOL_REPORT_DIR"] ?? DEFAULT_REPORT_DIR, `${runId}.tar`);
}

export class RunRecorder {
  readonly file: string;
  readonly #opts: RecorderOptions;
  #extra: ExtraFile[] = [];
  #written: Promise<string | undefined> | undefined;

  constructor(opts: RecorderOptions) {
    this.#opts = opts;
    this.file = opts.report ?? defaultReportFile(opts.runId);
  }

  // The final fstab and mdadm.conf (read from the mounted target) and `sgdisk -p` of each
  // target disk. Call it while the target is still mounted: before the finish step, and in the
  // failure path before the teardown. A later call replaces what an earlier one collected.
  // Disks the run never wrote are not opened at all: a failure before the disks leaves them as they were.
  async collect(ctx: Pick<RunContext, "runner" | "log" | "state">): Promise<void> {
    try {
      this.#extra = await collectFinalFiles(ctx, this.#opts.plan, ctx.state.disksWritten);
    } catch (error) {
      ctx.log.warn({ err: error }, "collecting the final files for the run record failed");
    }
  }

  // Writes the bundle (once: later calls return the first call's promise) and uploads it.
  // Without `result`, the result line of events.jsonl is used. Resolves to the file, or
  // undefined when it could not be written.
  write(result?: RunResult): Promise<string | undefined> {
    this.#written ??= this.#write(result);
    return this.#written;
  }

  async #write(given: RunResult | undefined): Promise<string | undefined> {
    const o = this.#opts;
    const result = given ?? resultFromEvents(o.runDir);
    const state = o.stateDir === undefined ? undefined : safe(() => readRunState(o.stateDir));
    const identity = { runId: o.runId, operatingSystem: o.request.operatingSystem };
    const summary = buildRunSummary(o.runDir, result, state ? { ...identity, startedAt: state.startedAt } : identity);
    const extraFiles = [...this.#extra];
    if (o.stateDir !== undefined) extraFiles.push({ name: "state.json", path: runStateFile(o.stateDir) });
    try {
      await writeRunRecord({ ...o, file: this.file, summary, extraFiles });
      o.log.info({ file: this.file }, "run record written");
      o.announce?.(`run record: ${this.file}`);
    } catch (error) {
      o.log.error({ err: error }, "writing the run record failed");
      o.announce?.(`warning: ${(error as Error).message}`);
      return undefined;
    }
    if (o.reportUrl !== undefined) {
      try {
        await uploadRunRecord(this.file, o.reportUrl);
        o.log.info({ url: describeUploadUrl(o.reportUrl) }, "run record uploaded");
      } catch (error) {
        o.log.error({ err: error }, "uploading the run record failed");
        o.announce?.(`warning: ${(error as Error).message}`);
      }
    }
    return this.file;
  }
}

// fstab, mdadm.conf and `sgdisk -p` of each disk. Commands go through the run's runner (and so
// into the journal) under the step "record", and still run after SIGTERM.
export async function collectFinalFiles(
  ctx: Pick<RunContext, "runner" | "log">,
  plan: Plan,
  disksWritten = true,
): Promise<ExtraFile[]> {
  // read now, not when the bundle is written: by then the finish step or the teardown has unmounted the target
  const files: ExtraFile[] = [];
  for (const [name, path] of [
    ["fstab", "etc/fstab"],
    ["mdadm.conf", "etc/mdadm/mdadm.conf"],
  ] as const) {
    const content = await readInside(plan.targetRoot, path);
    if (content !== undefined) files.push({ name, content });
  }
  for (const disk of disksWritten ? plan.disks : []) {
    const name = `sgdisk-p/${disk.path.replace(/^\/dev\//, "").replaceAll("/", "_")}.txt`;
    try {
      const r = await ctx.runner.run(["sgdisk", "-p", disk.path], {
        step: "record",
        ignoreAbort: true,
        timeoutMs: 15_000,
        okExitCodes: [0, 1, 2, 3, 4],
      });
      files.push({ name, content: `${r.stdout}${r.stderr === "" ? "" : `\n${r.stderr}`}` });
    } catch (error) {
      files.push({ name, content: `sgdisk -p ${disk.path} failed: ${(error as Error).message}\n` });
    }
  }
  return files;
}

function resultFromEvents(runDir: string): RunResult {
  const last = readJsonLines<TimedEvent>(join(runDir, "events.jsonl")).findLast((e) => e.phase === "result");
  if (last?.phase === "result") {
    const { phase: _, ts: __, ...result } = last;
    return result;
  }
  return { ok: false, exitCode: 1, error: { code: "no-result", message: "the run ended without a result" } };
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
