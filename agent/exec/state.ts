// The run state file, /run/byol/current.json: what the current (or last) run is doing and
// what it holds, so `byol cleanup` and `byol status` can find what a killed run left.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { type ByolVersion, byolVersion } from "../version.ts";
import type { Held, HeldKind } from "./types.ts";

export const STATE_VERSION = 1;

export interface SavedRunState {
  version: typeof STATE_VERSION;
  runId: string;
  pid: number;
  startedAt: string;
  step?: string;
  targetDisks: string[];
  disksWritten: boolean;
  mounts: string[];
  nbd: string[];
  md: string[];
  loop: string[];
  lvm: string[];
  zpool: string[]; // ZFS pools the run created (imported); absent in state files of older byol
  udev?: string[]; // ["exec-queue"] while the run has udev's event queue stopped; absent in older files
  finished?: { ok: boolean; exitCode: number };
  tablesReset?: boolean; // set once cleanup (or install) reset the target disks' tables
  byol?: ByolVersion; // the byol that runs the install
}

// BYOL_RUN_DIR lets tests and lab rigs keep their state away from /run/byol.
export function defaultRunDir(): string {
  return process.env["BYOL_RUN_DIR"] ?? "/run/byol";
}

export function runStateFile(dir = defaultRunDir()): string {
  return join(dir, "current.json");
}

// Atomic: a reader (or a run killed mid-write) sees the old file or the new one, never half.
export function writeRunState(dir: string, state: SavedRunState): void {
  mkdirSync(dir, { recursive: true });
  const file = runStateFile(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}

// undefined when no run was ever recorded; throws with the file's name when it is unreadable.
export function readRunState(dir = defaultRunDir()): SavedRunState | undefined {
  const file = runStateFile(dir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InputError(`reading run state ${file}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`reading run state ${file}: ${(error as Error).message}`, { cause: error });
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (version !== STATE_VERSION) {
    throw new InputError(
      `reading run state ${file}: version ${String(version)}, this byol reads version ${STATE_VERSION}`,
    );
  }
  const problems = stateProblems(json as Record<string, unknown>);
  if (problems.length > 0) throw new InputError(`reading run state ${file}: ${problems.join("; ")}`);
  const state = json as SavedRunState;
  for (const kind of HELD_KINDS) state[kind] ??= [];
  return state;
}

const HELD_KINDS = ["mounts", "nbd", "md", "loop", "lvm", "zpool", "udev"] as const satisfies readonly HeldKind[];

// Checked by hand, not with zod: `byol status` reads this file and is polled, so it loads no
// schema library. Each problem names the field.
function stateProblems(json: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const want = (ok: boolean, field: string, what: string) => {
    if (!ok) problems.push(`${field}: expected ${what}, got ${JSON.stringify(json[field]) ?? "nothing"}`);
  };
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
  want(typeof json["runId"] === "string", "runId", "a string");
  want(Number.isInteger(json["pid"]), "pid", "an integer");
  want(typeof json["startedAt"] === "string", "startedAt", "a string");
  want(json["step"] === undefined || typeof json["step"] === "string", "step", "a string");
  want(strings(json["targetDisks"]), "targetDisks", "an array of strings");
  want(typeof json["disksWritten"] === "boolean", "disksWritten", "a boolean");
  for (const kind of HELD_KINDS) want(json[kind] === undefined || strings(json[kind]), kind, "an array of strings");
  const f = json["finished"] as Record<string, unknown> | undefined;
  want(
    f === undefined || (typeof f === "object" && typeof f?.["ok"] === "boolean" && Number.isInteger(f?.["exitCode"])),
    "finished",
    '{"ok":boolean,"exitCode":integer}',
  );
  want(json["tablesReset"] === undefined || typeof json["tablesReset"] === "boolean", "tablesReset", "a boolean");
  return problems;
}

// The live copy of the state file for one run. Every change is written at once, because the
// next command may be the one during which the run is killed.
export class RunStateStore implements Held {
  readonly dir: string;
  #state: SavedRunState;

  constructor(dir: string, state: SavedRunState) {
    this.dir = dir;
    this.#state = state;
    writeRunState(dir, state);
  }

  // A new run's state: nothing held, nothing written yet.
  static start(init: { runId: string; targetDisks: string[]; dir?: string }): RunStateStore {
    return new RunStateStore(init.dir ?? defaultRunDir(), {
      version: STATE_VERSION,
      runId: init.runId,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      byol: byolVersion(),
      targetDisks: init.targetDisks,
      disksWritten: false,
      mounts: [],
      nbd: [],
      md: [],
      loop: [],
      lvm: [],
      zpool: [],
      udev: [],
    });
  }

  get state(): Readonly<SavedRunState> {
    return this.#state;
  }

  update(patch: Partial<Omit<SavedRunState, "version">>): void {
    this.#state = { ...this.#state, ...patch };
    writeRunState(this.dir, this.#state);
  }

  save(run: { step?: string; targetDisks: string[]; disksWritten: boolean }): void {
    const { step, targetDisks, disksWritten } = run;
    this.update({ ...(step !== undefined && { step }), targetDisks: [...targetDisks], disksWritten });
  }

  hold(kind: HeldKind, value: string): void {
    const now = this.#state[kind] ?? [];
    if (!now.includes(value)) this.update({ [kind]: [...now, value] });
  }

  drop(kind: HeldKind, value: string): void {
    const now = this.#state[kind] ?? [];
    if (now.includes(value)) this.update({ [kind]: now.filter((v) => v !== value) });
  }

  finish(ok: boolean, exitCode: number): void {
    this.update({ finished: { ok, exitCode } });
  }
}
