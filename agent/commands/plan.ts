// byol plan: the exact commands an install would run. Never touches anything.

import { buildPlan, formatPlan } from "../plan/index.ts";
import { probe } from "../probe/index.ts";
import { readInventoryFile } from "../probe/inventory-file.ts";
import type { Inventory } from "../probe/types.ts";
import { IMAGE_STAGING_FLAG, imageStaging, parseFlags, required } from "./args.ts";
import { loadRequest, readOnlyRunner } from "./common.ts";

export const FLAGS = {
  request: { type: "string" },
  inventory: { type: "string" },
  json: { type: "boolean" },
  "image-staging": IMAGE_STAGING_FLAG,
  "break-arrays": { type: "boolean" },
} as const;

export async function planCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  const staging = imageStaging(flags["image-staging"]);
  const request = await loadRequest(required(flags.request, "--request"));
  const inventory: Inventory =
    flags.inventory !== undefined ? await readInventoryFile(flags.inventory) : await probe(readOnlyRunner());
  const plan = buildPlan(request, inventory, { imageStaging: staging, breakArrays: flags["break-arrays"] === true });
  process.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
  return 0;
}
