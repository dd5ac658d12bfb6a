// Where built artefacts live between runs, and the keys that say when they are stale.
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";

// The cache root: $BYOL_CACHE, else ~/.cache/byol.
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env["BYOL_CACHE"] || join(homedir(), ".cache", "byol");
}

/** One input of a cache key: a name and its content (file bytes or a version string). */
export interface KeyInput {
  name: string;
  content: string | Buffer;
}

// A sha256 over named inputs; the order of the inputs does not matter, each name and length does.
export function cacheKey(inputs: readonly KeyInput[]): string {
  const hash = createHash("sha256");
  for (const input of [...inputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const content = typeof input.content === "string" ? Buffer.from(input.content) : input.content;
    hash.update(`${input.name}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest("hex");
}
