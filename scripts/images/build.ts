// Builds byol's fixture OS images from Debian's packages, once per input change, into
// ${BYOL_CACHE:-~/.cache/byol}/images/<name>-<key>.<ext> (+ .json with the sums). Never committed.
// CLI: node scripts/images/build.ts [--force] [--check] [--boot] NAME...   (prints each image's path)
//   --check  checks each image's table and files on the host (check.ts)
//   --boot   boots whole-disk (byoi) images in QEMU with SeaBIOS and with OVMF, up to the login prompt
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { cacheKey, type KeyInput } from "../vm/cache.ts";
import { bootDisks, checkImage } from "./check.ts";
import {
  type BuiltImage,
  builderScript,
  type ImageSpec,
  type ImageSums,
  imageFileName,
  imageFilePattern,
  imageKey,
  imageNames,
  imageSpec,
  imagesDir,
  parseSums,
  ROOTFS_FILES,
  ROOTFS_ZFS_FILES,
  type RootfsVariant,
  recipeScript,
  rootfsOf,
} from "./images.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const ROOTFS_NAME = "rootfs-debian12";

/** A built fixture image, as ensureImage returns it. */
export interface EnsureImageOptions {
  /** Rebuild this image (not what it is built from) even if it is cached. */
  force?: boolean;
  log?: (line: string) => void;
}

// Every file under dir, as paths relative to scripts/images/, sorted.
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(here, join(e.parentPath, e.name)))
    .sort();
}

async function keyInputs(names: readonly string[], base: string): Promise<KeyInput[]> {
  return Promise.all(names.map(async (name) => ({ name, content: await readFile(join(base, name)) })));
}

// The rootfs tar's key: the package list, its build script and every overlay file (and the ZFS tree's files).
export async function rootfsKey(variant: RootfsVariant = "base"): Promise<string> {
  const zfs = variant === "zfs" ? ROOTFS_ZFS_FILES : [];
  const names = [...ROOTFS_FILES, ...zfs, ...(await filesUnder(join(here, "overlay")))];
  return cacheKey(await keyInputs(names, here));
}

// The key of a named image, without building anything.
export async function keyOf(spec: ImageSpec): Promise<string> {
  const base = spec.kind === "convert" ? await keyOf(imageSpec(spec.from)) : await rootfsKey(rootfsOf(spec));
  const files: KeyInput[] = [];
  const builder = builderScript(spec);
  if (builder !== undefined) files.push(...(await keyInputs([builder], here)));
  const recipe = recipeScript(spec);
  if (recipe !== undefined) files.push(...(await keyInputs([recipe], here)));
  if (spec.kind === "byolinux") files.push(...(await keyInputs([spec.script], repo)));
  return imageKey(spec, base, files);
}

// Runs a build script as root, its output going to log line by line.
async function runScript(script: string, args: readonly string[], log: (line: string) => void): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error(`images: building needs root (${script} uses mmdebstrap, chroot, mount)`);
  const child = execa("bash", [join(here, script), ...args], { all: true, buffer: false });
  child.all?.on("data", (b: Buffer) => {
    for (const line of b.toString().split("\n")) if (line.trim()) log(`  ${line}`);
  });
  await child;
}

// A scratch directory next to the cache entries (same file system, so renames are atomic); always removed.
async function withWorkDir<T>(label: string, fn: (work: string) => Promise<T>): Promise<T> {
  const work = join(imagesDir(), `.work-${label}-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    return await fn(work);
  } finally {
    await unmountUnder(work);
    await rm(work, { recursive: true, force: true });
  }
}

// Unmounts anything a killed build script left mounted under dir (a chroot's /dev among them), and refuses
// to go on while something is still mounted there, so rm never walks into the host's /dev.
async function unmountUnder(dir: string): Promise<void> {
  const mountsUnder = async () =>
    (await readFile("/proc/self/mounts", "utf8"))
      .split("\n")
      .map((l) => (l.split(" ")[1] ?? "").replaceAll("\\040", " "))
      .filter((t) => t === dir || t.startsWith(`${dir}/`));
  for (const t of (await mountsUnder()).reverse()) await execa("umount", ["-l", t], { reject: false });
  const left = await mountsUnder();
  if (left.length > 0) throw new Error(`images: still mounted, not removing ${dir}: ${left.join(" ")}`);
}

// The shared Debian 12 tree (or its ZFS variant) as a tar, built by build-rootfs.sh when its inputs changed.
export async function ensureRootfs(log: (line: string) => void, variant: RootfsVariant = "base"): Promise<string> {
  const key = await rootfsKey(variant);
  const name = variant === "zfs" ? `${ROOTFS_NAME}-zfs` : ROOTFS_NAME;
  const path = join(imagesDir(), `${name}-${key}.tar`);
  if (existsSync(path)) {
    await touch(path);
    return path;
  }
  log(`images: building the Debian 12 tree ${path} (about 2 minutes)`);
  const started = Date.now();
  await withWorkDir(name, async (work) => {
    const tmp = join(work, "rootfs.tar");
    const zfs = variant === "zfs" ? [join(here, "packages-zfs.txt")] : [];
    await runScript("build-rootfs.sh", [tmp, join(here, "packages.txt"), join(here, "overlay"), work, ...zfs], log);
    await rename(`${tmp}.packages`, `${path}.packages`);
    await rename(tmp, path);
  });
  log(`images: tree built in ${seconds(started)} s`);
  await pruneOld(name, key);
  return path;
}

// Returns the named image, building it (and what it is made from) first if it is not cached.
export async function ensureImage(name: string, opts: EnsureImageOptions = {}): Promise<BuiltImage> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const spec = imageSpec(name);
  const key = await keyOf(spec);
  const path = join(imagesDir(), imageFileName(name, key, spec.format));
  if (!opts.force) {
    const cached = await readCached(path, spec, key);
    if (cached !== undefined) return cached;
  }
  await mkdir(imagesDir(), { recursive: true });
  log(`images: building ${name} -> ${path}`);
  const started = Date.now();
  const sums = await withWorkDir(name, async (work) => {
    const tmp = join(work, `image.${spec.format}`);
    await buildInto(spec, tmp, work, log);
    const { sha256, sha512, sizeBytes } = await hashFile(tmp);
    const sums: ImageSums = { name, key, format: spec.format, sizeBytes, sha256, sha512, buildSeconds: 0 };
    sums.buildSeconds = seconds(started);
    await writeFile(`${tmp}.json`, `${JSON.stringify(sums, null, 2)}\n`);
    await rename(`${tmp}.json`, `${path}.json`);
    await rename(tmp, path);
    return sums;
  });
  log(`images: ${name} built in ${sums.buildSeconds} s (${(sums.sizeBytes / 1048576).toFixed(0)} MiB)`);
  await pruneOld(name, key);
  return { path, sha256: sums.sha256, sha512: sums.sha512, format: sums.format, sizeBytes: sums.sizeBytes };
}

async function buildInto(spec: ImageSpec, out: string, work: string, log: (line: string) => void): Promise<void> {
  switch (spec.kind) {
    case "byolinux": {
      let tar = await ensureRootfs(log, rootfsOf(spec));
      const recipe = recipeScript(spec);
      if (recipe !== undefined) {
        const prepared = join(work, "recipe-rootfs.tar");
        await runScript(recipe, [tar, prepared, work], log);
        tar = prepared;
      }
      await runScript("build-byolinux.sh", [tar, spec.fileSystem, join(repo, spec.script), out, work], log);
      return;
    }
    case "byoi": {
      const tar = await ensureRootfs(log);
      await runScript("build-byoi.sh", [tar, out, work, String(spec.sizeMiB)], log);
      return;
    }
    case "convert": {
      const source = await ensureImage(spec.from, { log });
      const argv = ["convert", "-c", "-o", `compression_type=${spec.compression}`, "-O", spec.format, source.path, out];
      log(`  qemu-img ${argv.join(" ")}`);
      await execa("qemu-img", argv);
      return;
    }
    default:
      throw new Error(`images: unknown kind ${(spec as { kind: string }).kind}`);
  }
}

// The cached image if both it and its sidecar are there and agree; undefined means build it.
async function readCached(path: string, spec: ImageSpec, key: string): Promise<BuiltImage | undefined> {
  const text = await readFile(`${path}.json`, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const sums = parseSums(text, spec.name, key, spec.format);
  const info = await stat(path).catch(() => undefined);
  if (sums === undefined || info === undefined || info.size !== sums.sizeBytes) return undefined;
  await touch(path);
  return { path, sha256: sums.sha256, sha512: sums.sha512, format: sums.format, sizeBytes: sums.sizeBytes };
}

// sha256 and sha512 of a file in one read.
export async function hashFile(path: string): Promise<{ sha256: string; sha512: string; sizeBytes: number }> {
  const h256 = createHash("sha256");
  const h512 = createHash("sha512");
  let sizeBytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1048576 }) as AsyncIterable<Buffer>) {
    h256.update(chunk);
    h512.update(chunk);
    sizeBytes += chunk.length;
  }
  return { sha256: h256.digest("hex"), sha512: h512.digest("hex"), sizeBytes };
}

// Marks a cache entry in use, so pruneOld keeps it.
async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => {});
}

// Removes this name's entries of other keys unused for a day (a test started just now may still read one).
async function pruneOld(name: string, keep: string): Promise<void> {
  const pattern = imageFilePattern(name);
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const entry of await readdir(imagesDir())) {
    if (!pattern.test(entry) || entry.includes(keep)) continue;
    const path = join(imagesDir(), entry);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < dayAgo) await rm(path, { force: true });
  }
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      force: { type: "boolean", default: false },
      check: { type: "boolean", default: false },
      boot: { type: "boolean", default: false },
    },
  });
  if (positionals.length === 0) {
    console.error(
      `usage: node scripts/images/build.ts [--force] [--check] [--boot] NAME...\nimages: ${imageNames().join(", ")}`,
    );
    process.exit(2);
  }
  for (const name of positionals) imageSpec(name); // unknown names fail before any build starts
  for (const name of positionals) {
    const image = await ensureImage(name, { force: values.force });
    if (values.check) {
      await checkImage(name, image, (line) => console.error(line));
    }
    if (values.boot && imageSpec(name).kind !== "byolinux") {
      const dir = join(imagesDir(), `.boot-${name}-${process.pid}`);
      try {
        for (const firmware of ["bios", "uefi"] as const) {
          await bootDisks([image], firmware, { dir, log: (line) => console.error(line) });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    console.log(image.path);
  }
}
