// `byol status --json` polled over SSH about every second while the install runs, as a provisioning system
// would poll OVH's GET …/install/status; and the check of what the polls saw: the OVH-named steps in order
// (download > partitioning > deploy > make_image_bootable) and download progress.
import { setTimeout as sleep } from "node:timers/promises";
import type { ExecOptions, ExecResult } from "../vm/ssh.ts";
import type { Check } from "./checks.ts";

/** One poll: when (ms since the poller started) and what `byol status --json` printed. */
export interface StatusSample {
  atMs: number;
  status?: {
    runId: string | null;
    state: string;
    step: string | null;
    ovhStep: string | null;
    progress?: { bytes: number; total: number | null };
    steps: { name: string; status: string }[];
  };
  error?: string;
}

export interface StatusPoll {
  /** Stops polling (after the poll in flight) and returns every sample. */
  stop(): Promise<StatusSample[]>;
}

type Exec = (argv: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;

export function startStatusPoll(exec: Exec, byol: readonly string[], everyMs = 1000): StatusPoll {
  const samples: StatusSample[] = [];
  const started = Date.now();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = Date.now();
      const r = await exec([...byol, "status", "--json"], { timeoutMs: 60_000 });
      const atMs = t - started;
      try {
        samples.push({ atMs, status: JSON.parse(r.stdout) as StatusSample["status"] });
      } catch {
        samples.push({ atMs, error: `exit ${r.exitCode}: ${(r.stdout + r.stderr).trim().slice(0, 300)}` });
      }
      await sleep(Math.max(0, everyMs - (Date.now() - t)));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

export const STEPS_IN_ORDER = ["download", "partitioning", "deploy", "make_image_bootable"] as const;

// The polls saw each of the steps as the current one, never going back to an earlier one, and download
// progress (bytes > 0 while the download ran). Only the polls of the run that was installed count.
export function statusPollChecks(samples: readonly StatusSample[], runId?: string): Check[] {
  const seen = samples.flatMap((s) =>
    s.status && (runId === undefined || s.status.runId === runId) ? [s.status] : [],
  );
  const order: string[] = [];
  for (const s of seen) if (s.ovhStep !== null && order.at(-1) !== s.ovhStep) order.push(s.ovhStep);
  const wanted = order.filter((o) => (STEPS_IN_ORDER as readonly string[]).includes(o));
  const missing = STEPS_IN_ORDER.filter((o) => !wanted.includes(o));
  const backwards = wanted.some(
    (o, i) => i > 0 && STEPS_IN_ORDER.indexOf(o as never) < STEPS_IN_ORDER.indexOf(wanted[i - 1] as never),
  );
  const errors = samples.filter((s) => s.error !== undefined).length;
  const polls = `${samples.length} polls (${errors} unreadable) over ${((samples.at(-1)?.atMs ?? 0) / 1000).toFixed(0)} s`;
  const inOrder = missing.length === 0 && !backwards;
  const progress = seen.filter((s) => s.ovhStep === "download" && s.progress !== undefined && s.progress.bytes > 0);
  const bytes = [...new Set(progress.map((s) => s.progress!.bytes))];
  const total = progress.at(-1)?.progress?.total;
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  return [
    {
      name: "status poll: steps in order",
      ok: inOrder,
      detail: `${polls}; seen: ${order.join(" > ") || "no step"}${missing.length ? `; never seen: ${missing.join(", ")}` : ""}${backwards ? "; went back to an earlier step" : ""}`,
    },
    {
      name: "status poll: download progress",
      ok: bytes.length > 0,
      detail:
        bytes.length > 0
          ? `${progress.length} polls with progress, ${mib(Math.min(...bytes))} to ${mib(Math.max(...bytes))}${total ? ` of ${mib(total)}` : ""}`
          : "no poll during the download showed progress",
    },
  ];
}
