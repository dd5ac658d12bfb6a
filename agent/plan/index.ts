// The planner: a pure, synchronous function from (request, inventory) to a versioned Plan.
// No file system, clock, randomness, logger or process access here or in anything it imports.

import { PlanError } from "../errors.ts";
import type { Inventory } from "../probe/types.ts";
import type { InstallRequest } from "../request/types.ts";
import { byoiPlan, type ImageStaging } from "./byoi.ts";
import { byolinuxPlan } from "./byolinux.ts";
import type { Plan } from "./types.ts";

export type { ImageStaging } from "./byoi.ts";
export { formatPlan } from "./format.ts";
export { shellJoin, shellQuote } from "./quote.ts";

export interface PlanOptions {
  imageStaging?: ImageStaging; // byoi_64 raw images: "stream" (default) or "ram" (--image-staging ram)
  breakArrays?: boolean; // --break-arrays: an array spanning a target and another disk loses only the target's members
}

// Every command of the install, computed before anything runs; throws PlanError when it cannot be done here.
export function buildPlan(request: InstallRequest, inventory: Inventory, options: PlanOptions = {}): Plan {
  const [storage, ...others] = request.storage;
  if (storage === undefined) throw new PlanError(["The request has no storage entry"]);
  if (others.length > 0) {
    throw new PlanError([`Only one storage entry (disk group) is supported, ${request.storage.length} given`]);
  }
  switch (request.operatingSystem) {
    case "byolinux_64":
      return byolinuxPlan(request, inventory, storage, options.breakArrays === true);
    case "byoi_64":
      return byoiPlan(request, inventory, storage, options.imageStaging, options.breakArrays === true);
    default: {
      const never: never = request.operatingSystem;
      throw new PlanError([`Unsupported operating system ${String(never)}`]);
    }
  }
}
