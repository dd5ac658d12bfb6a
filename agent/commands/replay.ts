// byol replay FILE: run a recorded request again on this machine. The recorded target disks are
// mapped onto this machine's by order and size; the secrets the record left out are given again.

import { readFile } from "node:fs/promises";
import { RequestError, UsageError } from "../errors.ts";
import { install } from "../install.ts";
import { buildPlan, formatPlan } from "../plan/index.ts";
import { probe } from "../probe/index.ts";
import { readInventoryFile } from "../probe/inventory-file.ts";
import { readRunRecord } from "../report/read.ts";
import { mapDisks, parseHeaderFlag, type Resupplied, replayPayload } from "../report/replay.ts";
import { parseRequest } from "../request/index.ts";
import { BOOT_ORDER_FLAG, bootOrder, IMAGE_STAGING_FLAG, imageStaging, LOG_LEVEL_FLAG, logLevel } from "./args.ts";
import { readOnlyRunner } from "./common.ts";
import { DOWNLOAD_FLAGS, downloadTuning } from "./download-flags.ts";
import { parse } from "./report.ts";
import { secretArgs } from "./secret-arg.ts";

export const FLAGS = {
  header: { type: "string", multiple: true },
  "image-url": { type: "string" },
  "user-data": { type: "string" },
  "ssh-key": { type: "string" },
  report: { type: "string" },
  inventory: { type: "string" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
  "no-reboot": { type: "boolean" },
  "boot-order": BOOT_ORDER_FLAG,
  "run-dir": { type: "string" },
  "image-staging": IMAGE_STAGING_FLAG,
  "log-level": LOG_LEVEL_FLAG,
  ...DOWNLOAD_FLAGS,
} as const;

export async function replayCommand(args: string[]): Promise<number> {
  const { values: flags, positionals } = parse(args, FLAGS);
  const staging = imageStaging(flags["image-staging"]);
  const download = downloadTuning(flags);
  if (positionals.length !== 1) throw new UsageError("replay takes one run record FILE");
  if (flags.inventory !== undefined && flags["dry-run"] !== true) {
    throw new UsageError("--inventory plans for another machine: it needs --dry-run");
  }
  const order = bootOrder(flags["boot-order"]);

  const record = await readRunRecord(positionals[0]!);
  if (record.request === undefined || record.plan === undefined) {
    throw new RequestError([`${record.file}: the run record has no request.json or plan.json to replay`]);
  }
  const secrets = secretArgs();
  const headers = await secrets.lines("--header", flags.header ?? []);
  const given: Resupplied = { headers: Object.fromEntries(headers.map(parseHeaderFlag)) };
  if (flags["image-url"] !== undefined) given.imageUrl = await secrets.value("--image-url", flags["image-url"]);
  if (flags["user-data"] !== undefined) given.userData = await readUserData(flags["user-data"]);
  if (flags["ssh-key"] !== undefined) given.sshKey = await readSshKey(flags["ssh-key"]);

  const inventory =
    flags.inventory !== undefined ? await readInventoryFile(flags.inventory) : await probe(readOnlyRunner());
  const mapping = mapDisks(record.plan.disks, inventory, record.request.storage[0]?.diskGroupId);
  const { payload, notes } = replayPayload(record.request, given, mapping);
  const parsed = parseRequest(payload);
  if (!parsed.ok) throw new RequestError(parsed.problems);
  const plan = buildPlan(parsed.request, inventory, { imageStaging: staging });

  const s = record.summary;
  const was = s.ok ? "done" : `failed (exit ${s.exitCode})${s.error ? `: ${s.error.message}` : ""}`;
  const disks = mapping.pairs.map((p) => `${p.recorded.path} -> ${p.disk.path}`).join(", ");
  const lines = [`replaying run ${s.runId} (${s.operatingSystem}, ${was})`, `disks: ${disks}`, ...notes];
  // with --json stdout is the event stream (or the plan); the account goes to stderr
  const account = flags.json ? process.stderr : process.stdout;
  account.write(`${lines.join("\n")}\n`);
  if (flags["dry-run"]) {
    process.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
    return 0;
  }
  return install({
    request: parsed.request,
    logLevel: logLevel(flags["log-level"]),
    inventory,
    plan,
    json: flags.json === true,
    noReboot: flags["no-reboot"] === true,
    bootOrder: order,
    download,
    ...(flags["run-dir"] !== undefined ? { runDir: flags["run-dir"] } : {}),
    ...(flags.report !== undefined ? { report: flags.report } : {}),
  });
}

async function readUserData(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new RequestError([`--user-data ${file}: cannot read it (${(error as NodeJS.ErrnoException).code})`]);
  }
}

// A public key line as it is, or a file holding one (the first line).
async function readSshKey(value: string): Promise<string> {
  if (/^(ssh-|ecdsa-|sk-)\S+ \S/.test(value)) return value.trim();
  try {
    return (await readFile(value, "utf8")).split("\n")[0]!.trim();
  } catch (error) {
    throw new RequestError([
      `--ssh-key ${value}: neither a public key line nor a readable file (${(error as NodeJS.ErrnoException).code})`,
    ]);
  }
}
