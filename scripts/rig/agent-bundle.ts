// The agent bundle the rig ships into the rescue VM (and the VM tests run): dist/byol.mjs, built once per rig process from the
// checkout as it is, so a rig run always tests the current agent (esbuild takes about a second).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";

let built: Promise<string> | undefined;

// Returns dist/byol.mjs after building it (once per process). A failed build is an error: a stale
// bundle would make the rig test code that is not in the checkout.
export function ensureBundle(repo: string, log: (line: string) => void): Promise<string> {
  built ??= (async () => {
    const bundle = join(repo, "dist", "byol.mjs");
    log(`building the agent bundle ${bundle}`);
    const r = await execa(process.execPath, ["scripts/build.ts"], { cwd: repo, reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`npm run build failed (exit ${r.exitCode}):\n${r.all}`);
    return bundle;
  })();
  return built;
}

// dist/byol, the single executable an operator copies to a server (byol remote does), from the same build.
export async function ensureExecutable(repo: string, log: (line: string) => void): Promise<string> {
  await ensureBundle(repo, log);
  const exe = join(repo, "dist", "byol");
  if (!existsSync(exe)) throw new Error(`${exe} was not built by scripts/build.ts`);
  return exe;
}
