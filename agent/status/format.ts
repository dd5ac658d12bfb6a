// The status for a person: one header line, the OVH steps with ✓ … ✗ marks, the result.

import { escapeLines } from "../view/escape.ts";
import { progressLine } from "../view/progress-line.ts";
import type { StatusReport } from "./read.ts";
import type { StepStatus } from "./reduce.ts";

const MARK: Record<StepStatus, string> = { done: "✓", doing: "…", error: "✗", todo: " " };

export function formatStatus(s: StatusReport): string {
  if (s.runId === null) return "no run recorded\n";
  const since = s.startedAt === undefined ? "" : `, started ${s.startedAt}`;
  const pid = s.pid === undefined ? "" : ` (pid ${s.pid}${since})`;
  const lines = [`run ${s.runId}: ${s.state}${pid}`];
  for (const step of s.steps) {
    let line = `  ${MARK[step.status]} ${step.name}`;
    if (step.name === s.ovhStep && s.step !== null) {
      line += `: ${s.step}`;
      if (s.progress !== undefined && step.status === "doing") {
        line += ` ${progressLine({ label: "", bytes: s.progress.bytes, total: s.progress.total, elapsedMs: 0 }).trim()}`;
      }
    }
    lines.push(line);
  }
  if (s.steps.length === 0 && s.step !== null) lines.push(`  step: ${s.step}`);
  if (s.result !== undefined) {
    const r = s.result;
    const how = s.state === "interrupted" ? "interrupted" : "failed";
    lines.push(r.ok ? "result: done" : `result: ${how} (exit ${r.exitCode})${r.error ? `: ${r.error.message}` : ""}`);
  }
  return `${escapeLines(lines.join("\n"))}\n`;
}
