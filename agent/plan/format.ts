// The human form of a plan, printed by `byol plan` without --json.

import { shellJoin } from "./quote.ts";
import type { Plan } from "./types.ts";

// One header line, then each step's title followed by its commands, indented and shell-quoted.
export function formatPlan(plan: Plan): string {
  const disks = plan.disks.map((d) => d.path).join(" ");
  const lines = [`plan v${plan.version}: ${plan.operatingSystem}, ${plan.firmware}, ${plan.table}, disks ${disks}`];
  plan.steps.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.title}`);
    for (const argv of step.commands) lines.push(`    ${shellJoin(argv)}`);
  });
  return `${lines.join("\n")}\n`;
}
