// What every step gets: the runner, the event sink, the logger, the teardown stack
// and the run's mutable state (RunContext), and what it needs beyond its plan step (StepInputs).
// Built once per run by agent/install.ts. Every step file exports
// `run(ctx: RunContext, step: TheStep, inputs: StepInputs)`, declaring only the part of
// StepInputs it reads.

import type { Logger } from "pino";
import type { DownloadTuning } from "../download/image.ts";
import type { BootOrderPolicy } from "../efi/boot-order.ts";
import type { ImageState } from "../image/types.ts";
import type { Plan } from "../plan/types.ts";
import type { Inventory } from "../probe/types.ts";
import type { Redactor } from "../redact.ts";
import type { InstallRequest } from "../request/types.ts";
import type { EventSink, Held, Runner } from "./types.ts";

export interface RunState {
  runId: string;
  targetDisks: string[]; // every disk the plan writes
  disksWritten: boolean; // set just before the first command that writes a target disk
  step?: string; // current plan step id
}

export interface RunContext {
  runner: Runner;
  events: EventSink;
  log: Logger;
  redactor: Redactor;
  // Handles (mounts, nbd, loop, md, LVM activations) register their release here;
  // it is disposed in reverse order on success, failure and SIGINT/SIGTERM.
  stack: AsyncDisposableStack;
  state: RunState;
  signal: AbortSignal; // aborted on SIGINT/SIGTERM
  runDir: string; // /run/byol/<runId> by default: journal.jsonl, events.jsonl, state
  // records what handles hold into the run state file (a RunStateStore from ./state.ts)
  held?: Held;
}

// What the steps need beyond their plan step (never in the plan: the plan holds no secrets).
export interface StepInputs {
  request: InstallRequest;
  inventory: Inventory;
  plan: Pick<Plan, "firmware" | "targetRoot" | "disks">;
  image: ImageState; // filled in by download and inspect, read by attach and copy
  settings: StepSettings;
  // the run record: collects fstab, mdadm.conf and sgdisk -p before the finish step unmounts
  recorder?: { collect(ctx: Pick<RunContext, "runner" | "log" | "state">): Promise<void> };
}

export interface StepSettings {
  scriptTimeoutMs: number;
  download?: DownloadTuning; // --connections, --allow-insecure-redirect, the download's timeouts
  bootOrder: BootOrderPolicy;
  noReboot: boolean;
  rescueDev?: string; // the rescue system's /dev the script's chroot binds; default /dev (tests use a bare one)
  beforeReboot?: () => void | Promise<void>; // writes the result line and closes the run state: a reboot leaves no time after it
}
