// byol status: the state of the current or last run, from the state file and the status file
// the install keeps (OVH's GET …/install/status, for a provisioning system polling over SSH).
// With --follow (or --wait): re-attach to the run, print its events until the result, and exit
// with the install's exit code.

import { UsageError } from "../errors.ts";
import { defaultRunDir } from "../exec/state.ts";
import { follow } from "../status/follow.ts";
import { formatStatus } from "../status/format.ts";
import { readStatus } from "../status/read.ts";
import { parseFlags } from "./args.ts";

export const FLAGS = {
  "run-dir": { type: "string" },
  json: { type: "boolean" },
  follow: { type: "boolean" },
  wait: { type: "boolean" },
  run: { type: "string" },
} as const;

export async function statusCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  const stateDir = flags["run-dir"] ?? defaultRunDir();
  if (flags.follow || flags.wait) {
    return await follow({
      stateDir,
      json: flags.json === true,
      out: process.stdout,
      tty: process.stdout.isTTY === true,
      ...(flags.run !== undefined && { runId: flags.run }),
    });
  }
  if (flags.run !== undefined) throw new UsageError("--run goes with --follow");
  const status = readStatus(stateDir);
  process.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
  return 0;
}
