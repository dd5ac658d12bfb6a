// byol status: the state of the current or last run, from the state file the install keeps.

import { readRunState } from "../exec/state.ts";
import { parseFlags } from "./args.ts";

export async function statusCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, { "run-dir": { type: "string" }, json: { type: "boolean" } });
  const state = await readRunState(flags["run-dir"]);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(state ?? { run: null })}\n`);
    return 0;
  }
  if (state === undefined) {
    process.stdout.write("no run recorded\n");
    return 0;
  }
  process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
  return 0;
}
