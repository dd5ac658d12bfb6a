// dist/byol: a single executable application (Node's SEA). The agent, bundled as CommonJS, goes
// into a blob with its V8 code cache (node --experimental-sea-config), and the blob is injected
// into a copy of the pinned Node 24 binary with postject. Node 24.21 has no --build-sea (that came
// in Node 25), and postject is the injector Node's documentation names for Linux ELF files.
// The copy is stripped first (debug info and the static symbol table): 126 MB to about 108 MB;
// what runs, and the dynamic symbols native code links against, stay.

import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { bundle } from "./bundle.ts";

// The fuse Node's binary carries; postject flips it so that Node looks for the injected blob.
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

export interface ExecutableOptions {
  entry: string; // agent/main.ts
  outfile: string; // dist/byol
  node?: string; // the Node 24 binary to copy; default the one running this script
}

export async function buildExecutable(o: ExecutableOptions): Promise<string> {
  const node = o.node ?? process.execPath;
  const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  if (!version.startsWith("v24.")) throw new Error(`building ${o.outfile}: ${node} is Node ${version}, not 24`);
  const work = join(dirname(o.outfile), "sea");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const main = await bundle({ entry: o.entry, outfile: join(work, "byol.cjs"), format: "cjs" });
  const blob = join(work, "byol.blob");
  const config = join(work, "sea-config.json");
  writeFileSync(
    config,
    JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
  );
  quiet(node, ["--experimental-sea-config", config]);

  const tmp = `${o.outfile}.tmp`;
  copyFileSync(node, tmp);
  chmodSync(tmp, 0o755);
  strip(tmp);
  const postject = createRequire(import.meta.url).resolve("postject/dist/cli.js");
  // (postject's ELF reader warns about every note section of Node's binary)
  quiet(process.execPath, [postject, tmp, "NODE_SEA_BLOB", blob, "--sentinel-fuse", SEA_FUSE]);
  renameSync(tmp, o.outfile);
  rmSync(work, { recursive: true, force: true });
  return o.outfile;
}

// binutils' strip, when there is one.
function strip(file: string): void {
  try {
    execFileSync("strip", ["--strip-all", file], { stdio: "ignore" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`strip ${file} failed`, { cause: error });
  }
}

// A build step whose output matters only when it fails.
function quiet(file: string, args: string[]): void {
  const r = spawnSync(file, args, { encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(`${file} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
}
