// `byol report diff A B`: what differs between two runs. The plans (steps added, removed, or
// with other commands), the commands the runs actually ran, step by step, and the per-step
// timings side by side. `diffRuns` is the data (`--json`); `formatDiff` its text.

import type { JournalEntry } from "../exec/types.ts";
import { shellJoin } from "../plan/quote.ts";
import type { PlanStep } from "../plan/types.ts";
import { escapeLines } from "../view/escape.ts";
import { formatDuration } from "../view/progress-line.ts";
import type { RunRecord } from "./read.ts";
import type { StepPhase } from "./summary.ts";

export type LineOp = { op: " " | "-" | "+"; text: string };

export type PlanChange =
  | { op: "-" | "+"; step: string } // a step only in A, or only in B
  | { op: "~"; step: string; commands: LineOp[] }; // in both, other commands (changed lines only)

export interface CommandChange {
  step: string;
  lines: LineOp[]; // journal commands `argv  (exit n)` only in A (-) or only in B (+)
}

export interface TimingRow {
  step: string;
  a: { durationMs: number; phase: StepPhase } | null;
  b: { durationMs: number; phase: StepPhase } | null;
}

export interface RunSide {
  file: string;
  runId: string;
  operatingSystem: string;
  ok: boolean;
  exitCode: number;
  error?: { code: string; message: string };
}

// `differ`: the results, the plans or the commands run differ (timings always do, so they do not count).
export interface RunDiff {
  a: RunSide;
  b: RunSide;
  differ: boolean;
  plan: PlanChange[];
  commands: CommandChange[];
  timings: TimingRow[];
}

export function diffRuns(a: RunRecord, b: RunRecord): RunDiff {
  const plan = planChanges(a.plan?.steps ?? [], b.plan?.steps ?? []);
  const commands = commandChanges(a.journal, b.journal);
  const [sa, sb] = [side(a), side(b)];
  const sameResult = sa.ok === sb.ok && sa.exitCode === sb.exitCode && sa.error?.code === sb.error?.code;
  const differ = !sameResult || plan.length > 0 || commands.length > 0;
  return { a: sa, b: sb, differ, plan, commands, timings: timingRows(a, b) };
}

export function formatDiff(a: RunRecord, b: RunRecord): string {
  return formatRunDiff(diffRuns(a, b));
}

export function formatRunDiff(d: RunDiff): string {
  const out = [`--- ${describe(d.a)}`, `+++ ${describe(d.b)}`];
  out.push("", "plan:", ...indent(planLines(d.plan), "same steps, same commands"));
  out.push("", "commands run:", ...indent(commandLines(d.commands), "the same commands, with the same exit codes"));
  out.push("", "timings:", ...timings(d.timings));
  return `${escapeLines(out.join("\n"))}\n`;
}

function side(r: RunRecord): RunSide {
  const s = r.summary;
  const out: RunSide = {
    file: r.file,
    runId: s.runId,
    operatingSystem: s.operatingSystem,
    ok: s.ok,
    exitCode: s.exitCode,
  };
  if (s.error !== undefined) out.error = s.error;
  return out;
}

function describe(s: RunSide): string {
  const result = s.ok ? "ok" : `failed exit ${s.exitCode}${s.error ? `: ${s.error.message}` : ""}`;
  return `${s.file}: run ${s.runId}, ${s.operatingSystem}, ${result}`;
}

function indent(lines: string[], none: string): string[] {
  return lines.length === 0 ? [`  (${none})`] : lines.map((l) => `  ${l}`);
}

// Steps only in A (-), only in B (+), and for steps in both, their commands where they differ.
export function planChanges(a: readonly PlanStep[], b: readonly PlanStep[]): PlanChange[] {
  const out: PlanChange[] = [];
  const inB = new Map(b.map((s) => [s.id, s]));
  const inA = new Map(a.map((s) => [s.id, s]));
  for (const line of diffLines(
    a.map((s) => s.id),
    b.map((s) => s.id),
  )) {
    if (line.op !== " ") {
      out.push({ op: line.op, step: line.text });
      continue;
    }
    const sa = inA.get(line.text)!;
    const sb = inB.get(line.text)!;
    const commands = diffLines(sa.commands.map(shellJoin), sb.commands.map(shellJoin)).filter((l) => l.op !== " ");
    if (commands.length > 0) out.push({ op: "~", step: line.text, commands });
  }
  return out;
}

export function planDiff(a: readonly PlanStep[], b: readonly PlanStep[]): string[] {
  return planLines(planChanges(a, b));
}

function planLines(changes: readonly PlanChange[]): string[] {
  return changes.flatMap((c) =>
    c.op === "~"
      ? [`~ step ${c.step}:`, ...c.commands.map((l) => `    ${l.op} ${l.text}`)]
      : [`${c.op} step ${c.step}`],
  );
}

// Each step's journal commands (argv and exit code), aligned by step, only where they differ.
export function commandChanges(a: readonly JournalEntry[], b: readonly JournalEntry[]): CommandChange[] {
  const steps = [...new Set([...a.map((e) => e.step), ...b.map((e) => e.step)])];
  const text = (e: JournalEntry) =>
    `${shellJoin(e.argv)}  (${e.exitCode === null ? `killed${e.signal ? ` ${e.signal}` : ""}` : `exit ${e.exitCode}`})`;
  const out: CommandChange[] = [];
  for (const step of steps) {
    const lines = diffLines(
      a.filter((e) => e.step === step).map(text),
      b.filter((e) => e.step === step).map(text),
    ).filter((l) => l.op !== " ");
    if (lines.length > 0) out.push({ step, lines });
  }
  return out;
}

export function commandDiff(a: readonly JournalEntry[], b: readonly JournalEntry[]): string[] {
  return commandLines(commandChanges(a, b));
}

function commandLines(changes: readonly CommandChange[]): string[] {
  return changes.flatMap((c) => [`${c.step}:`, ...c.lines.map((l) => `  ${l.op} ${l.text}`)]);
}

function timingRows(a: RunRecord, b: RunRecord): TimingRow[] {
  const ids = diffLines(
    a.summary.steps.map((s) => s.id),
    b.summary.steps.map((s) => s.id),
  ).map((l) => l.text);
  const of = (r: RunRecord, id: string) => {
    const s = r.summary.steps.find((s) => s.id === id);
    return s === undefined ? null : { durationMs: s.durationMs, phase: s.phase };
  };
  return ids.map((id) => ({ step: id, a: of(a, id), b: of(b, id) }));
}

function timings(rows: readonly TimingRow[]): string[] {
  const cells = rows.map((r) => {
    const cell = (s: TimingRow["a"]) =>
      s === null ? "-" : `${formatDuration(s.durationMs)}${s.phase === "done" ? "" : ` ${s.phase}`}`;
    const delta = r.a && r.b ? signed(r.b.durationMs - r.a.durationMs) : "";
    return [r.step, cell(r.a), cell(r.b), delta];
  });
  const header = ["step", "A", "B", "B-A"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}`.trimEnd();
  return [line(header), ...cells.map(line)];
}

function signed(ms: number): string {
  return `${ms < 0 ? "-" : "+"}${formatDuration(Math.abs(ms))}`;
}

// A line diff by longest common subsequence; the lists here are a few hundred lines at most.
export function diffLines(a: readonly string[], b: readonly string[]): LineOp[] {
  const n = a.length;
  const m = b.length;
  // lcs(i, j): the length of the longest common subsequence of a[i..] and b[j..]
  const table = new Uint32Array((n + 1) * (m + 1));
  const lcs = (i: number, j: number) => table[i * (m + 1) + j] ?? 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] = a[i] === b[j] ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1));
    }
  }
  const out: LineOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: " ", text: a[i]! });
      i++;
      j++;
    } else if (lcs(i + 1, j) >= lcs(i, j + 1)) out.push({ op: "-", text: a[i++]! });
    else out.push({ op: "+", text: b[j++]! });
  }
  while (i < n) out.push({ op: "-", text: a[i++]! });
  while (j < m) out.push({ op: "+", text: b[j++]! });
  return out;
}
