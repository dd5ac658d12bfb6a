// byol install: validate, probe, plan, then hand the plan to install() which runs it.

import { UsageError } from "../errors.ts";
import { install, STOP_AFTER_BYOI } from "../install.ts";
import { buildPlan } from "../plan/index.ts";
import { probe } from "../probe/index.ts";
import { redactorFor } from "../redact.ts";
import { BOOT_ORDER_FLAG, bootOrder, IMAGE_STAGING_FLAG, imageStaging, parseFlags, required } from "./args.ts";
import { loadRequest, readOnlyRunner } from "./common.ts";

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
} as const;

export async function installCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  const staging = imageStaging(flags["image-staging"]);
  const scriptMinutes = Number(flags["script-timeout"]);
  if (!Number.isFinite(scriptMinutes) || scriptMinutes <= 0) {
    throw new UsageError(`--script-timeout: expected a number of minutes above 0, got '${flags["script-timeout"]}'`);
  }
  const order = bootOrder(flags["boot-order"]);
  if (flags["stop-after"] !== undefined && flags["stop-after"] !== "disks") {
    throw new UsageError(`--stop-after: expected 'disks', got '${flags["stop-after"]}'`);
  }
  const request = await loadRequest(required(flags.request, "--request"));
  if (flags["stop-after"] !== undefined && request.operatingSystem === "byoi_64") {
    throw new UsageError(STOP_AFTER_BYOI);
  }
  const inventory = await probe(readOnlyRunner(redactorFor(request)));
  const plan = buildPlan(request, inventory, { imageStaging: staging });
  return await install({
    request,
    inventory,
    plan,
    json: flags.json === true,
    noReboot: flags["no-reboot"] === true,
    bootOrder: order,
    scriptTimeoutMs: Math.round(scriptMinutes * 60_000),
    ...(flags["stop-after"] === "disks" ? { stopAfter: "disks" as const } : {}),
    ...(flags["run-dir"] !== undefined ? { runDir: flags["run-dir"] } : {}),
    ...(flags.report !== undefined ? { report: flags.report } : {}),
    ...(flags["report-url"] !== undefined ? { reportUrl: flags["report-url"] } : {}),
  });
}
