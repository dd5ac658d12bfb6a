// The machine a run record was made on, as a QEMU rig needs it to build a look-alike: firmware,
// the disks in order with their sizes and sector sizes, and memory. `npm run rig -- --replay`
// builds its VM from this, so a failure recorded on hardware can be reproduced under QEMU.

import type { Firmware } from "../probe/types.ts";
import type { RunRecord } from "./read.ts";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface MachineShape {
  firmware: Firmware;
  // every disk the probe saw (not only the targets: disk groups depend on the others), in
  // name order; sizeGiB is rounded up, so each virtual disk holds at least the recorded one
  disks: { sizeGiB: number; sizeBytes: number; logicalBlockSize: number }[];
  memoryMiB: number;
}

export function machineShapeFromRecord(record: Pick<RunRecord, "inventory" | "plan" | "file">): MachineShape {
  const { inventory, plan } = record;
  const firmware = inventory?.firmware ?? plan?.firmware;
  const disks = inventory?.disks ?? plan?.disks;
  if (firmware === undefined || disks === undefined) {
    throw new Error(`${record.file}: the run record has neither inventory.json nor plan.json`);
  }
  return {
    firmware,
    disks: disks.map((d) => ({
      sizeGiB: Math.ceil(d.sizeBytes / GiB),
      sizeBytes: d.sizeBytes,
      logicalBlockSize: d.logicalSectorSize,
    })),
    memoryMiB: inventory === undefined ? 4096 : Math.floor(inventory.memoryBytes / MiB),
  };
}
