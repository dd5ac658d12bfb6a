// Arrays that span a target disk and a disk that is not a target: an md array, an LVM volume
// group or a ZFS pool with members on both. Wiping such an array as a whole destroys the
// other disk's data, so byol refuses unless told to break it (--break-arrays), and then
// releases only the target's members. Pure: the planner and the wipe step share it.

export type SpanKind = "md array" | "LVM volume group" | "ZFS pool";

export interface Span {
  kind: SpanKind;
  name: string; // /dev/md0, vg0, tank
  targetMembers: string[];
  otherMembers: string[]; // on disks that are not targets
}

// Levels that keep running without a member, so the target's member can be failed and removed.
const REDUNDANT = /^raid(1|4|5|6|10)$/;

export function isRedundant(level: string | undefined): boolean {
  return level !== undefined && REDUNDANT.test(level);
}

// Groups `members` (device -> array name) into spans: the arrays with members both inside and outside `onTarget`.
export function spans(kind: SpanKind, members: { device: string; array: string }[], onTarget: (d: string) => boolean) {
  const byArray = new Map<string, Span>();
  for (const { device, array } of members) {
    const span = byArray.get(array) ?? { kind, name: array, targetMembers: [], otherMembers: [] };
    (onTarget(device) ? span.targetMembers : span.otherMembers).push(device);
    byArray.set(array, span);
  }
  return [...byArray.values()].filter((s) => s.targetMembers.length > 0 && s.otherMembers.length > 0);
}

// The one line an install refused for a span prints.
export function spanRefusal(span: Span): string {
  const them = span.otherMembers.length === 1 ? "it" : "them";
  return (
    `${span.kind} ${span.name} has ${span.targetMembers.join(" ")} on a target disk and ` +
    `${span.otherMembers.join(" ")} on a disk that is not a target; refusing to wipe it (that would destroy the data on ` +
    `${them}); pass --break-arrays to release and clear only the target's members`
  );
}

// The spans the plan's wipe (or the wipe nested in a streamed image write) refuses: checked
// before the download, so a refused install does not fetch the image first.
export function refusedSpans(steps: readonly { kind: string; spans?: Span[]; breakArrays?: true; wipe?: unknown }[]) {
  const wipes = steps.flatMap((s) =>
    s.kind === "wipe" ? [s] : s.wipe !== undefined ? [s.wipe as (typeof steps)[number]] : [],
  );
  return wipes.flatMap((w) => (w.breakArrays ? [] : (w.spans ?? [])));
}
