// A scenario's image: the name of a fixture (built and cached by scripts/images) or the path of any qcow2 or raw
// image file, so that a lab engineer can play a customer's own image in the rig. A file's checksums are kept in
// the cache beside the fixtures', keyed on its path, size and modification time.
import { createHash } from "node:crypto";
import { mkdir, open, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { ensureImage, hashFile } from "../images/build.ts";
import type { ImageFormat } from "../images/images.ts";
import { cacheRoot } from "../vm/cache.ts";

export interface RigImage {
  path: string;
  format: ImageFormat;
  sha256: string;
  sha512: string;
  sizeBytes: number;
  // the last part of the URL the rig serves it under, e.g. byolinux-debian12.qcow2
  fileName: string;
}

// A path names a file: it has a slash or an image file's extension; anything else is a fixture name.
export function isImagePath(image: string): boolean {
  return image.includes("/") || /\.(qcow2|raw|img)$/i.test(image);
}

// qcow2 by its magic ("QFI\xfb"), raw otherwise: byol itself decides from the content, as it does on a server.
export function formatOfHead(head: Buffer): ImageFormat {
  return head.subarray(0, 4).equals(Buffer.from([0x51, 0x46, 0x49, 0xfb])) ? "qcow2" : "raw";
}

export async function scenarioImage(image: string, log: (line: string) => void): Promise<RigImage> {
  if (!isImagePath(image)) {
    const built = await ensureImage(image, { log });
    return { ...built, fileName: `${image}.${built.format}` };
  }
  const path = resolve(image);
  const st = await stat(path).catch(() => undefined);
  if (st === undefined || !st.isFile()) throw new Error(`rig: scenario image ${path}: no such file`);
  const head = Buffer.alloc(4);
  await using fh = await open(path);
  await fh.read(head, 0, 4, 0);
  const format = formatOfHead(head);
  const dir = join(cacheRoot(), "user-images");
  const sidecar = join(dir, `${createHash("sha256").update(path).digest("hex").slice(0, 32)}.json`);
  const cached = await readFile(sidecar, "utf8").then(
    (t) => JSON.parse(t) as { size: number; mtimeMs: number; sha256: string; sha512: string },
    () => undefined,
  );
  let sums = cached?.size === st.size && cached.mtimeMs === st.mtimeMs ? cached : undefined;
  if (sums === undefined) {
    log(`rig: hashing ${path} (${(st.size / 1048576).toFixed(0)} MiB)`);
    const h = await hashFile(path);
    sums = { size: st.size, mtimeMs: st.mtimeMs, sha256: h.sha256, sha512: h.sha512 };
    await mkdir(dir, { recursive: true });
    await writeFile(sidecar, `${JSON.stringify({ path, ...sums })}\n`);
  }
  const name = basename(path).replace(/[^A-Za-z0-9._-]/g, "_");
  return { path, format, sha256: sums.sha256, sha512: sums.sha512, sizeBytes: st.size, fileName: name };
}
