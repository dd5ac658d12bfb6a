// byol's version: package.json's, and the commit the build (or the checkout) is at.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { byolVersion, checkoutVersion, versionLine } from "../agent/version.ts";

const repo = join(import.meta.dirname, "..");

test("from a checkout: package.json's version and git's HEAD, -dirty when the tree has changes", () => {
  const v = checkoutVersion(repo);
  assert.equal(
    v.version,
    (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version,
  );
  const head = execFileSync("git", ["-C", repo, "rev-parse", "--short=12", "HEAD"], { encoding: "utf8" }).trim();
  assert.match(v.commit, new RegExp(`^${head}(-dirty)?$`));
  assert.deepEqual(byolVersion(), v, "run from the sources, byol is the checkout's");
});

test("outside git the commit is 'unknown', never an error", () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-version-"));
  writeFileSync(join(dir, "package.json"), '{"version":"9.8.7"}');
  assert.deepEqual(checkoutVersion(dir), { version: "9.8.7", commit: "unknown" });
});

test("the --version line", () => {
  assert.equal(
    versionLine({ version: "1.2.3", commit: "0123456789ab" }),
    `byol 1.2.3 (commit 0123456789ab, node ${process.version})`,
  );
});
