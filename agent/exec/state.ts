// The run state file, /run/byol/current.json: what the current (or last) run is doing and
// what it holds, so `byol cleanup` and `byol status` can find what a killed run left.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { InputError } from "../errors.ts";
import type { Held, HeldKind } from "./types.ts";

export const STATE_VERSION = 1;

const schema = z.object({
  version: z.literal(STATE_VERSION),
  runId: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  step: z.string().optional(),
  targetDisks: z.array(z.string()),
  disksWritten: z.boolean(),
  mounts: z.array(z.string()).default([]),
  nbd: z.array(z.string()).default([]),
  md: z.array(z.string()).default([]),
  loop: z.array(z.string()).default([]),
  lvm: z.array(z.string()).default([]),
  finished: z.object({ ok: z.boolean(), exitCode: z.number().int() }).optional(),
  tablesReset: z.boolean().optional(), // set once cleanup (or install) reset the target disks' tables
});

export type SavedRunState = z.infer<typeof schema>;

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
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InputError(`reading run state ${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
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
      targetDisks: init.targetDisks,
      disksWritten: false,
      mounts: [],
      nbd: [],
      md: [],
      loop: [],
      lvm: [],
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
    if (!this.#state[kind].includes(value)) this.update({ [kind]: [...this.#state[kind], value] });
  }

  drop(kind: HeldKind, value: string): void {
    if (this.#state[kind].includes(value)) this.update({ [kind]: this.#state[kind].filter((v) => v !== value) });
  }

  finish(ok: boolean, exitCode: number): void {
    this.update({ finished: { ok, exitCode } });
  }
}
