// `byol report diff A B`: what differs between two runs. The plans (steps added, removed, or
// with other commands), the commands the runs actually ran, step by step, and the per-step
// timings side by side.

import type { JournalEntry } from "../exec/types.ts";
import { shellJoin } from "../plan/quote.ts";
import type { PlanStep } from "../plan/types.ts";
import { formatDuration } from "../view/progress-line.ts";
import type { RunRecord } from "./read.ts";

export type LineOp = { op: " " | "-" | "+"; text: string };

export function formatDiff(a: RunRecord, b: RunRecord): string {
  const out = [`--- ${describe(a)}`, `+++ ${describe(b)}`];
  out.push("", "plan:", ...indent(planDiff(a.plan?.steps ?? [], b.plan?.steps ?? []), "same steps, same commands"));
  out.push(
    "",
    "commands run:",
    ...indent(commandDiff(a.journal, b.journal), "the same commands, with the same exit codes"),
  );
  out.push("", "timings:", ...timings(a, b));
  return `${out.join("\n")}\n`;
}

function describe(r: RunRecord): string {
  const s = r.summary;
  const result = s.ok ? "ok" : `failed exit ${s.exitCode}${s.error ? `: ${s.error.message}` : ""}`;
  return `${r.file}: run ${s.runId}, ${s.operatingSystem}, ${result}`;
}

function indent(lines: string[], none: string): string[] {
  return lines.length === 0 ? [`  (${none})`] : lines.map((l) => `  ${l}`);
}

// Steps only in A (-), only in B (+), and for steps in both, their commands where they differ.
export function planDiff(a: readonly PlanStep[], b: readonly PlanStep[]): string[] {
  const out: string[] = [];
  const inB = new Map(b.map((s) => [s.id, s]));
  const inA = new Map(a.map((s) => [s.id, s]));
  for (const line of diffLines(
    a.map((s) => s.id),
    b.map((s) => s.id),
  )) {
    if (line.op !== " ") {
      out.push(`${line.op} step ${line.text}`);
      continue;
    }
    const sa = inA.get(line.text)!;
    const sb = inB.get(line.text)!;
    const commands = diffLines(sa.commands.map(shellJoin), sb.commands.map(shellJoin)).filter((l) => l.op !== " ");
    if (commands.length > 0) out.push(`~ step ${line.text}:`, ...commands.map((l) => `    ${l.op} ${l.text}`));
  }
  return out;
}

// Each step's journal commands (argv and exit code), aligned by step, only where they differ.
export function commandDiff(a: readonly JournalEntry[], b: readonly JournalEntry[]): string[] {
  const steps = [...new Set([...a.map((e) => e.step), ...b.map((e) => e.step)])];
  const text = (e: JournalEntry) =>
    `${shellJoin(e.argv)}  (${e.exitCode === null ? `killed${e.signal ? ` ${e.signal}` : ""}` : `exit ${e.exitCode}`})`;
  const out: string[] = [];
  for (const step of steps) {
    const lines = diffLines(
      a.filter((e) => e.step === step).map(text),
      b.filter((e) => e.step === step).map(text),
    ).filter((l) => l.op !== " ");
    if (lines.length > 0) out.push(`${step}:`, ...lines.map((l) => `  ${l.op} ${l.text}`));
  }
  return out;
}

function timings(a: RunRecord, b: RunRecord): string[] {
  const ids = diffLines(
    a.summary.steps.map((s) => s.id),
    b.summary.steps.map((s) => s.id),
  ).map((l) => l.text);
  const rows = ids.map((id) => {
    const sa = a.summary.steps.find((s) => s.id === id);
    const sb = b.summary.steps.find((s) => s.id === id);
    const cell = (s: typeof sa) =>
      s === undefined ? "-" : `${formatDuration(s.durationMs)}${s.phase === "done" ? "" : ` ${s.phase}`}`;
    const delta = sa && sb ? signed(sb.durationMs - sa.durationMs) : "";
    return [id, cell(sa), cell(sb), delta];
  });
  const header = ["step", "A", "B", "B-A"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}`.trimEnd();
  return [line(header), ...rows.map(line)];
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
