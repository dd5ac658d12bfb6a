// Fast start-up: `byol status` (polled by provisioning systems) loads none of the packages an
// install needs. esbuild walks what the status command imports, statically and dynamically.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";

const repo = join(import.meta.dirname, "..", "..");

async function packagesOf(entry: string): Promise<string[]> {
  const r = await build({
    entryPoints: [join(repo, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const packages = new Set<string>();
  for (const input of Object.keys(r.metafile.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (m?.[1] !== undefined) packages.add(m[1]);
  }
  return [...packages].sort();
}

test("byol status imports no package (no zod, undici, pino, execa or tar-stream)", async () => {
  assert.deepEqual(await packagesOf("agent/commands/status.ts"), []);
});

test("the check can fail: byol validate needs zod", async () => {
  assert.ok((await packagesOf("agent/commands/validate.ts")).includes("zod"));
});
