// `byol status --json` polled over SSH about every second while the install runs, as a provisioning system
// would poll OVH's GET …/install/status; and the check of what the polls saw: the OVH-named steps in order
// (download > partitioning > deploy > make_image_bootable) and download progress.
import type { ExecOptions, ExecResult } from "../vm/ssh.ts";
import { within } from "../vm/within.ts";
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

type Exec = (argv: readonly string[] | string, opts?: ExecOptions) => Promise<ExecResult>;

const MARK = "@@byol-status-poll";
const STOP_FILE = "/run/byol-status-poll.stop";

// The guest-side loop: `byol status --json` once a second (less the time the poll took), each answer on
// one line after a marker with the guest's clock and the exit code, until STOP_FILE appears. One SSH
// session for the whole install: an SSH connection per poll took longer than a second under TCG.
export function pollLoopScript(byol: readonly string[], everyMs: number): string {
  const cmd = byol.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(" ");
  return [
    `rm -f ${STOP_FILE}`,
    "export NODE_COMPILE_CACHE=/run/byol-status-poll.cache",
    `while [ ! -e ${STOP_FILE} ]; do`,
    "  t0=$(date +%s%3N)",
    `  out=$(${cmd} status --json 2>&1); rc=$?`,
    `  printf '${MARK} %s %s %s\\n' "$t0" "$rc" "$(printf '%s' "$out" | tr -d '\\n')"`,
    `  left=$(( ${everyMs} - ($(date +%s%3N) - t0) ))`,
    "  if [ $left -gt 0 ]; then sleep $(printf '%d.%03d' $((left / 1000)) $((left % 1000))); fi",
    "done",
    `rm -f ${STOP_FILE}`,
  ].join("\n");
}

// One line of the loop's output as a sample (undefined for any other line); atMs counts from `firstMs`.
export function parsePollLine(line: string, firstMs: number): StatusSample | undefined {
  const m = new RegExp(`^${MARK} (\\d+) (\\d+) (.*)$`).exec(line.trim());
  if (m === null) return undefined;
  const atMs = Number(m[1]) - firstMs;
  const text = m[3] ?? "";
  try {
    if (m[2] !== "0") throw new Error("exit");
    return { atMs, status: JSON.parse(text) as StatusSample["status"] };
  } catch {
    return { atMs, error: `exit ${m[2]}: ${text.slice(0, 300)}` };
  }
}

export function startStatusPoll(exec: Exec, byol: readonly string[], everyMs = 1000): StatusPoll {
  const samples: StatusSample[] = [];
  let firstMs: number | undefined;
  let rest = "";
  const onOutput = (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      firstMs ??= Number(/^@@byol-status-poll (\d+)/.exec(line.trim())?.[1] ?? Number.NaN) || undefined;
      const sample = firstMs === undefined ? undefined : parsePollLine(line, firstMs);
      if (sample !== undefined) samples.push(sample);
    }
  };
  const loop = exec(pollLoopScript(byol, everyMs), { timeoutMs: 6 * 3600_000, onOutput });
  return {
    async stop() {
      await exec(["touch", STOP_FILE], { timeoutMs: 60_000 });
      if ((await within(loop, 120_000)) === "timeout")
        samples.push({ atMs: samples.at(-1)?.atMs ?? 0, error: "the poll loop did not stop" });
      return samples;
    },
  };
}

// A step shorter than the poll interval can run entirely between two polls: it is still "todo" in one
// poll's list and already "done" in the next. That excuses it from being seen as the current step, but
// only when those two polls are consecutive and no further apart than MAX_POLL_GAP_MS; a step that the
// status left out while it ran for longer would have shown in a poll in between.
const MAX_POLL_GAP_MS = 10_000;
type Status = NonNullable<StatusSample["status"]>;
function passedBetweenPolls(
  seen: readonly Status[],
  samples: readonly StatusSample[],
  step: string,
): number | undefined {
  const mine = new Set(seen);
  const state = (s: Status | undefined) =>
    s !== undefined && mine.has(s) ? s.steps.find((x) => x.name === step)?.status : undefined;
  for (let i = 1; i < samples.length; i++) {
    if (state(samples[i - 1]!.status) !== "todo" || state(samples[i]!.status) !== "done") continue;
    const gap = samples[i]!.atMs - samples[i - 1]!.atMs;
    return gap <= MAX_POLL_GAP_MS ? gap : undefined;
  }
  return undefined;
}

export const STEPS_IN_ORDER = ["download", "partitioning", "deploy", "make_image_bootable"] as const;

// The polls saw each of the steps as the current one, never going back to an earlier one, and download
// progress (bytes > 0 while the download ran). Only the polls of the run that was installed count. A run
// is held to the steps it reached (the last poll's list, anything not "todo"): a run that ends at the
// download (exit 3) has no later step to show, and byoi_64 has no make_image_bootable (a streamed raw
// image has no download step either: its progress is the deploy step's).
export function statusPollChecks(samples: readonly StatusSample[], runId?: string): Check[] {
  const seen = samples.flatMap((s) =>
    s.status && (runId === undefined || s.status.runId === runId) ? [s.status] : [],
  );
  const last = seen.at(-1);
  const listed = last !== undefined && last.steps.length > 0 ? last.steps : undefined;
  const reached = listed?.filter((s) => s.status !== "todo").map((s) => s.name) ?? [...STEPS_IN_ORDER];
  const required = STEPS_IN_ORDER.filter((o) => reached.includes(o));
  const order: string[] = [];
  for (const s of seen) if (s.ovhStep !== null && order.at(-1) !== s.ovhStep) order.push(s.ovhStep);
  const wanted = order.filter((o) => (STEPS_IN_ORDER as readonly string[]).includes(o));
  const unseen = required.filter((o) => !wanted.includes(o));
  const between = unseen.flatMap((o) => {
    const gap = passedBetweenPolls(seen, samples, o);
    return gap === undefined ? [] : [{ step: o, gap }];
  });
  const missing = unseen.filter((o) => !between.some((b) => b.step === o));
  const backwards = wanted.some(
    (o, i) => i > 0 && STEPS_IN_ORDER.indexOf(o as never) < STEPS_IN_ORDER.indexOf(wanted[i - 1] as never),
  );
  const errors = samples.filter((s) => s.error !== undefined).length;
  const polls = `${samples.length} polls (${errors} unreadable) over ${((samples.at(-1)?.atMs ?? 0) / 1000).toFixed(0)} s`;
  const inOrder = seen.length > 0 && missing.length === 0 && !backwards;
  const progressStep = reached.includes("download") ? "download" : "deploy";
  // a download (or stream) that failed at once, e.g. an image too big for the disk, has no progress to show
  const completed = listed === undefined || listed.some((s) => s.name === progressStep && s.status === "done");
  const progress = seen.filter((s) => s.ovhStep === progressStep && s.progress !== undefined && s.progress.bytes > 0);
  const bytes = [...new Set(progress.map((s) => s.progress!.bytes))];
  const total = progress.at(-1)?.progress?.total;
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  const reachedNote =
    required.length < STEPS_IN_ORDER.length ? `; the run reached ${required.join(", ") || "none"} of them` : "";
  return [
    {
      name: "status poll: steps in order",
      ok: inOrder,
      detail: `${polls}; seen: ${order.join(" > ") || "no step"}${missing.length ? `; never seen: ${missing.join(", ")}` : ""}${between.map((b) => `; ${b.step} began and ended between two polls ${(b.gap / 1000).toFixed(1)} s apart`).join("")}${backwards ? "; went back to an earlier step" : ""}${reachedNote}`,
    },
    {
      name: "status poll: download progress",
      ok: bytes.length > 0 || !completed,
      detail:
        bytes.length > 0
          ? `${progress.length} polls with ${progressStep} progress, ${mib(Math.min(...bytes))} to ${mib(Math.max(...bytes))}${total ? ` of ${mib(total)}` : ""}`
          : !completed
            ? `not required: the ${progressStep} did not complete in this run`
            : `no poll during the ${progressStep} showed progress`,
    },
  ];
}
