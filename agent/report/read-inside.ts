// Reads a file of the installed system for the run record as the installed system itself
// would see it: every symlink is resolved with the target root as `/` (as in a chroot), so
// `etc/mdadm/mdadm.conf -> /etc/hostname` reads the target's hostname, never the rescue
// system's. Only regular files are read (a FIFO would block, a device never ends), and only
// their first `maxBytes`.

import { constants } from "node:fs";
import { lstat, open, readlink } from "node:fs/promises";
import { join } from "node:path";

const MAX_LINKS = 40; // the kernel's own limit on symlinks followed in one lookup
export const MAX_RECORDED_BYTES = 1024 * 1024;

// The path under `root` that `relative` names when `root` is `/`; undefined when a component
// is missing or the links loop.
export async function resolveInside(root: string, relative: string): Promise<string | undefined> {
  const pending = relative.split("/").filter((p) => p !== "" && p !== ".");
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === "..") {
      resolved.pop(); // `..` of the root is the root
      continue;
    }
    const path = join(root, ...resolved, part);
    const stat = await lstat(path).catch(() => undefined);
    if (stat === undefined) return undefined;
    if (!stat.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_LINKS) return undefined;
    const target = await readlink(path);
    if (target.startsWith("/")) resolved.length = 0;
    pending.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
  }
  return join(root, ...resolved);
}

// The file's text (its first maxBytes), or undefined when it is missing, not a regular file, or unreadable.
export async function readInside(
  root: string,
  relative: string,
  maxBytes = MAX_RECORDED_BYTES,
): Promise<string | undefined> {
  const path = await resolveInside(root, relative);
  if (path === undefined) return undefined;
  // O_NOFOLLOW: the last component was resolved above, a link put there since is not followed
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => undefined,
  );
  if (handle === undefined) return undefined;
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
