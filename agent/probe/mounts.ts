// Current mounts from /proc/self/mounts, so the wipe step can unmount what sits on a target disk.

import type { Mount } from "./types.ts";

// The kernel escapes space, tab, newline and backslash in mount fields as \040 \011 \012 \134.
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

// Parses /proc/self/mounts (fstab format: source target fstype options dump pass).
export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const [source, target, fsType] = line.trim().split(/\s+/);
    if (!source || !target || !fsType) continue;
    mounts.push({ source: unescapeField(source), target: unescapeField(target), fsType });
  }
  return mounts;
}
