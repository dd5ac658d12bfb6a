// The agent bundle the rig ships into the rescue VM: dist/byol.mjs, rebuilt when agent/ is newer than it.
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

// The newest modification time of the files the bundle is built from.
async function newestSource(repo: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(join(repo, "agent"), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  for (const f of ["package-lock.json", "scripts/build.ts"])
    newest = Math.max(newest, (await stat(join(repo, f))).mtimeMs);
  return newest;
}

// Returns dist/byol.mjs, building it first when it is missing or older than its sources. A failed rebuild
// over an existing bundle only warns: someone may be in the middle of an edit.
export async function ensureBundle(repo: string, log: (line: string) => void): Promise<string> {
  const bundle = join(repo, "dist", "byol.mjs");
  const have = existsSync(bundle);
  if (have && (await stat(bundle)).mtimeMs >= (await newestSource(repo))) return bundle;
  log(`rig: ${have ? "agent/ changed, rebuilding" : "building"} ${bundle}`);
  const r = await execa(process.execPath, ["scripts/build.ts"], { cwd: repo, reject: false, all: true });
  if (r.exitCode !== 0) {
    if (!have) throw new Error(`rig: npm run build failed:\n${r.all}`);
    log(`rig: warning: rebuilding failed, using the existing bundle:\n${r.all}`);
  }
  return bundle;
}
