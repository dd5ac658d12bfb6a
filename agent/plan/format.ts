// The human form of a plan, printed by `byol plan` without --json.

import { escapeLines } from "../view/escape.ts";
import { shellJoin } from "./quote.ts";
import { type Plan, RUN_TIME } from "./types.ts";

// One header line, then each step's title followed by its commands, indented and shell-quoted.
export function formatPlan(plan: Plan): string {
  const disks = plan.disks.map((d) => d.path).join(" ");
  const lines = [`plan v${plan.version}: ${plan.operatingSystem}, ${plan.firmware}, ${plan.table}, disks ${disks}`];
  plan.steps.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.title}`);
    for (const argv of step.commands) lines.push(`    ${shellJoin(argv)}`);
  });
  if (plan.steps.some((s) => s.commands.some((argv) => argv.some((w) => RUN_TIME.test(w))))) {
    lines.push("(<…> words are known only at run time)");
  }
  // titles carry request-supplied names (mount points): shown escaped
  return `${escapeLines(lines.join("\n"))}\n`;
}
