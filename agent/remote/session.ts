// A detached install followed from afar: start it (`byol install --request - --detach --json`,
// the request on stdin), then follow it (`byol status --follow --json --run ID`), and when the
// connection drops, attach again with backoff. `status --follow` replays the run's events from
// the start, so lines already shown are skipped on each new attach. The run's result line
// carries the exit code the controller exits with.

import { setTimeout as wait } from "node:timers/promises";
import { RemoteError } from "../errors.ts";
import { isRetryable, sshFailure } from "./failures.ts";
import type { Transport } from "./ssh.ts";

export interface Started {
  runId: string;
  pid: number;
  runDir: string;
}

export type StartOutcome =
  | { kind: "started"; run: Started }
  | { kind: "refused"; exitCode: number; stdout: string; stderr: string };

// Starts the detached install. A refusal (invalid request: exit 2, …) comes back with its output.
export async function startDetached(t: Transport, command: string, request: string): Promise<StartOutcome> {
  const call = await t.call(command, { input: request });
  const failed = sshFailure(call.exitCode, call.stderr, t.where);
  if (failed !== undefined) throw failed;
  const run = parseStarted(call.stdout);
  if (call.exitCode === 0 && run !== undefined) return { kind: "started", run };
  return {
    kind: "refused",
    exitCode: call.exitCode === 0 ? 1 : call.exitCode,
    stdout: call.stdout,
    stderr: call.stderr,
  };
}

// The one line `install --detach --json` prints: {"runId","pid","runDir"}.
export function parseStarted(stdout: string): Started | undefined {
  for (const line of stdout.split("\n").reverse()) {
    const value = parseJson(line);
    if (value === undefined) continue;
    const { runId, pid, runDir } = value as Partial<Record<string, unknown>>;
    if (typeof runId === "string" && typeof pid === "number" && typeof runDir === "string")
      return { runId, pid, runDir };
  }
  return undefined;
}

// The exit code of a `{"phase":"result",…,"exitCode":n}` line.
export function resultExitCode(line: string): number | undefined {
  const value = parseJson(line) as { phase?: unknown; exitCode?: unknown } | undefined;
  return value?.phase === "result" && typeof value.exitCode === "number" ? value.exitCode : undefined;
}

export interface FollowOptions {
  command: string; // byol status --follow --json [--run ID]
  onLine: (line: string) => void; // each event line once, in order
  onRetry?: (attempt: number, delayMs: number, error: RemoteError) => void;
  retries?: number; // attempts after a drop before giving up (default 10)
  delayMs?: (attempt: number) => number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal; // stops waiting between attempts
}

export type FollowOutcome = { kind: "result"; exitCode: number } | { kind: "ended"; exitCode: number; stderr: string }; // status ended with no result line (no such run, …)

// 2, 4, 8, 16 s, then 20 s: ten tries take about two and a half minutes.
export const backoff = (attempt: number) => Math.min(20_000, 1000 * 2 ** attempt);

export async function follow(t: Transport, opts: FollowOptions): Promise<FollowOutcome> {
  const retries = opts.retries ?? 10;
  const delayMs = opts.delayMs ?? backoff;
  const sleep =
    opts.sleep ?? ((ms: number) => wait(ms, undefined, opts.signal === undefined ? {} : { signal: opts.signal }));
  let shown = 0; // event lines passed on so far, over every attach
  let attempt = 0; // consecutive failed attaches
  for (;;) {
    let seen = 0;
    let result: number | undefined;
    let partial = "";
    const take = (line: string) => {
      if (line.trim() === "") return;
      seen++;
      if (seen > shown) {
        shown = seen;
        opts.onLine(line);
      }
      result = resultExitCode(line) ?? result;
    };
    const call = await t.call(opts.command, {
      onStdout: (chunk) => {
        const lines = (partial + chunk.toString("utf8")).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) take(line);
      },
    });
    take(partial);
    if (result !== undefined) return { kind: "result", exitCode: result };
    const failed = sshFailure(call.exitCode, call.stderr, t.where);
    if (failed === undefined) return { kind: "ended", exitCode: call.exitCode, stderr: call.stderr };
    if (!isRetryable(failed)) throw failed;
    if (seen > 0) attempt = 0; // this attach worked for a while: a new outage, a new budget
    attempt++;
    if (attempt > retries) {
      throw new RemoteError(
        "lost",
        `lost the connection to ${t.where} and could not attach again after ${retries} tries (${failed.message}); ` +
          "the install goes on there: follow it with byol remote HOST status --follow",
      );
    }
    const delay = delayMs(attempt);
    opts.onRetry?.(attempt, delay, failed);
    await sleep(delay);
  }
}

function parseJson(line: string): object | undefined {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
