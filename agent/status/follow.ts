// `byol status --follow`: re-attach to an install from any later session. Prints the run's events
// so far from its events.jsonl (JSON lines as `install --json` prints them, or the same terminal
// view), follows the file until the result line, and returns the install's exit code. A run whose
// process is gone without a result (SIGKILL, a crash, a power cut) ends in EXIT_DIED.

import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";
import { EXIT, InputError } from "../errors.ts";
import { isAlive } from "../exec/alive.ts";
import { DETACHED_FILE, type DetachedRecord } from "../exec/detach.ts";
import { type RunResult, resultText } from "../exec/events.ts";
import { readRunState, type SavedRunState } from "../exec/state.ts";
import type { StepEvent } from "../exec/types.ts";
import { createHumanView } from "../view/human-view.ts";

// The install's process ended without writing its result: nothing was torn down. `byol cleanup`
// releases what it held and resets the tables of disks it had written.
export const EXIT_DIED = EXIT.died;

export interface FollowOptions {
  stateDir: string; // where current.json is (/run/byol, or --run-dir)
  runId?: string; // default: the current or last run
  json: boolean;
  out: NodeJS.WritableStream;
  tty?: boolean;
  pollMs?: number; // default 200
  startTimeoutMs?: number; // how long a run that has not written anything yet is waited for; default 30 s
  alive?: (pid: number) => boolean; // for tests
}

export async function follow(o: FollowOptions): Promise<number> {
  const alive = o.alive ?? isAlive;
  const pollMs = o.pollMs ?? 200;
  const runId = o.runId ?? readRunState(o.stateDir)?.runId;
  if (runId === undefined) throw new InputError(`no run recorded in ${o.stateDir}`);
  const runDir = existsSync(join(o.stateDir, runId)) ? join(o.stateDir, runId) : o.stateDir;
  const print = printer(o);
  const tail = new LineTail(join(runDir, "events.jsonl"));
  const startBy = Date.now() + (o.startTimeoutMs ?? 30_000);
  let seen = false; // anything of this run: a state file naming it, a detached record, an event
  for (;;) {
    for (const line of tail.read()) {
      seen = true;
      const event = parse(line);
      if (event === undefined) continue;
      print(line, event);
      if (event.phase === "result") return event.exitCode;
    }
    const state = stateOf(o.stateDir, runId);
    const pid = state?.pid ?? detachedPid(runDir, runId);
    seen ||= pid !== undefined;
    if (pid !== undefined && !alive(pid)) {
      if (!tail.atEnd()) continue; // it wrote its result just before exiting
      if (state?.finished !== undefined) {
        // it finished, yet events.jsonl lacks the result line (a full disk): the state file has it
        const r: RunResult = { ok: state.finished.ok, exitCode: state.finished.exitCode };
        print(`${JSON.stringify({ ts: new Date().toISOString(), phase: "result", ...r })}\n`, {
          phase: "result",
          ...r,
        });
        return r.exitCode;
      }
      const written = state?.disksWritten === true ? "disks were written" : "no disk was written";
      o.out.write(
        `byol status: run ${runId} (pid ${pid}) ended without a result (killed?); ${written}, nothing was cleaned up: run 'byol cleanup'\n`,
      );
      return EXIT_DIED;
    }
    if (!seen && Date.now() > startBy) throw new InputError(`run ${runId}: nothing recorded in ${runDir}`);
    await sleep(pollMs);
  }
}

type FollowedEvent = StepEvent | ({ phase: "result" } & RunResult);

// JSON lines as they are in events.jsonl (already redacted), or the terminal view of them.
function printer(o: FollowOptions): (line: string, event: FollowedEvent) => void {
  if (o.json) return (line) => o.out.write(line);
  const human = createHumanView({ write: (text) => o.out.write(text), tty: o.tty ?? false, now: Date.now });
  return (_, event) => {
    if (event.phase === "result") human.line(resultText(event));
    else human.show(event);
  };
}

function parse(line: string): FollowedEvent | undefined {
  try {
    const event = JSON.parse(line) as FollowedEvent;
    return typeof event === "object" && event !== null && typeof event.phase === "string" ? event : undefined;
  } catch {
    return undefined; // a line cut by a crash mid-write
  }
}

function stateOf(stateDir: string, runId: string): SavedRunState | undefined {
  try {
    const state = readRunState(stateDir);
    return state?.runId === runId ? state : undefined;
  } catch {
    return undefined; // being replaced: read again at the next poll
  }
}

function detachedPid(runDir: string, runId: string): number | undefined {
  try {
    const record = JSON.parse(readFileSync(join(runDir, DETACHED_FILE), "utf8")) as DetachedRecord;
    return record.runId === runId ? record.pid : undefined;
  } catch {
    return undefined;
  }
}

// The complete lines appended to a file since the last read; a partial last line waits.
class LineTail {
  readonly #file: string;
  #offset = 0;
  #partial = "";
  readonly #decoder = new StringDecoder("utf8");
  #pending: string[] = [];

  constructor(file: string) {
    this.#file = file;
  }

  read(): string[] {
    const lines = this.#pending.splice(0);
    let fd: number;
    try {
      fd = openSync(this.#file, "r");
    } catch {
      return lines; // not created yet
    }
    try {
      const buffer = Buffer.alloc(1 << 16);
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, this.#offset);
        if (n === 0) break;
        this.#offset += n;
        this.#partial += this.#decoder.write(buffer.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
    const parts = this.#partial.split("\n");
    this.#partial = parts.pop() ?? "";
    for (const p of parts) if (p.trim() !== "") lines.push(`${p}\n`);
    return lines;
  }

  // No complete line left to read (what it finds stays for the next read).
  atEnd(): boolean {
    this.#pending = this.read();
    return this.#pending.length === 0;
  }
}
