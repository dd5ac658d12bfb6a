// npm run test:exe [-- --no-build]: the executable tier. Builds dist/byol (npm run build) and the
// cached minimal Debian 12 tree (scripts/executable/chroot.ts, under the VM lock the first time),
// then runs test/executable/*.exetest.ts, which run dist/byol in a chroot of that tree, with no Node.
// It is its own tier, after build in scripts/test.sh, rather than a unit test: it needs the build
// (10-30 s) and, once, mmdebstrap (a minute or two, from Debian's mirrors).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { glob } from "node:fs/promises";
import { join } from "node:path";
import { ensureMinbaseTar } from "./chroot.ts";

const repo = new URL("../..", import.meta.url).pathname;
const say = (line: string) => console.error(`test:exe: ${line}`);
const exe = join(repo, "dist", "byol");

function main(files: string[]): number {
  if (!process.argv.includes("--no-build")) {
    const built = spawnSync(process.execPath, ["scripts/build.ts"], { cwd: repo, stdio: "inherit" });
    if (built.status !== 0) return 1;
  } else if (!existsSync(exe)) {
    say(`--no-build, but ${exe} is missing: run npm run build`);
    return 1;
  }
  const tar = ensureMinbaseTar(say);
  const env = { ...process.env, BYOL_EXE: exe, BYOL_CHROOT_TAR: tar };
  const r = spawnSync(
    process.execPath,
    ["--import", "./test/support/tmp-root.ts", "--test", "--test-reporter=spec", ...files],
    {
      cwd: repo,
      env,
      stdio: "inherit",
    },
  );
  return r.status ?? 1;
}

const files: string[] = [];
for await (const f of glob("test/executable/**/*.exetest.ts", { cwd: repo })) files.push(f);
files.sort();
process.exitCode = main(files);
