// byol install: run a plan. Builds the run (runner, journal, events, log, state file,
// teardown stack), interprets the plan's steps in order, and on any failure or
// SIGINT/SIGTERM releases everything in reverse order and, when disks were already
// written, resets their partition tables so a half-written disk never boots.

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { releaseHolders } from "./disk/release-holders.ts";
import { resetPartitionTables } from "./disk/reset-tables.ts";
import { refusedSpans, spanRefusal } from "./disk/spanning.ts";
import type { DownloadTuning } from "./download/image.ts";
import type { BootOrderPolicy } from "./efi/boot-order.ts";
import { CommandError, EXIT, InstallError, Interrupted } from "./errors.ts";
import { isAlive } from "./exec/alive.ts";
import type { RunContext, RunState, StepInputs } from "./exec/context.ts";
import { createEventSink, type ResultEventSink } from "./exec/events.ts";
import { Journal } from "./exec/journal.ts";
import { acquireRunLock, lockOwner } from "./exec/run-lock.ts";
import { enterStep } from "./exec/run-state.ts";
import { createRunner } from "./exec/runner.ts";
import { defaultRunDir, RunStateStore, readRunState } from "./exec/state.ts";
import { TEARDOWN } from "./exec/teardown.ts";
import { DEFAULT_SCRIPT_TIMEOUT_MS } from "./image/script-output.ts";
import { createLogger } from "./log.ts";
import type { Plan, PlanStep, StepKind } from "./plan/types.ts";
import { checkBeforeInstall, PREFLIGHT_TITLE } from "./preflight/check.ts";
import type { Inventory } from "./probe/types.ts";
import { redactorFor, urlSecrets } from "./redact.ts";
import { RunRecorder } from "./report/recorder.ts";
import type { InstallRequest } from "./request/types.ts";
import { createStatusTap, teeEvents } from "./status/tap.ts";
import * as attach from "./steps/attach.ts";
import * as bootEntries from "./steps/boot-entries.ts";
import * as bootableScript from "./steps/bootable-script.ts";
import * as byoiBootEntries from "./steps/byoi-boot-entries.ts";
import * as byoiConfigDrive from "./steps/byoi-config-drive.ts";
import * as byoiInspect from "./steps/byoi-inspect.ts";
import * as configDrive from "./steps/config-drive.ts";
import * as configure from "./steps/configure.ts";
import * as copy from "./steps/copy.ts";
import * as download from "./steps/download.ts";
import * as finish from "./steps/finish.ts";
import * as inspect from "./steps/inspect.ts";
import * as lvm from "./steps/lvm.ts";
import * as mkfs from "./steps/mkfs.ts";
import * as mount from "./steps/mount.ts";
import * as moveBackupGpt from "./steps/move-backup-gpt.ts";
import * as partition from "./steps/partition.ts";
import * as raid from "./steps/raid.ts";
import * as wipe from "./steps/wipe.ts";
import * as writeImage from "./steps/write-image.ts";
import * as zfsTarget from "./steps/zfs-target.ts";
import * as zpool from "./steps/zpool.ts";

export interface InstallOptions {
  request: InstallRequest;
  inventory: Inventory;
  plan: Plan;
  json: boolean;
  // "disks": stop after the last disk step, leaving everything mounted and assembled for debugging
  stopAfter?: "disks";
  noReboot: boolean;
  bootOrder: BootOrderPolicy;
  scriptTimeoutMs?: number; // make_image_bootable.sh; default 30 minutes
  download?: DownloadTuning; // --connections, --allow-insecure-redirect, the download's timeouts
  // journal.jsonl, events.jsonl, byol.log and current.json; default /run/byol (state) and /run/byol/<runId>
  runDir?: string;
  runId?: string; // default a new one (newRunId); `install --detach` chooses it before starting the run
  out?: NodeJS.WritableStream; // default process.stdout
  report?: string; // --report FILE: the run record; default /var/log/byol/<runId>.tar
  reportUrl?: string; // --report-url URL: also upload the run record there
  logLevel?: string; // --log-level: byol.log's pino level; default debug
  // check the tools, kernel features, boot mode and RAM the steps need first (agent/preflight/);
  // byol install sets it, tests of the interpreter with fake runners do not
  preflight?: boolean;
}

const DISK_STEPS: ReadonlySet<StepKind> = new Set([
  "wipe",
  "partition",
  "raid",
  "lvm",
  "zpool",
  "mkfs",
  "mount",
  "config-drive",
]);
// Image steps that run before the disks are touched. --stop-after disks skips them: it is a
// debugging aid for the disk steps (and the VM tests of those), which need no image.
const BEFORE_DISKS: ReadonlySet<StepKind> = new Set(["download", "inspect"]);

// Returns the exit code; the last event is the result line.
export async function install(opts: InstallOptions): Promise<number> {
  const runId = opts.runId ?? newRunId();
  const stateDir = opts.runDir ?? defaultRunDir();
  const runDir = opts.runDir ?? join(stateDir, runId);
  const redactor = redactorFor(opts.request).add(...urlSecrets(opts.reportUrl));
  const events = teeEvents(
    createEventSink({
      json: opts.json,
      out: opts.out ?? process.stdout,
      redactor,
      file: join(runDir, "events.jsonl"),
      runId,
    }),
  );
  const log = createLogger({
    redactor,
    file: join(runDir, "byol.log"),
    ...(opts.logLevel && { level: opts.logLevel }),
  });
  log.info({ runId, stopAfter: opts.stopAfter, bootOrder: opts.bootOrder, noReboot: opts.noReboot }, "install");

  let steps: PlanStep[];
  let lock: Disposable;
  try {
    assertNoRunInProgress(stateDir);
    lock = acquireRunLock(stateDir, "install");
    const span = refusedSpans(opts.plan.steps)[0];
    if (span !== undefined) throw new InstallError("spanning-array", "wipe", spanRefusal(span));
    steps = selectSteps(opts.plan, opts.stopAfter);
  } catch (error) {
    log.error({ err: error }, "install refused");
    const usage = error instanceof InstallError && error.code === "usage";
    return result(events, usage ? EXIT.invalid : EXIT.failedBeforeDisks, error);
  }

  using _lock = lock;
  const abort = new AbortController();
  const journal = new Journal(join(runDir, "journal.jsonl"));
  const runner = createRunner({ journal, redactor, log, signal: abort.signal, events });
  const state: RunState = { runId, targetDisks: opts.plan.disks.map((d) => d.path), disksWritten: false };
  const store = RunStateStore.start({ runId, targetDisks: state.targetDisks, dir: stateDir });
  events.add(createStatusTap({ dir: stateDir, runId, planStepIds: steps.map((s) => s.id), redactor }));
  const recorder = new RunRecorder({
    runId,
    runDir,
    stateDir,
    request: opts.request,
    inventory: opts.inventory,
    plan: opts.plan,
    redactor,
    log,
    ...(opts.report !== undefined && { report: opts.report }),
    ...(opts.reportUrl !== undefined && { reportUrl: opts.reportUrl }),
    ...(!opts.json && { announce: (line: string) => (opts.out ?? process.stdout).write(`${line}\n`) }),
  });
  await using stack = new AsyncDisposableStack();
  const ctx: RunContext = { runner, events, log, redactor, stack, state, signal: abort.signal, runDir, held: store };
  using _signals = onInterrupt((signal) => {
    log.warn({ signal }, "interrupted: stopping and cleaning up");
    abort.abort(new Interrupted(signal));
  });
  using _hangup = onHangup(() => log.warn("SIGHUP: the terminal went away; the install goes on"));

  let resultWritten = false;
  const inputs: StepInputs = {
    request: opts.request,
    inventory: opts.inventory,
    plan: opts.plan,
    image: {},
    recorder,
    settings: {
      scriptTimeoutMs: opts.scriptTimeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS,
      ...(opts.download !== undefined && { download: opts.download }),
      bootOrder: opts.bootOrder,
      noReboot: opts.noReboot,
      beforeReboot: async () => {
        store.finish(true, EXIT.ok);
        result(events, EXIT.ok);
        resultWritten = true;
        await recorder.write();
      },
    },
  };
  try {
    if (opts.preflight === true) {
      enterStep(ctx, "preflight");
      await framed(ctx, "preflight", PREFLIGHT_TITLE, () => checkBeforeInstall(ctx, opts.plan, steps, opts.inventory));
    }
    await runSteps(ctx, steps, inputs);
  } catch (error) {
    return await fail(ctx, store, events, error, recorder);
  }
  if (resultWritten) return EXIT.ok; // rebooting
  if (opts.stopAfter === "disks") {
    await recorder.collect(ctx);
    stack.move(); // keep it all: mounted and assembled until `byol cleanup`
    store.update({ step: "stopped-after-disks" });
    const held = store.state;
    const message = `stopped after the disk steps; left for debugging: mounts ${held.mounts.join(" ") || "none"}; arrays ${held.md.join(" ") || "none"}; volume groups ${held.lvm.join(" ") || "none"}; ZFS pools ${held.zpool.join(" ") || "none"}. Run 'byol cleanup${opts.runDir === undefined ? "" : ` --run-dir ${opts.runDir}`}' to release them.`;
    events.emit({ step: "stop-after", phase: "log", level: "info", message });
    const code = result(events, EXIT.ok);
    await recorder.write();
    return code;
  }
  await stack.disposeAsync();
  store.finish(true, EXIT.ok);
  const code = result(events, EXIT.ok);
  await recorder.write();
  return code;
}

// 20251203T104501Z-1a2b3c: sorts by time, unique enough for one machine.
export function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:]|\.\d+/g, "")}-${randomBytes(3).toString("hex")}`;
}

// Runs the steps in order, each framed by start and done (or failed) events.
export async function runSteps(ctx: RunContext, steps: readonly PlanStep[], inputs: StepInputs): Promise<void> {
  for (const step of steps) {
    enterStep(ctx, step.id);
    await framed(ctx, step.id, step.title, () => runStep(ctx, step, inputs));
  }
}

// One step framed by start and done (or failed) events (byol fetch frames its steps with it too).
export async function framed<T>(ctx: RunContext, step: string, title: string, body: () => Promise<T>): Promise<T> {
  ctx.signal.throwIfAborted();
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  ctx.events.emit({ step, phase: "start", title });
  try {
    const value = await body();
    ctx.events.emit({ step, phase: "done", durationMs: took() });
    return value;
  } catch (error) {
    ctx.events.emit({ step, phase: "failed", durationMs: took(), error: describe(error, ctx.signal) });
    throw error;
  }
}

// The interpreter: one plan step to the step file named after its kind.
export async function runStep(ctx: RunContext, step: PlanStep, inputs: StepInputs): Promise<void> {
  switch (step.kind) {
    case "wipe":
      return wipe.run(ctx, step);
    case "partition":
      return partition.run(ctx, step);
    case "raid":
      return raid.run(ctx, step);
    case "lvm":
      return lvm.run(ctx, step);
    case "zpool":
      return zpool.run(ctx, step);
    case "zfs-target":
      return zfsTarget.run(ctx, step);
    case "mkfs":
      return mkfs.run(ctx, step);
    case "mount":
      return mount.run(ctx, step);
    case "config-drive":
      return configDrive.run(ctx, step, inputs);
    case "byoi-config-drive":
      return byoiConfigDrive.run(ctx, step, inputs);
    case "download":
      return download.run(ctx, step, inputs);
    case "inspect":
      return inspect.run(ctx, step, inputs);
    case "byoi-inspect":
      return byoiInspect.run(ctx, step, inputs);
    case "attach":
      return attach.run(ctx, step, inputs);
    case "copy":
      return copy.run(ctx, step);
    case "configure":
      return configure.run(ctx, step, inputs);
    case "bootable-script":
      return bootableScript.run(ctx, step, inputs);
    case "boot-entries":
      return bootEntries.run(ctx, step, inputs);
    case "byoi-boot-entries":
      return byoiBootEntries.run(ctx, step, inputs);
    case "write-image":
      return writeImage.run(ctx, step, inputs);
    case "move-backup-gpt":
      return moveBackupGpt.run(ctx, step);
    case "finish":
      return finish.run(ctx, step, inputs);
    default: {
      const never: never = step;
      throw new Error(`unknown plan step ${JSON.stringify(never)}`);
    }
  }
}

// The steps this run executes. With --stop-after disks, the image steps before the disks are
// skipped and the run ends after the last disk step; byoi_64 has no disk steps of its own (the
// image brings its partitions), so it is refused there.
export function selectSteps(plan: Plan, stopAfter: "disks" | undefined): PlanStep[] {
  if (stopAfter !== "disks") return [...plan.steps];
  if (plan.operatingSystem === "byoi_64") throw new InstallError("usage", "install", STOP_AFTER_BYOI);
  const selected: PlanStep[] = [];
  for (const step of plan.steps) {
    if (DISK_STEPS.has(step.kind)) selected.push(step);
    else if (selected.length > 0 || !BEFORE_DISKS.has(step.kind)) break;
  }
  return selected;
}

export const STOP_AFTER_BYOI =
  "--stop-after disks does not apply to byoi_64: the image brings its own partitions, so there are no disk steps to stop after";

// Two runs on the same disks would destroy each other's work.
export function assertNoRunInProgress(stateDir: string): void {
  const owner = lockOwner(stateDir);
  if (owner !== undefined && owner.pid !== process.pid) {
    throw new InstallError("busy", "install", `byol install: byol ${owner.what} (pid ${owner.pid}) is still running`);
  }
  const last = readRunState(stateDir);
  if (last === undefined || last.finished !== undefined || last.pid === process.pid) return;
  if (!isAlive(last.pid)) return; // that run is gone; its leftovers are the wipe's business
  throw new InstallError("busy", "install", `byol install: run ${last.runId} (pid ${last.pid}) is still running`);
}

// Teardown after a failure or an interrupt: release everything in reverse order, then reset
// the tables of disks that were written. Teardown problems are logged, never thrown: the
// result names the original error.
async function fail(
  ctx: RunContext,
  store: RunStateStore,
  events: ResultEventSink,
  error: unknown,
  recorder: RunRecorder,
): Promise<number> {
  const interrupted = ctx.signal.aborted;
  const cause = interrupted ? ctx.signal.reason : error;
  ctx.log.error({ err: error, step: ctx.state.step }, "install failed; tearing down");
  await recorder.collect(ctx); // while the target is still mounted
  try {
    await ctx.stack.disposeAsync();
  } catch (teardownError) {
    ctx.log.error({ err: teardownError }, "teardown failed");
  }
  if (ctx.state.disksWritten) {
    await sweep(ctx);
    const reset = await resetPartitionTables(ctx, ctx.state.targetDisks);
    store.update({ tablesReset: reset.problems.length === 0 });
  }
  const exitCode = interrupted
    ? EXIT.interrupted
    : ctx.state.disksWritten
      ? EXIT.failedAfterDisks
      : EXIT.failedBeforeDisks;
  store.finish(false, exitCode);
  const code = result(events, exitCode, cause);
  await recorder.write();
  return code;
}

// What the stack did not hold: an array whose mdadm --create was interrupted, or one udev
// re-assembled from its members' superblocks after the stack stopped it. The partitions'
// signatures go too, so nothing of this run is assembled again from a new table.
async function sweep(ctx: RunContext): Promise<void> {
  const options = { ...TEARDOWN, step: "reset-tables" };
  try {
    const left = await releaseHolders(ctx, ctx.state.targetDisks, options, { targets: ctx.state.targetDisks });
    for (const p of left.partitions) await ctx.runner.run(["wipefs", "-a", "-f", p], options);
  } catch (error) {
    ctx.log.error({ err: error }, "releasing what holds the target disks failed");
    const message = `releasing what holds the target disks failed: ${error instanceof Error ? error.message : String(error)}`;
    ctx.events.emit({ step: "reset-tables", phase: "log", level: "warn", message });
  }
}

function result(events: ResultEventSink, exitCode: number, error?: unknown): number {
  if (error === undefined) events.result({ ok: true, exitCode });
  else events.result({ ok: false, exitCode, error: describe(error) });
  return exitCode;
}

// The {code, message} of the failed and result events (redacted by the sink).
export function describe(error: unknown, signal?: AbortSignal): { code: string; message: string } {
  if (signal?.aborted) error = signal.reason;
  if (error instanceof Interrupted) return { code: "interrupted", message: error.message };
  if (error instanceof InstallError) return { code: error.code, message: error.message };
  if (error instanceof CommandError) return { code: "command", message: error.message };
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}

// SIGINT/SIGTERM abort the run instead of killing it, so teardown runs. Disposable.
export function onInterrupt(handler: (signal: NodeJS.Signals) => void): Disposable {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
  let fired = false;
  const listener = (signal: NodeJS.Signals) => {
    if (fired) return; // a second signal must not cut the teardown short
    fired = true;
    handler(signal);
  };
  for (const s of signals) process.on(s, listener);
  return {
    [Symbol.dispose]() {
      for (const s of signals) process.off(s, listener);
    },
  };
}

// SIGHUP (an SSH session or terminal that went away) does not stop an install: it is logged and
// ignored while the run lasts. Disposable.
function onHangup(handler: () => void): Disposable {
  process.on("SIGHUP", handler);
  return {
    [Symbol.dispose]() {
      process.off("SIGHUP", handler);
    },
  };
}
