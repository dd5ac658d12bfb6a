// A tolerant view of `storage`: the layout checks see every well-typed value
// even when zod rejected a neighbour, so one request reports all its problems.

import { int, list, rec, str } from "./raw.ts";

export interface EntryView {
  path: string; // "storage[0].partitioning.layout[2]"
  mountPoint?: string;
  fileSystem?: string;
  size?: number;
  raidLevel?: number;
  lvName?: string;
  zpName?: string;
}

export interface GroupView {
  path: string; // "storage[0]"
  diskGroupId?: number;
  disks?: number;
  partitioning: boolean; // a partitioning object was given
  layout?: EntryView[]; // undefined: no layout list was given (the default layout applies)
}

// One entry of a layout, reading only the values that have the expected type.
function viewEntry(raw: unknown, path: string): EntryView {
  const entry: EntryView = { path };
  const mountPoint = str(raw, "mountPoint");
  const fileSystem = str(raw, "fileSystem");
  const size = int(raw, "size");
  const raidLevel = int(raw, "raidLevel");
  const lvName = str(rec(rec(raw, "extras"), "lv"), "name");
  const zpName = str(rec(rec(raw, "extras"), "zp"), "name");
  if (mountPoint !== undefined) entry.mountPoint = mountPoint;
  if (fileSystem !== undefined) entry.fileSystem = fileSystem;
  if (size !== undefined) entry.size = size;
  if (raidLevel !== undefined) entry.raidLevel = raidLevel;
  if (lvName !== undefined) entry.lvName = lvName;
  if (zpName !== undefined) entry.zpName = zpName;
  return entry;
}

// The groups of a raw `storage` list; [] when storage is absent or not a list.
export function viewStorage(raw: unknown): GroupView[] {
  return list({ storage: raw }, "storage").map((group, g) => {
    const path = `storage[${g}]`;
    const partitioning = rec(group, "partitioning");
    const view: GroupView = { path, partitioning: partitioning !== undefined };
    const diskGroupId = int(group, "diskGroupId");
    const disks = int(partitioning, "disks");
    if (diskGroupId !== undefined) view.diskGroupId = diskGroupId;
    if (disks !== undefined) view.disks = disks;
    if (Array.isArray(partitioning?.["layout"])) {
      view.layout = list(partitioning, "layout").map((e, i) => viewEntry(e, `${path}.partitioning.layout[${i}]`));
    }
    return view;
  });
}
