// `byol report show`: a run record as a person reads it at 3 a.m. The header (run, OS,
// result), the steps with their timings, the failing command with its output, and the end of
// make_image_bootable.sh's output.

import type { JournalEntry } from "../exec/types.ts";
import { shellJoin } from "../plan/quote.ts";
import { escapeLines } from "../view/escape.ts";
import { formatDuration } from "../view/progress-line.ts";
import type { RunRecord } from "./read.ts";
import type { StepPhase } from "./summary.ts";

const MARK: Record<StepPhase, string> = { done: "✓", failed: "✗", interrupted: "!" };
const OUTPUT_LINES = 20;
const SCRIPT_LINES = 30;

export function formatReport(record: RunRecord): string {
  const s = record.summary;
  const out: string[] = [];
  const result = s.ok ? "done" : `failed (exit ${s.exitCode})${s.error ? `: ${s.error.message}` : ""}`;
  out.push(`run ${s.runId}: ${s.operatingSystem}, ${result}`);
  const span = Date.parse(s.finishedAt) - Date.parse(s.startedAt);
  out.push(
    `  ${s.startedAt} to ${s.finishedAt}${Number.isFinite(span) ? ` (${formatDuration(span)})` : ""}, byol ${s.byolVersion}${s.byolCommit === undefined ? "" : ` (commit ${s.byolCommit})`}`,
  );
  if (record.plan !== undefined) {
    const disks = record.plan.disks.map((d) => d.path).join(" ") || "none";
    out.push(`  ${record.plan.firmware}, ${record.plan.table}, disks ${disks}`);
  }

  out.push("", "steps:");
  const width = Math.max(0, ...s.steps.map((st) => st.id.length));
  for (const st of s.steps) {
    // the run's error is in the header already
    const message = st.error && st.error.message !== s.error?.message ? `: ${st.error.message}` : "";
    const note = st.phase === "done" ? "" : `  ${st.phase}${message}`;
    out.push(`  ${MARK[st.phase]} ${st.id.padEnd(width)}  ${formatDuration(st.durationMs).padStart(7)}${note}`);
  }
  const planned = record.plan?.steps.filter((p) => !s.steps.some((st) => st.id === p.id)) ?? [];
  if (!s.ok && planned.length > 0) out.push(`  (not run: ${planned.map((p) => p.id).join(", ")})`);

  const failing = failingCommand(record);
  if (failing !== undefined) out.push("", ...formatCommand(failing));

  const script = record.files.get("make_image_bootable.log");
  if (script !== undefined) {
    const lines = script.replace(/\n$/, "").split("\n");
    const shown = lines.slice(-SCRIPT_LINES);
    const of = lines.length > shown.length ? ` (last ${shown.length} of ${lines.length} lines)` : "";
    out.push("", `make_image_bootable.sh output${of}:`, ...shown.map((l) => `  | ${l}`));
  }
  // everything here comes from the record (messages, command output): shown escaped
  return `${escapeLines(out.join("\n"))}\n`;
}

// The command that failed the run: the last one with a non-zero exit (or killed) in the step
// that failed, or else the last such command of the run.
export function failingCommand(record: RunRecord): JournalEntry | undefined {
  const bad = record.journal.filter((e) => e.exitCode !== 0);
  const failedStep = record.summary.steps.findLast((st) => st.phase !== "done")?.id;
  return bad.findLast((e) => e.step === failedStep) ?? (record.summary.ok ? undefined : bad.at(-1));
}

function formatCommand(e: JournalEntry): string[] {
  const how = e.exitCode === null ? `killed${e.signal ? ` by ${e.signal}` : ""}` : `exit ${e.exitCode}`;
  const out = [
    `failing command (step ${e.step}, ${how}${e.timedOut ? ", timed out" : ""}, after ${formatDuration(e.durationMs)}):`,
    `  $ ${shellJoin(e.argv)}`,
  ];
  for (const [name, text] of [
    ["stderr", e.stderrTail],
    ["stdout", e.stdoutTail],
  ] as const) {
    if (text.trim() === "") continue;
    out.push(`  ${name}:`, ...lastOf(text, OUTPUT_LINES).map((l) => `  | ${l}`));
  }
  return out;
}

function lastOf(text: string, count: number): string[] {
  return text.replace(/\n$/, "").split("\n").slice(-count);
}
