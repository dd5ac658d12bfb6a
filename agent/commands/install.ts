// byol install: validate, probe, plan, then hand the plan to install() which runs it.
// With --detach, the same install runs in a session of its own and this process returns at once.

import { join, resolve } from "node:path";
import { EXIT, RequestError, UsageError } from "../errors.ts";
import { startDetached } from "../exec/detach.ts";
import { outliveObserver } from "../exec/observer.ts";
import { defaultRunDir, readRunState } from "../exec/state.ts";
import { assertNoRunInProgress, install, newRunId, STOP_AFTER_BYOI } from "../install.ts";
import { buildPlan } from "../plan/index.ts";
import { probe } from "../probe/index.ts";
import { readInventoryFile } from "../probe/inventory-file.ts";
import type { Inventory } from "../probe/types.ts";
import { redactorFor } from "../redact.ts";
import { defaultReportFile } from "../report/recorder.ts";
import { parseRequest } from "../request/index.ts";
import { readRequestInput } from "../request/read.ts";
import {
  BOOT_ORDER_FLAG,
  bootOrder,
  IMAGE_STAGING_FLAG,
  imageStaging,
  LOG_LEVEL_FLAG,
  logLevel,
  parseFlags,
  required,
} from "./args.ts";
import { readOnlyRunner } from "./common.ts";
import { DOWNLOAD_FLAGS, downloadTuning } from "./download-flags.ts";
import { secretArgs } from "./secret-arg.ts";

export const FLAGS = {
  request: { type: "string" },
  json: { type: "boolean" },
  "no-reboot": { type: "boolean" },
  report: { type: "string" },
  "report-url": { type: "string" },
  "boot-order": BOOT_ORDER_FLAG,
  "stop-after": { type: "string" },
  "run-dir": { type: "string" },
  "script-timeout": { type: "string", default: "30" },
  "image-staging": IMAGE_STAGING_FLAG,
  "log-level": LOG_LEVEL_FLAG,
  detach: { type: "boolean" },
  "run-id": { type: "string" }, // set by --detach for the process it starts
  "break-arrays": { type: "boolean" },
  ...DOWNLOAD_FLAGS,
} as const;

// Tests run a real install process on a host without target disks: the inventory then comes
// from this file (its disks need not exist) instead of the probe.
const TEST_INVENTORY = "BYOL_TEST_INVENTORY";
const RUN_ID = /^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/;

export async function installCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  outliveObserver(); // from here on, a closed stdout or a SIGHUP cannot stop this install
  const staging = imageStaging(flags["image-staging"]);
  const download = downloadTuning(flags);
  const scriptMinutes = Number(flags["script-timeout"]);
  if (!Number.isFinite(scriptMinutes) || scriptMinutes <= 0) {
    throw new UsageError(`--script-timeout: expected a number of minutes above 0, got '${flags["script-timeout"]}'`);
  }
  const order = bootOrder(flags["boot-order"]);
  if (flags["stop-after"] !== undefined && flags["stop-after"] !== "disks") {
    throw new UsageError(`--stop-after: expected 'disks', got '${flags["stop-after"]}'`);
  }
  const runId = flags["run-id"];
  if (runId !== undefined && (flags.detach || !RUN_ID.test(runId))) {
    throw new UsageError(`--run-id: expected letters, digits and '-', without --detach, got '${runId}'`);
  }
  const raw = await readRequestInput(required(flags.request, "--request"));
  // --detach hands its standard input to the install it starts, for the request
  const stdinTaken = flags.request === "-" ? "--request -" : flags.detach ? "--detach" : undefined;
  const secrets = secretArgs(stdinTaken !== undefined ? { stdinTaken } : {});
  const reportUrl =
    flags["report-url"] === undefined ? undefined : await secrets.value("--report-url", flags["report-url"]);
  const parsed = parseRequest(raw);
  if (!parsed.ok) throw new RequestError(parsed.problems);
  const request = parsed.request;
  if (flags["stop-after"] !== undefined && request.operatingSystem === "byoi_64") {
    throw new UsageError(STOP_AFTER_BYOI);
  }
  const inventory = await inventoryFor(request);
  const plan = buildPlan(request, inventory, { imageStaging: staging, breakArrays: flags["break-arrays"] === true });
  if (flags.detach) return await detach(args, raw, flags.json === true, flags["run-dir"], flags.report);
  return await install({
    request,
    logLevel: logLevel(flags["log-level"]),
    inventory,
    plan,
    // a test inventory describes another machine: this one's tools and kernel say nothing about it
    preflight: process.env[TEST_INVENTORY] === undefined,
    json: flags.json === true,
    noReboot: flags["no-reboot"] === true,
    bootOrder: order,
    scriptTimeoutMs: Math.round(scriptMinutes * 60_000),
    download,
    ...(flags["stop-after"] === "disks" ? { stopAfter: "disks" as const } : {}),
    ...(flags["run-dir"] !== undefined ? { runDir: flags["run-dir"] } : {}),
    ...(runId !== undefined ? { runId } : {}),
    ...(flags.report !== undefined ? { report: flags.report } : {}),
    ...(reportUrl !== undefined ? { reportUrl } : {}),
  });
}

async function inventoryFor(request: Parameters<typeof redactorFor>[0]): Promise<Inventory> {
  const file = process.env[TEST_INVENTORY];
  if (file !== undefined && file !== "") return readInventoryFile(file);
  return probe(readOnlyRunner(redactorFor(request)));
}

// The request is valid and plans on this machine: start the same install in its own session,
// print where it runs, and return. `byol status --follow [--run ID]` shows it and ends with its code.
async function detach(
  args: string[],
  request: unknown,
  json: boolean,
  runDirFlag: string | undefined,
  reportFlag: string | undefined,
): Promise<number> {
  const stateDir = runDirFlag ?? defaultRunDir();
  assertNoRunInProgress(stateDir);
  const runId = newRunId();
  const runDir = runDirFlag ?? join(stateDir, runId);
  const pid = await startDetached({
    args: ["install", ...childArgs(args), "--request", "-", "--json", "--run-id", runId],
    input: JSON.stringify(request),
    runId,
    runDir,
    started: () => readRunState(stateDir)?.runId === runId,
  });
  // where the run record will be once the install has ended: what a caller fetches (Ansible, a provisioning system)
  const record = resolve(reportFlag ?? defaultReportFile(runId));
  process.stdout.write(
    json
      ? `${JSON.stringify({ runId, pid, runDir, record })}\n`
      : `byol: install ${runId} runs in the background (pid ${pid}, run dir ${runDir}); follow it with 'byol status --follow --run ${runId}'\n`,
  );
  return EXIT.ok;
}

// The caller's flags, less those the parent handles: the request goes through a pipe, and the
// child always writes JSON lines (to stdout.log in its run dir).
function childArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--detach" || a === "--json") continue;
    if (a === "--request") {
      i++;
      continue;
    }
    if (a.startsWith("--request=")) continue;
    out.push(a);
  }
  return out;
}
