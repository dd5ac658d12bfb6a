// OVH's install progress list names a handful of coarse steps; byol's plan has many finer
// ones. This is the one mapping between them, from the plan step's kind.

import type { StepKind } from "../plan/types.ts";

export type OvhStep =
  | "download"
  | "partitioning"
  | "configdrive"
  | "deploy"
  | "make_image_bootable"
  | "boot order"
  | "reboot";

const OVH_STEP: Record<StepKind, OvhStep> = {
  download: "download",
  inspect: "download",
  "byoi-inspect": "download",
  wipe: "partitioning",
  partition: "partitioning",
  raid: "partitioning",
  lvm: "partitioning",
  zpool: "partitioning",
  mkfs: "partitioning",
  mount: "partitioning",
  "config-drive": "configdrive",
  "byoi-config-drive": "configdrive",
  attach: "deploy",
  copy: "deploy",
  configure: "deploy",
  "zfs-target": "deploy",
  "write-image": "deploy",
  "move-backup-gpt": "deploy",
  "bootable-script": "make_image_bootable",
  "boot-entries": "boot order",
  "byoi-boot-entries": "boot order",
  finish: "reboot",
};

// Plan step ids are the kind, or "kind:object" ("partition:/dev/sda", "mount:/boot"); BYOI's own
// kinds keep the id of the BYOLinux step they stand for ("inspect", "config-drive", "boot-entries"),
// which maps to the same OVH step.
export function stepKind(stepId: string): StepKind | undefined {
  const kind = stepId.split(":")[0] ?? "";
  return Object.hasOwn(OVH_STEP, kind) ? (kind as StepKind) : undefined;
}

// undefined for the run's own pseudo-steps (validate, reset-tables, stop-after).
export function ovhStepOf(stepId: string): OvhStep | undefined {
  const kind = stepKind(stepId);
  return kind === undefined ? undefined : OVH_STEP[kind];
}
