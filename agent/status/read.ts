// What `byol status` reports: the state file (which run, its pid, whether it finished)
// joined with status.json (steps and progress). A run whose status.json is missing (an
// older install) is rebuilt from its events.jsonl; a run whose process is gone without
// a result was killed.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../exec/alive.ts";
import { readRunState, type SavedRunState } from "../exec/state.ts";
import { readJsonLines } from "../report/jsonl.ts";
import { type ByolVersion, byolVersion } from "../version.ts";
import { initialStatus, type RunEvent, type RunStatus, reduceStatus, type StatusView, viewStatus } from "./reduce.ts";
import { STATUS_FILE } from "./tap.ts";

// The version of what `byol status --json` prints (schemas/status.schema.json, from schema.ts).
export const STATUS_SCHEMA_VERSION = 1;

// `byol`: the version and commit of the byol that runs (or ran) the install, as its state file
// records them; this byol's when there is no run, or the run's byol did not record them.
export type StatusReport = { schemaVersion: typeof STATUS_SCHEMA_VERSION } & StatusView & {
    pid?: number;
    startedAt?: string;
    disksWritten?: boolean;
    byol: ByolVersion;
  };

export function readStatus(stateDir: string, alive: (pid: number) => boolean = isAlive): StatusReport {
  const schemaVersion = STATUS_SCHEMA_VERSION;
  const state = readRunState(stateDir);
  if (state === undefined) return { schemaVersion, ...viewStatus(undefined), byol: byolVersion() };
  const status = merge(state, statusOf(stateDir, state.runId), alive);
  const { pid, startedAt, disksWritten } = state;
  return { schemaVersion, ...viewStatus(status), pid, startedAt, disksWritten, byol: state.byol ?? byolVersion() };
}

function statusOf(stateDir: string, runId: string): RunStatus {
  const saved = readStatusFile(join(stateDir, STATUS_FILE));
  if (saved?.runId === runId) return saved;
  const events = readJsonLines<RunEvent>(join(stateDir, runId, "events.jsonl"));
  return events.reduce(reduceStatus, initialStatus(runId));
}

// The state file knows the result and the step even when status.json lags behind.
function merge(state: SavedRunState, status: RunStatus, alive: (pid: number) => boolean): RunStatus {
  const out: RunStatus = { ...status };
  if (out.step === undefined && state.step !== undefined) out.step = state.step;
  if (out.result === undefined && state.finished !== undefined) {
    out.result = state.finished;
    out.state = state.finished.ok ? "done" : state.finished.exitCode === 130 ? "interrupted" : "failed";
  }
  if (out.state === "running" && !alive(state.pid)) out.state = "interrupted";
  return out;
}

function readStatusFile(file: string): RunStatus | undefined {
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as RunStatus;
    return json.version === 1 && Array.isArray(json.planSteps) ? json : undefined;
  } catch {
    return undefined;
  }
}
