// npm run rig -- --replay FILE: a run record replayed in a QEMU machine shaped like the recorded one (firmware,
// disk count, sizes and sector sizes, memory rounded to GiB). The rescue system runs `byol replay` of the
// bundle with the fixture image served by the rig and the secrets the record left out given again (the rig's
// header and URL password, the user data matched by its digest, the rig's SSH key). The verdict compares the
// replayed exit code, failing step and message with the recorded ones.
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { machineShapeFromRecord } from "../../agent/report/machine-shape.ts";
import { type RunRecord, readRunRecord } from "../../agent/report/read.ts";
import { type UserDataDigest, userDataDigest } from "../../agent/report/request-record.ts";
import type { RunSummary } from "../../agent/report/summary.ts";
import { ensureImage } from "../images/build.ts";
import { ensureRescueImage } from "../rescue/build.ts";
import { bootRescue } from "../vm/rescue-vm.ts";
import { makeKeyPair } from "../vm/ssh.ts";
import { ensureBundle } from "./agent-bundle.ts";
import type { Check } from "./checks.ts";
import { createEventView, lineSplitter } from "./event-view.ts";
import { serveImage } from "./image-server.ts";
import { makeVerdict, parseResult, type Verdict } from "./outcome.ts";
import { fetchRecord } from "./records.ts";
import { parseScenario } from "./scenario.ts";
import { RIG_AUTHORIZATION, RIG_USER_DATA, secretsCheck, withPassword } from "./secrets.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const GUEST_DIR = "/opt/byol-rig";
const IMAGE_HOST = "10.0.2.100";
const REPLAY_REPORT = "/var/tmp/byol-rig-replay.tar";

export interface ReplayOptions {
  file: string;
  outDir: string;
  keep: boolean;
  log: (line: string) => void;
}

/** What a run ended with: exit code, the step it failed in (none when it succeeded), the message. */
export interface Outcome {
  exitCode: number;
  step: string;
  message: string;
}

export function outcomeOf(summary: RunSummary): Outcome {
  return {
    exitCode: summary.exitCode,
    step: summary.ok ? "-" : (summary.steps.findLast((s) => s.phase !== "done")?.id ?? "-"),
    message: summary.error?.message ?? "",
  };
}

// The replayed run against the recorded one: the same exit code, step and message.
export function replayChecks(recorded: Outcome, replayed: Outcome): Check[] {
  const first = (m: string) => JSON.stringify(m.split("\n")[0]);
  return [
    {
      name: "replay: exit code",
      ok: replayed.exitCode === recorded.exitCode,
      detail: `recorded ${recorded.exitCode}, replayed ${replayed.exitCode}`,
    },
    {
      name: "replay: step",
      ok: replayed.step === recorded.step,
      detail: `recorded ${recorded.step}, replayed ${replayed.step}`,
    },
    {
      name: "replay: message",
      ok: replayed.message === recorded.message,
      detail:
        replayed.message === recorded.message
          ? `the same (${recorded.message.split("\n").length} lines): ${first(recorded.message)}`
          : `recorded ${first(recorded.message)}, replayed ${first(replayed.message)}`,
    },
  ];
}

// The fixture image a rig record was made with: the last part of its URL's path, without the extension.
export function imageNameOf(url: string): string {
  const m = /\/([^/?#]+?)\.(qcow2|raw|img)(?:[?#]|$)/.exec(url);
  if (m === null) throw new Error(`rig --replay: no fixture image name in the recorded image URL ${url}`);
  return m[1]!;
}

// The user data the record's digest stands for: the rig's own, or one of the scenarios'.
async function findUserData(digest: UserDataDigest): Promise<string> {
  const candidates = [RIG_USER_DATA];
  const dir = join(repo, "fixtures", "scenarios");
  for (const f of (await readdir(dir)).filter((n) => n.endsWith(".json")).sort()) {
    const s = parseScenario(await readFile(join(dir, f), "utf8"), f);
    const ud = (s.request["customizations"] as Record<string, unknown> | undefined)?.["configDriveUserData"];
    if (typeof ud !== "string") continue;
    candidates.push(ud, Buffer.from(ud, "base64").toString("utf8"));
  }
  const found = candidates.find((c) => userDataDigest(c).sha256 === digest.sha256);
  if (found === undefined) {
    throw new Error(
      `rig --replay: the record's user data (sha256 ${digest.sha256}) is neither the rig's nor a scenario's`,
    );
  }
  return found;
}

// Never throws: a failure of the rig itself is a failed "rig" check in the verdict.
export async function runReplay(opts: ReplayOptions): Promise<Verdict> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  const checks: Check[] = [];
  try {
    await mkdir(opts.outDir, { recursive: true });
    await replayPhases(opts, timings, checks);
  } catch (error) {
    opts.log(`rig: ${(error as Error).stack ?? error}`);
    checks.push({ name: "rig", ok: false, detail: (error as Error).message.split("\n").slice(0, 12).join("\n") });
  }
  timings["total"] = Date.now() - started;
  const verdict = makeVerdict(`replay of ${opts.file}`, checks, timings, opts.outDir);
  await writeFile(join(opts.outDir, "verdict.json"), `${JSON.stringify(verdict, null, 2)}\n`).catch(() => {});
  return verdict;
}

async function replayPhases(opts: ReplayOptions, timings: Record<string, number>, checks: Check[]): Promise<void> {
  const { outDir, log } = opts;
  const record: RunRecord = await readRunRecord(resolve(opts.file));
  if (record.request === undefined) throw new Error(`rig --replay: ${opts.file} has no request.json`);
  const shape = machineShapeFromRecord(record);
  const memoryMiB = Math.max(1, Math.round(shape.memoryMiB / 1024)) * 1024;
  const disks = shape.disks.map((d) => ({ sizeGiB: d.sizeGiB, logicalBlockSize: d.logicalBlockSize as 512 | 4096 }));
  const recorded = outcomeOf(record.summary);
  const c = record.request.customizations;
  log(
    `rig: replay of run ${record.summary.runId} (exit ${recorded.exitCode}, step ${recorded.step}) on ${shape.firmware}, ` +
      `${disks.map((d) => `${d.sizeGiB} GiB${d.logicalBlockSize === 4096 ? " 4Kn" : ""}`).join(" + ")}, ${memoryMiB} MiB`,
  );

  let t = Date.now();
  const rescueImage = await ensureRescueImage({ log });
  const image = await ensureImage(imageNameOf(c.imageURL), { log });
  const agentDir = join(outDir, "agent");
  await mkdir(agentDir, { recursive: true });
  await copyFile(await ensureBundle(repo, log), join(agentDir, "byol.mjs"));
  await copyFile(opts.file, join(agentDir, "record.tar"));
  const userData = c.configDriveUserData === undefined ? undefined : await findUserData(c.configDriveUserData);
  if (userData !== undefined) await writeFile(join(agentDir, "user-data"), userData);
  const keyDir = join(outDir, "ssh");
  await rm(keyDir, { recursive: true, force: true });
  await mkdir(keyDir, { mode: 0o700 });
  const key = await makeKeyPair(keyDir);
  timings["prepare"] = Date.now() - t;

  await using server = await serveImage(image.path, `/${imageNameOf(c.imageURL)}.${image.format}`, RIG_AUTHORIZATION);
  const imageUrl = withPassword(`http://${IMAGE_HOST}${server.urlPath}`);
  const argv = ["node", `${GUEST_DIR}/byol.mjs`, "replay", `${GUEST_DIR}/record.tar`, "--json", "--no-reboot"];
  argv.push("--header", `Authorization: ${RIG_AUTHORIZATION}`, "--image-url", imageUrl, "--ssh-key", key.publicKey);
  if (userData !== undefined) argv.push("--user-data", `${GUEST_DIR}/user-data`);
  argv.push("--report", REPLAY_REPORT);

  t = Date.now();
  const vm = await bootRescue({
    disks,
    firmware: shape.firmware,
    memoryMiB,
    cpus: 2,
    shares: [{ hostPath: agentDir, tag: "byolrig", guestPath: GUEST_DIR }],
    guestForwards: [{ guestAddr: IMAGE_HOST, guestPort: 80, hostPort: server.port }],
    outDir,
    name: "machine",
    keepFiles: opts.keep,
    image: rescueImage,
    log,
  });
  let stdout = "";
  let replayed: RunSummary | undefined;
  let recordFile: string | undefined;
  try {
    timings["rescueBoot"] = vm.bootMs;
    t = Date.now();
    log("rig: byol replay record.tar --json --no-reboot --header 'Authorization: …' --image-url … --ssh-key …");
    const view = createEventView();
    const lines = lineSplitter((line) => {
      for (const l of view.line(line)) log(l);
    });
    const r = await vm.exec(argv, { timeoutMs: 40 * 60_000, onOutput: (chunk) => lines.push(chunk) });
    lines.end();
    timings["replay"] = Date.now() - t;
    stdout = r.stdout;
    await writeFile(join(outDir, "replay-events.jsonl"), r.stdout);
    await writeFile(join(outDir, "replay-stderr.txt"), r.stderr);
    const fetched = await fetchRecord(vm, REPLAY_REPORT, outDir);
    if ("ok" in fetched) checks.push(fetched);
    else {
      recordFile = fetched.file;
      replayed = (await readRunRecord(fetched.file)).summary;
      log(`rig: the replay's run record: ${fetched.file}`);
    }
    await vm.poweroff();
  } finally {
    await vm[Symbol.asyncDispose]();
    await rename(vm.consoleLog, join(outDir, "rescue-console.log")).catch(() => {});
  }
  await writeFile(join(outDir, "image-server.log"), `${server.requests.join("\n")}\n`);

  const result = parseResult(stdout);
  const outcome: Outcome | undefined =
    replayed !== undefined
      ? outcomeOf(replayed)
      : result && { exitCode: result.exitCode, step: "?", message: result.error?.message ?? "" };
  if (outcome === undefined) {
    checks.push({ name: "replay: exit code", ok: false, detail: "byol replay printed no result line" });
    return;
  }
  checks.push(...replayChecks(recorded, outcome));
  if (recordFile !== undefined) {
    const secrets = {
      customizations: {
        httpHeaders: { Authorization: RIG_AUTHORIZATION },
        imageURL: imageUrl,
        ...(userData !== undefined && { configDriveUserData: userData }),
      },
    };
    checks.push(await secretsCheck(recordFile, secrets, "secrets in the replay's run record"));
  }
}
