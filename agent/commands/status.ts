// byol status: the state of the current or last run, from the state file and the status file
// the install keeps (OVH's GET …/install/status, for a provisioning system polling over SSH).

import { defaultRunDir } from "../exec/state.ts";
import { formatStatus } from "../status/format.ts";
import { readStatus } from "../status/read.ts";
import { parseFlags } from "./args.ts";

export const FLAGS = { "run-dir": { type: "string" }, json: { type: "boolean" } } as const;

export async function statusCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  const status = readStatus(flags["run-dir"] ?? defaultRunDir());
  process.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
  return 0;
}
