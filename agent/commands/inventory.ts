// byol inventory: what the probe sees, for a person or (--json) for `byol plan --inventory`.

import { formatInventory } from "../probe/format.ts";
import { probe } from "../probe/index.ts";
import { parseFlags } from "./args.ts";
import { readOnlyRunner } from "./common.ts";

export const FLAGS = { json: { type: "boolean" } } as const;

export async function inventoryCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  const inventory = await probe(readOnlyRunner());
  process.stdout.write(flags.json ? `${JSON.stringify(inventory, null, 2)}\n` : formatInventory(inventory));
  return 0;
}
