// Which byol this is: the version from package.json and the git commit it was built from.
// `npm run build` writes both into the bundle (esbuild `define`, scripts/bundle.ts); run from a
// checkout they are read from package.json and `git rev-parse`, once, when first asked.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

declare const __BYOL_VERSION__: string | undefined;
declare const __BYOL_COMMIT__: string | undefined;

export interface ByolVersion {
  version: string; // package.json's, e.g. 0.1.0
  commit: string; // 12 hex digits, "-dirty" when built from a changed tree; "unknown" outside git
}

let cached: ByolVersion | undefined;

export function byolVersion(): ByolVersion {
  if (cached !== undefined) return cached;
  if (typeof __BYOL_VERSION__ === "string" && typeof __BYOL_COMMIT__ === "string") {
    cached = { version: __BYOL_VERSION__, commit: __BYOL_COMMIT__ };
  } else {
    cached = checkoutVersion(join(import.meta.dirname, ".."));
  }
  return cached;
}

// `byol --version`: byol 0.1.0 (commit 0123456789ab, node v24.21.0)
export function versionLine(v = byolVersion()): string {
  return `byol ${v.version} (commit ${v.commit}, node ${process.version})`;
}

// What a checkout says: package.json and git. The build calls this to fill the defines.
export function checkoutVersion(root: string): ByolVersion {
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  return { version, commit: gitCommit(root) };
}

function gitCommit(root: string): string {
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    const commit = git("rev-parse", "--short=12", "HEAD");
    return git("status", "--porcelain", "--untracked-files=no") === "" ? commit : `${commit}-dirty`;
  } catch {
    return "unknown";
  }
}
