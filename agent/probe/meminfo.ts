// RAM size, which bounds the image download into /dev/shm.

import { InstallError } from "../errors.ts";

// MemTotal from /proc/meminfo text, in bytes (the kernel's "kB" is KiB).
export function parseMeminfo(text: string): number {
  const match = /^MemTotal:\s+(\d+)\s*kB$/m.exec(text);
  if (!match) throw new InstallError("probe", "probe", "reading /proc/meminfo: no MemTotal line");
  return Number(match[1]) * 1024;
}
