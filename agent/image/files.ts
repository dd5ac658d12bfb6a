// Reading and writing the installed system's configuration files under /tmp/a without following
// the image's symbolic links out of it: every directory on the way must be a real directory, a
// file that is a symbolic link is replaced, never written through.

import { lstat, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InstallError } from "../errors.ts";

// The file's text if it is a regular file (not a link), else undefined.
export async function readInRoot(root: string, path: string, step: string): Promise<string | undefined> {
  const dir = await directoryIn(root, parentOf(path), step, false);
  if (dir === undefined) return undefined;
  const file = join(dir, baseOf(path));
  const st = await lstat(file).catch(() => undefined);
  return st?.isFile() ? readFile(file, "utf8") : undefined;
}

export async function writeInRoot(root: string, path: string, content: string, step: string, mode = 0o644) {
  const dir = await directoryIn(root, parentOf(path), step, true);
  const file = join(dir!, baseOf(path));
  const st = await lstat(file).catch(() => undefined);
  if (st?.isDirectory()) throw new InstallError("configure", step, `${file} in the installed system is a directory`);
  if (st !== undefined) await rm(file);
  await writeFile(file, content, { flag: "wx", mode });
}

async function directoryIn(root: string, dir: string, step: string, create: boolean): Promise<string | undefined> {
  let current = root;
  for (const part of dir.split("/").filter((p) => p !== "")) {
    current = join(current, part);
    const st = await lstat(current).catch(() => undefined);
    if (st === undefined) {
      if (!create) return undefined;
      await mkdir(current, { mode: 0o755 });
    } else if (!st.isDirectory()) {
      const what = st.isSymbolicLink() ? "a symbolic link" : "not a directory";
      throw new InstallError("configure", step, `${current} in the installed system is ${what}; cannot write below it`);
    }
  }
  return current;
}

const parentOf = (path: string) => path.split("/").slice(0, -1).join("/");
const baseOf = (path: string) => path.split("/").at(-1) ?? "";
