// The status of a run as a pure fold over its events: which plan step runs, the OVH-style
// step it belongs to, the last progress, and the result. `byol status` prints it; the install
// keeps it in status.json through the tap in tap.ts.

import type { RunResult } from "../exec/events.ts";
import type { StepEvent } from "../exec/types.ts";
import { type OvhStep, ovhStepOf } from "./ovh-steps.ts";

export const STATUS_VERSION = 1;

export type RunEvent = StepEvent | ({ phase: "result" } & RunResult);
export type StepStatus = "todo" | "doing" | "done" | "error";
export type RunStateName = "running" | "done" | "failed" | "interrupted" | "none";

export interface Progress {
  bytes: number;
  total: number | null;
}

// The file form (status.json). `planSteps` is what the OVH steps are counted from.
export interface RunStatus {
  version: typeof STATUS_VERSION;
  runId: string;
  state: RunStateName;
  step?: string; // the plan step running now, or the one the run ended in
  progress?: Progress; // the current step's last progress event
  planSteps: { id: string; status: StepStatus }[];
  result?: RunResult;
}

// What `byol status --json` prints: the equivalent of OVH's GET …/install/status.
export interface StatusView {
  runId: string | null;
  state: RunStateName;
  step: string | null;
  ovhStep: OvhStep | null;
  progress?: Progress;
  steps: { name: OvhStep; status: StepStatus }[];
  result?: RunResult;
}

// A run that has not emitted anything yet: every plan step still to do.
export function initialStatus(runId: string, planStepIds: readonly string[] = []): RunStatus {
  return {
    version: STATUS_VERSION,
    runId,
    state: "running",
    planSteps: planStepIds.map((id) => ({ id, status: "todo" })),
  };
}

export function reduceStatus(status: RunStatus, event: RunEvent): RunStatus {
  switch (event.phase) {
    case "start": {
      const { progress: _, ...rest } = withStep(status, event.step, "doing");
      return { ...rest, step: event.step };
    }
    case "progress":
      return event.step === status.step ? { ...status, progress: { bytes: event.bytes, total: event.total } } : status;
    case "done":
      return withStep(status, event.step, "done");
    case "failed":
      return { ...withStep(status, event.step, "error"), step: event.step };
    case "log":
      return status;
    case "result": {
      const { phase: _, ...result } = event;
      const state = result.ok ? "done" : result.exitCode === 130 ? "interrupted" : "failed";
      return { ...status, state, result };
    }
    default:
      throw new Error(`unknown event ${JSON.stringify(event satisfies never)}`);
  }
}

// Sets a plan step's status; a step the status did not know (no plan given) is appended.
function withStep(status: RunStatus, id: string, to: StepStatus): RunStatus {
  if (ovhStepOf(id) === undefined) return status; // validate, reset-tables: not plan steps
  const known = status.planSteps.some((s) => s.id === id);
  const planSteps = known
    ? status.planSteps.map((s) => (s.id === id ? { id, status: to } : s))
    : [...status.planSteps, { id, status: to }];
  return { ...status, planSteps };
}

// The OVH steps in plan order, each as its plan steps add up: an error anywhere is an
// error, all done is done, any started is doing.
export function ovhSteps(planSteps: RunStatus["planSteps"]): StatusView["steps"] {
  const groups = new Map<OvhStep, StepStatus[]>();
  for (const s of planSteps) {
    const name = ovhStepOf(s.id);
    if (name === undefined) continue;
    groups.set(name, [...(groups.get(name) ?? []), s.status]);
  }
  return [...groups].map(([name, all]) => ({ name, status: combine(all) }));
}

function combine(all: StepStatus[]): StepStatus {
  if (all.includes("error")) return "error";
  if (all.every((s) => s === "done")) return "done";
  if (all.every((s) => s === "todo")) return "todo";
  return "doing";
}

export function viewStatus(status: RunStatus | undefined): StatusView {
  if (status === undefined) return { runId: null, state: "none", step: null, ovhStep: null, steps: [] };
  const view: StatusView = {
    runId: status.runId,
    state: status.state,
    step: status.step ?? null,
    ovhStep: status.step === undefined ? null : (ovhStepOf(status.step) ?? null),
    steps: ovhSteps(status.planSteps),
  };
  if (status.progress !== undefined) view.progress = status.progress;
  if (status.result !== undefined) view.result = status.result;
  return view;
}
