// One rig scenario end to end: rescue boot, `byol install` over SSH, power-off, boot of the same disks with
// no kernel given, checks from inside the installed system (or, for an install expected to fail, checks of
// the disk files), and the verdict. Every file of the run goes to outDir; the disks go unless keep is set.
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { ensureRescueImage } from "../rescue/build.ts";
import { REPO_ADDR } from "../rescue/stock-check.ts";
import { track } from "../vm/cleanup.ts";
import { planDisks } from "../vm/disks.ts";
import { OVMF_CODE } from "../vm/ovmf.ts";
import { bootRescue, type RescueVm } from "../vm/rescue-vm.ts";
import { makeKeyPair } from "../vm/ssh.ts";
import { ensureExecutable } from "./agent-bundle.ts";
import { type Check, commandCheck, finalMessage, firstMiBCheck, systemChecks } from "./checks.ts";
import { collectScript, parseSections } from "./collect.ts";
import { type DiskEnds, readEnds } from "./disk-state.ts";
import { bootFromDisks, type DiskVm } from "./disk-vm.ts";
import { createEventView, lineSplitter } from "./event-view.ts";
import { type ExpectedSystem, expectedSystem } from "./expected.ts";
import { serveFolder, serveImage } from "./image-server.ts";
import { diskChecks, exitChecks, makeVerdict, parseResult, type Verdict } from "./outcome.ts";
import { REPORT_FILE, recordChecks } from "./records.ts";
import { needsZfs, type Scenario, substitute } from "./scenario.ts";
import { scenarioImage } from "./scenario-image.ts";
import { RIG_AUTHORIZATION, reinstallForm, withRigSecrets } from "./secrets.ts";
import { type StatusPoll, startStatusPoll } from "./status-poll.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const IMAGE_HOST = "10.0.2.100";

export interface RunOptions {
  scenario: Scenario;
  outDir: string;
  /** Keep the disk files and the OVMF variable store (logs are always kept). */
  keep: boolean;
  log: (line: string) => void;
  /** Runs the install in place of `byol remote … install` (the fleet's Ansible run); same result shape. */
  installer?: Installer;
}

/** What an installer gets: the booted rescue VM, dist/byol, the output folder (request.json is in it). */
export interface InstallContext {
  vm: RescueVm;
  byol: string;
  outDir: string;
  log: (line: string) => void;
}
/** stdout holds byol's result line (phase "result"); onStarted starts the rig's status poll. */
export type Installer = (ctx: InstallContext, onStarted: () => void) => Promise<{ stdout: string; exitCode: number }>;

// Runs the scenario; never throws: a failure of the rig itself is a failed "rig" check in the verdict.
export async function runScenario(opts: RunOptions): Promise<Verdict> {
  const { scenario, outDir, log } = opts;
  const started = Date.now();
  const timings: Record<string, number> = {};
  const checks: Check[] = [];
  const machineDir = join(outDir, "machine");
  const scratch = [
    ...planDisks(scenario.machine.disks, machineDir).map((d) => d.path),
    join(machineDir, "OVMF_VARS_4M.fd"),
    join(machineDir, "qemu.pid"),
    join(machineDir, "disk-boot.pid"),
  ];
  const untrack = opts.keep ? () => {} : track({ kill: () => {}, paths: scratch });
  try {
    await mkdir(outDir, { recursive: true });
    await runPhases(opts, timings, checks);
  } catch (error) {
    log(`rig: ${(error as Error).stack ?? error}`);
    checks.push({ name: "rig", ok: false, detail: (error as Error).message.split("\n").slice(0, 12).join("\n") });
  } finally {
    if (!opts.keep) for (const p of scratch) await rm(p, { force: true });
    untrack();
  }
  timings["total"] = Date.now() - started;
  const verdict = makeVerdict(scenario.name, checks, timings, outDir);
  await writeFile(join(outDir, "verdict.json"), `${JSON.stringify(verdict, null, 2)}\n`).catch(() => {});
  return verdict;
}

async function runPhases(opts: RunOptions, timings: Record<string, number>, checks: Check[]): Promise<void> {
  const { scenario, outDir, log } = opts;
  const { machine } = scenario;
  let t = Date.now();
  const rescueImage = await ensureRescueImage({ flavour: "stock", log, zfs: needsZfs(scenario) });
  const image = await scenarioImage(scenario.image, log);
  const byol = await ensureExecutable(repo, log);
  const keyDir = join(outDir, "ssh");
  await rm(keyDir, { recursive: true, force: true });
  await mkdir(keyDir, { mode: 0o700 });
  const key = await makeKeyPair(keyDir);
  timings["prepare"] = Date.now() - t;

  await using server = await serveImage(image.path, `/${image.fileName}`, RIG_AUTHORIZATION);
  await using packages = await serveFolder(rescueImage.repo ?? join(rescueImage.dir, "repo"));
  const request = withRigSecrets(
    substitute(scenario.request, {
      IMAGE_URL: `http://${IMAGE_HOST}${server.urlPath}`,
      IMAGE_SHA512: image.sha512,
      IMAGE_SHA256: image.sha256,
      SSH_PUBKEY: key.publicKey,
    }) as Record<string, unknown>,
  );
  await writeFile(join(outDir, "request.json"), `${JSON.stringify(request, null, 2)}\n`);
  const expected = expectedSystem(request, machine);
  log(
    `rig: ${scenario.name}: ${machine.firmware}, ${machine.disks.length} disk(s), image ${scenario.image} on 127.0.0.1:${server.port}`,
  );

  t = Date.now();
  const vm = await bootRescue({
    disks: machine.disks,
    firmware: machine.firmware,
    memoryMiB: machine.memoryMiB,
    cpus: machine.cpus,
    guestForwards: [
      { guestAddr: IMAGE_HOST, guestPort: 80, hostPort: server.port },
      { ...REPO_ADDR, hostPort: packages.port },
    ],
    outDir,
    name: "machine",
    keepFiles: true,
    image: rescueImage,
    log,
  });
  let before: DiskEnds[];
  let install: { stdout: string; exitCode: number };
  try {
    timings["rescueBoot"] = vm.bootMs;
    timings["rescueStart"] = Date.now() - t;
    before = await Promise.all(vm.disks.map((d) => readEnds(d.path, d.sizeBytes)));
    t = Date.now();
    const noNode = await vm.exec("command -v node nodejs byol", { timeoutMs: 60_000 });
    checks.push({
      name: "stock rescue",
      ok: noNode.exitCode === 1 && noNode.stdout.trim() === "",
      detail: noNode.exitCode === 1 ? "no node and no byol before the install" : `found: ${noNode.stdout.trim()}`,
    });
    let poll: StatusPoll | undefined;
    // the poll starts with the install's first event: byol is on the server by then
    const startPoll = () => {
      poll ??= startStatusPoll(vm.exec, [`${REMOTE_DIR}/byol`]);
    };
    install = opts.installer
      ? await opts.installer({ vm, byol, outDir, log }, startPoll)
      : await runRemoteInstall({ vm, byol, outDir, log, disconnectAt: scenario.disconnectAt, checks }, startPoll);
    timings["install"] = Date.now() - t;
    checks.push(await installMissingCheck(vm, packages.requests.length));
    poll ??= startStatusPoll(vm.exec, [`${REMOTE_DIR}/byol`]);
    checks.push(...(await recordChecks(vm, request, outDir, poll, log)));
    await saveRunDir(vm, outDir, log);
    await vm.poweroff();
  } finally {
    await vm[Symbol.asyncDispose]();
    await rename(vm.consoleLog, join(outDir, "rescue-console.log")).catch(() => {});
  }
  await writeFile(join(outDir, "image-server.log"), `${server.requests.join("\n")}\n`);

  const result = parseResult(install.stdout);
  const want = {
    exitCode: scenario.expect.exitCode,
    ...(scenario.expect.error ? { error: scenario.expect.error } : {}),
  };
  checks.push(...exitChecks(want, result, install.exitCode));
  if (want.exitCode !== 0) {
    const after = await Promise.all(vm.disks.map((d) => readEnds(d.path, d.sizeBytes)));
    const disks = vm.disks.map((d, i) => ({
      name: `disk${i} (${d.guestDevice} in the rescue)`,
      before: before[i]!,
      after: after[i]!,
    }));
    checks.push(...diskChecks(want.exitCode, disks));
    if (scenario.expect.firstMiB === "no-gpt") checks.push(firstMiBCheck(disks[0]!.name, disks[0]!.after.first));
    return;
  }
  if (result?.exitCode !== 0) {
    log("rig: the install failed, so the disks are not booted");
    return;
  }
  await bootAndCheck(opts, vm, expected, request, key.keyPath, timings, checks);
}

// The stock rescue has no qemu-utils. A plan that needs it (qemu-nbd, qemu-img) only ran because byol remote's
// preflight --install-missing installed it from the rig's package repository; one that does not (a streamed raw
// BYOI image) must have installed nothing.
async function installMissingCheck(vm: RescueVm, repoRequests: number): Promise<Check> {
  const r = await vm.exec("command -v qemu-nbd >/dev/null && dpkg-query -W qemu-utils", { timeoutMs: 60_000 });
  const installed = r.exitCode === 0;
  const ok = installed === repoRequests > 0;
  const what = installed ? `${r.stdout.trim().replace("\t", " ")} installed` : "qemu-utils not installed";
  return {
    name: "install-missing",
    ok,
    detail: `${what}; ${repoRequests} requests to the rig's package repository (preflight --install-missing)`,
  };
}

// Where byol remote (and deploy/ansible) puts the executable on the server (its default).
export const REMOTE_DIR = "/root/.byol";

interface RemoteInstall {
  vm: RescueVm;
  byol: string;
  outDir: string;
  log: (line: string) => void;
  disconnectAt: Scenario["disconnectAt"];
  checks: Check[];
}

// `byol remote root@… install --install-missing --json --no-reboot` from the host, exactly as an operator runs it
// against a server in rescue: it copies dist/byol over, installs what preflight finds missing from the rig's
// package repository, starts the install detached and follows its events, shown here as they come. With
// disconnectAt, the controller's SSH connection is cut once that step reports progress.
async function runRemoteInstall(
  o: RemoteInstall,
  onFirstEvent: () => void,
): Promise<{ stdout: string; exitCode: number }> {
  const { vm, outDir, log } = o;
  const argv = [
    "remote",
    `root@127.0.0.1:${vm.sshPort}`,
    "install",
    "--identity",
    vm.keyPath,
    "--host-key-check",
    "accept-new",
    "--ssh-option",
    `UserKnownHostsFile=${join(outDir, "known_hosts")}`,
    "--byol",
    o.byol,
    "--out",
    join(outDir, "remote-record"),
    "--install-missing",
    "--json",
    "--no-reboot",
    // the rig's machines have no netboot: the installed disk must boot first (byol's default, network-first, is OVH's)
    "--boot-order",
    "disk-first",
    "--report",
    REPORT_FILE,
    "--request",
    join(outDir, "request.json"),
  ];
  log(`rig: byol ${argv.slice(0, 3).join(" ")} --install-missing --json --no-reboot --request request.json`);
  const view = createEventView();
  let cut = false;
  const child = execa(o.byol, argv, { reject: false, all: false, timeout: 40 * 60_000, buffer: true });
  const lines = lineSplitter((line) => {
    if (line.startsWith("{")) onFirstEvent();
    for (const l of view.line(line)) log(l);
    if (o.disconnectAt === undefined || cut) return;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (e["step"] === o.disconnectAt && e["phase"] === "progress") {
      cut = true;
      const killed = cutControllerSsh(vm.sshPort);
      log(
        `rig: cut the controller's SSH connection during ${o.disconnectAt} (killed ${killed.length} ssh process(es))`,
      );
      o.checks.push({
        name: "connection cut",
        ok: killed.length > 0,
        detail: `${killed.length} ssh process(es) of the controller killed during ${o.disconnectAt}`,
      });
    }
  });
  child.stdout?.on("data", (b: Buffer) => lines.push(b.toString()));
  const r = await child;
  lines.end();
  await writeFile(join(outDir, "install-events.jsonl"), String(r.stdout ?? ""));
  await writeFile(join(outDir, "install-stderr.txt"), String(r.stderr ?? ""));
  if (r.timedOut) log("rig: byol remote install timed out after 40 minutes");
  if (o.disconnectAt !== undefined && !cut) {
    o.checks.push({
      name: "connection cut",
      ok: false,
      detail: `the install never reported progress in ${o.disconnectAt}`,
    });
  }
  return { stdout: String(r.stdout ?? ""), exitCode: r.exitCode ?? -1 };
}

// Kills the ssh clients (the controller's master connection and its sessions) that talk to 127.0.0.1:port with a
// ControlMaster: what a dropped network looks like to the controller. The rig's own sessions use no ControlMaster.
export function cutControllerSsh(port: number): number[] {
  const killed: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let words: string[];
    try {
      words = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (!words[0]?.endsWith("ssh") || !words.some((w) => w.includes("ControlPath="))) continue;
    if (!words.some((w) => w === String(port) || w.endsWith(`:${port}`) || w === `Port=${port}`)) continue;
    try {
      process.kill(Number(entry), "SIGKILL");
      killed.push(Number(entry));
    } catch {}
  }
  return killed;
}

// Copies the run's journal, events and log (/run/byol) and the rescue kernel's messages into outDir.
async function saveRunDir(vm: RescueVm, outDir: string, log: (line: string) => void): Promise<void> {
  const tar = await vm.exec("tar -C /run/byol -czf - . 2>/dev/null | base64 -w0", { timeoutMs: 120_000 });
  const runDir = join(outDir, "run");
  await mkdir(runDir, { recursive: true });
  if (tar.stdout.trim() !== "") {
    await execa("tar", ["-xzf", "-", "-C", runDir], { input: Buffer.from(tar.stdout.trim(), "base64"), reject: false });
  } else log("rig: warning: no /run/byol in the rescue system");
  const dmesg = await vm.exec("dmesg", { timeoutMs: 60_000 });
  await writeFile(join(outDir, "rescue-dmesg.txt"), dmesg.stdout);
}

// Boots the installed disks (no kernel given), then checks the system from inside over SSH.
async function bootAndCheck(
  opts: RunOptions,
  vm: RescueVm,
  expected: ExpectedSystem,
  request: Record<string, unknown>,
  keyPath: string,
  timings: Record<string, number>,
  checks: Check[],
): Promise<void> {
  const { scenario, outDir, log } = opts;
  const consoleLog = join(outDir, "disk-boot-console.log");
  const ovmf =
    scenario.machine.firmware === "uefi" ? { code: OVMF_CODE, vars: join(vm.dir, "OVMF_VARS_4M.fd") } : undefined;
  let dvm: Awaited<ReturnType<typeof bootFromDisks>>;
  try {
    dvm = await bootFromDisks({
      firmware: scenario.machine.firmware,
      ...(ovmf ? { ovmf } : {}),
      memoryMiB: scenario.machine.memoryMiB,
      cpus: scenario.machine.cpus,
      disks: vm.disks.map((d) => ({
        path: d.path,
        format: d.format,
        serial: d.serial,
        logicalBlockSize: d.logicalBlockSize,
      })),
      consoleLog,
      pidFile: join(vm.dir, "disk-boot.pid"),
      keyPath,
      log,
    });
  } catch (error) {
    checks.push({ name: "ssh", ok: false, detail: (error as Error).message.split("\n").slice(0, 20).join("\n") });
    return;
  }
  await using _ = dvm;
  timings["diskBoot"] = dvm.bootMs;
  checks.push({
    name: "ssh",
    ok: true,
    detail: `root logged in with the request's key ${(dvm.bootMs / 1000).toFixed(0)} s after power-on`,
  });
  const c = (reinstallForm(request)["customizations"] ?? {}) as Record<string, unknown>;
  const loader = expected.operatingSystem === "byoi_64" ? c["efiBootloaderPath"] : undefined;
  const inside = await checkBootedSystem(dvm, {
    expected,
    commands: scenario.expect.commands,
    ...(typeof loader === "string" ? { efiBootloaderPath: loader } : {}),
    outDir,
    log,
    timings,
  });
  checks.push(...inside);
  await dvm.poweroff();
}

export interface BootedCheckOptions {
  expected: ExpectedSystem;
  commands: readonly { run: string; contains: string }[];
  efiBootloaderPath?: string;
  /** collected.txt goes here. */
  outDir: string;
  log: (line: string) => void;
  /** Gains cloudInit and checks. */
  timings: Record<string, number>;
}

// The checks from inside a booted system: waits for cloud-init, collects every section in one SSH round
// trip, runs the scenario's commands, and looks for cloud-init's final message on the serial console.
export async function checkBootedSystem(dvm: DiskVm, o: BootedCheckOptions): Promise<Check[]> {
  let t = Date.now();
  o.log("rig: waiting for cloud-init (cloud-init status --wait)");
  await dvm.exec("timeout 480 cloud-init status --wait >/dev/null 2>&1; true", { timeoutMs: 500_000 });
  o.timings["cloudInit"] = Date.now() - t;

  t = Date.now();
  const collected = await dvm.exec("bash -s", { stdin: collectScript(), timeoutMs: 180_000 });
  await writeFile(join(o.outDir, "collected.txt"), collected.stdout + collected.stderr);
  const sections = parseSections(collected.stdout);
  const checks = systemChecks(
    o.expected,
    sections,
    o.efiBootloaderPath !== undefined ? { efiBootloaderPath: o.efiBootloaderPath } : {},
  );
  for (const cmd of o.commands) {
    const r = await dvm.exec(cmd.run, { timeoutMs: 120_000 });
    checks.push(commandCheck(cmd.run, cmd.contains, { exitCode: r.exitCode, output: r.stdout + r.stderr }));
  }
  // cloud-init prints its final message on the console a moment after it reports done
  let message: string | undefined;
  for (let i = 0; i < 30 && message === undefined; i++) {
    message = finalMessage(await readFile(dvm.consoleLog, "utf8").catch(() => ""));
    if (message === undefined) await new Promise((r) => setTimeout(r, 2000));
  }
  checks.push({
    name: "console: cloud-init final message",
    ok: message !== undefined,
    detail: message ?? `not in ${dvm.consoleLog}`,
  });
  o.timings["checks"] = Date.now() - t;
  return checks;
}
