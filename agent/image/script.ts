// Finds /root/.ovh/make_image_bootable.sh in a mounted image the way the chroot that runs it will:
// symbolic links resolve inside the image's root (an absolute link, or `..` at the root, stays in
// it), never into the system byol runs on.

import { lstat, readlink } from "node:fs/promises";
import { join } from "node:path";
import type { ScriptLookup } from "./refusals.ts";

const MAX_LINKS = 40; // as the kernel's ELOOP limit

export async function lookupScript(root: string, path: string): Promise<ScriptLookup> {
  const done: string[] = []; // resolved components below root
  const todo = path.split("/").filter((p) => p !== "");
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    const here = join(root, ...done, part);
    const st = await lstat(here).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT" || e.code === "ENOTDIR") return undefined;
      throw e;
    });
    if (st === undefined) return { kind: "missing", path };
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return { kind: "loop", path };
      const target = await readlink(here);
      if (target.startsWith("/")) done.length = 0;
      todo.unshift(...target.split("/").filter((p) => p !== ""));
      continue;
    }
    if (todo.length > 0 && !st.isDirectory()) return { kind: "missing", path };
    done.push(part);
    if (todo.length === 0) {
      const inside = `/${done.join("/")}`;
      if (!st.isFile())
        return { kind: "not-a-file", path: inside, what: st.isDirectory() ? "directory" : "special file" };
      const mode = st.mode & 0o7777;
      return (mode & 0o111) !== 0 ? { kind: "executable", path: inside, mode } : { kind: "not-executable", path, mode };
    }
  }
  return { kind: "not-a-file", path, what: "directory" };
}
