// Current mounts from /proc/self/mounts, so the wipe step can unmount what sits on a target disk.

import type { Mount } from "./types.ts";

// The kernel (/proc/self/mounts) and fstab(5) escape space, tab, newline and backslash in a
// field as \040 \011 \012 \134.
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

// The other way: a path as an fstab field.
export function escapeMountField(path: string): string {
  return path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

// Parses /proc/self/mounts (fstab format: source target fstype options dump pass).
export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const [source, target, fsType] = line.trim().split(/\s+/);
    if (!source || !target || !fsType) continue;
    mounts.push({ source: unescapeMountField(source), target: unescapeMountField(target), fsType });
  }
  return mounts;
}
