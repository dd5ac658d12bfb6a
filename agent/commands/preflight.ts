// byol preflight: does this machine have what the request's plan needs? With --install-missing,
// missing tools are installed with apt-get. Nothing is written to a disk.

import { EXIT } from "../errors.ts";
import { buildPlan } from "../plan/index.ts";
import { type PreflightResult, preflight } from "../preflight/check.ts";
import { needsOf } from "../preflight/needs.ts";
import { probe } from "../probe/index.ts";
import { readInventoryFile } from "../probe/inventory-file.ts";
import { redactorFor } from "../redact.ts";
import { IMAGE_STAGING_FLAG, imageStaging, parseFlags, required } from "./args.ts";
import { loadRequest, readOnlyRunner } from "./common.ts";
import { resultHead } from "./exit.ts";

export const FLAGS = {
  request: { type: "string" },
  inventory: { type: "string" },
  "install-missing": { type: "boolean" },
  json: { type: "boolean" },
  "image-staging": IMAGE_STAGING_FLAG,
} as const;

export async function preflightCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  const staging = imageStaging(flags["image-staging"]);
  const request = await loadRequest(required(flags.request, "--request"));
  const runner = readOnlyRunner(redactorFor(request));
  const inventory = flags.inventory !== undefined ? await readInventoryFile(flags.inventory) : await probe(runner);
  const plan = buildPlan(request, inventory, { imageStaging: staging });
  const result = await preflight({
    needs: needsOf(plan, plan.steps),
    firmware: inventory.firmware,
    memoryBytes: inventory.memoryBytes,
    installMissing: flags["install-missing"] === true,
    runner,
  });
  const exitCode = result.ok ? EXIT.ok : EXIT.failedBeforeDisks;
  if (flags.json) process.stdout.write(resultLine(result, exitCode));
  else if (result.ok) process.stdout.write(summary(result));
  for (const problem of result.problems) process.stderr.write(`byol preflight: ${problem}\n`);
  return exitCode;
}

// The one --json line: {"ts","schemaVersion","runId":null,"step":"preflight","phase":"result","ok","exitCode","missing","packages",...}.
function resultLine(r: PreflightResult, exitCode: number): string {
  const error = r.ok ? {} : { error: { code: "preflight", message: r.problems.join("; ") } };
  const { problems: _, ...fields } = r;
  return `${JSON.stringify({ ...resultHead("preflight"), phase: "result", ...fields, exitCode, ...error })}\n`;
}

function summary(r: PreflightResult): string {
  const installed = r.installed === undefined ? "" : `; installed ${r.installed.join(", ")}`;
  return `byol preflight: ok (boot mode ${r.bootMode}${installed})\n`;
}
