// The fixture OS images byol's tests install, and what each one's cache key is made of. No I/O here.
import { join } from "node:path";
import { cacheKey, cacheRoot, type KeyInput } from "../vm/cache.ts";

export type ImageFormat = "qcow2" | "raw";

/** One fixture image: how it is made from the shared Debian 12 tree (or from another image). */
export type ImageSpec =
  | {
      kind: "byolinux";
      name: string;
      format: "qcow2";
      fileSystem: "ext4" | "xfs";
      /** Repository path of the file installed as /root/.ovh/make_image_bootable.sh. */
      script: string;
      /** "ovh": the tree is first prepared as OVH's published Debian 12 recipe prepares its image (ovh-recipe.sh). */
      recipe?: "ovh";
      /** "zfs": built from the ZFS tree (packages-zfs.txt: Debian's generic kernel, zfsutils, zfs modules). */
      rootfs?: RootfsVariant;
    }
  | { kind: "byoi"; name: string; format: "raw"; sizeMiB: number }
  | { kind: "convert"; name: string; format: "qcow2"; from: string; compression: "zstd" };

/** The shared Debian 12 tree's variants: "base" for every image, "zfs" for the ZFS one. */
export type RootfsVariant = "base" | "zfs";

export const DEBIAN_SCRIPT = "fixtures/make_image_bootable/debian.sh";
export const FAILING_SCRIPT = "fixtures/make_image_bootable/fails.sh";
export const OVH_LIKE_SCRIPT = "fixtures/make_image_bootable/ovh-like.sh";

export const IMAGES: readonly ImageSpec[] = [
  { kind: "byolinux", name: "byolinux-debian12", format: "qcow2", fileSystem: "ext4", script: DEBIAN_SCRIPT },
  { kind: "byolinux", name: "byolinux-debian12-xfs", format: "qcow2", fileSystem: "xfs", script: DEBIAN_SCRIPT },
  {
    kind: "byolinux",
    name: "byolinux-debian12-script-fails",
    format: "qcow2",
    fileSystem: "ext4",
    script: FAILING_SCRIPT,
  },
  {
    kind: "byolinux",
    name: "byolinux-debian12-ovh",
    format: "qcow2",
    fileSystem: "ext4",
    script: OVH_LIKE_SCRIPT,
    recipe: "ovh",
  },
  {
    kind: "byolinux",
    name: "byolinux-debian12-zfs",
    format: "qcow2",
    fileSystem: "ext4",
    script: DEBIAN_SCRIPT,
    rootfs: "zfs",
  },
  { kind: "byoi", name: "byoi-debian12-raw", format: "raw", sizeMiB: 2048 },
  { kind: "convert", name: "byoi-debian12-qcow2", format: "qcow2", from: "byoi-debian12-raw", compression: "zstd" },
];

/** Files (relative to scripts/images/) whose content defines the shared rootfs tar; overlay/ files are added. */
/** A fixture image built and cached by scripts/images/build.ts. */
export interface BuiltImage {
  path: string;
  sha256: string;
  sha512: string;
  format: ImageFormat;
  sizeBytes: number;
}

export const ROOTFS_FILES = ["packages.txt", "build-rootfs.sh", "../lib/debian-tree.sh"] as const;
/** The ZFS tree's files, on top of ROOTFS_FILES: its package list and the zfs modules' build and install. */
export const ROOTFS_ZFS_FILES = ["packages-zfs.txt", "../lib/zfs-kmod.sh", "../lib/zfs-install.sh"] as const;

// The tree an image is built from.
export function rootfsOf(spec: ImageSpec): RootfsVariant {
  return spec.kind === "byolinux" && spec.rootfs === "zfs" ? "zfs" : "base";
}

// The spec of a named image, or an error that lists the names there are.
export function imageSpec(name: string): ImageSpec {
  const spec = IMAGES.find((i) => i.name === name);
  if (spec === undefined) throw new Error(`images: no image named '${name}' (known: ${imageNames().join(", ")})`);
  return spec;
}

export function imageNames(): string[] {
  return IMAGES.map((i) => i.name);
}

/** The script (in scripts/images/) that prepares a byolinux image's tree before it is built, if any. */
export function recipeScript(spec: ImageSpec): string | undefined {
  return spec.kind === "byolinux" && spec.recipe === "ovh" ? "ovh-recipe.sh" : undefined;
}

/** The builder script (in scripts/images/) of an image kind; convert has none (qemu-img only). */
export function builderScript(spec: ImageSpec): string | undefined {
  if (spec.kind === "byolinux") return "build-byolinux.sh";
  if (spec.kind === "byoi") return "build-byoi.sh";
  return undefined;
}

// The key of an image: its spec, its builder, the script it carries and the key it is built from
// (the rootfs tar's, or the source image's for a conversion).
export function imageKey(spec: ImageSpec, baseKey: string, files: readonly KeyInput[]): string {
  return cacheKey([
    { name: "spec", content: JSON.stringify(spec) },
    { name: "base-key", content: baseKey },
    ...files.map((f) => ({ name: `file:${f.name}`, content: f.content })),
  ]);
}

// Where images are cached: ${BYOL_CACHE:-~/.cache/byol}/images.
export function imagesDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), "images");
}

/** File name of a cached image: <name>-<key>.<ext>, with .json next to it for its sums. */
export function imageFileName(name: string, key: string, format: ImageFormat): string {
  return `${name}-${key}.${format}`;
}

/** Matches the files of an image name (any key), and not those of longer names sharing the prefix. */
export function imageFilePattern(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped}-[0-9a-f]{64}\\.(qcow2|raw|tar)(\\.json|\\.packages)?$`);
}

/** What the sidecar .json of a cached image holds. */
export interface ImageSums {
  name: string;
  key: string;
  format: ImageFormat;
  sizeBytes: number;
  sha256: string;
  sha512: string;
  buildSeconds: number;
}

// Reads a sidecar's JSON text; undefined when it is not one for this name, key and format (then rebuild).
export function parseSums(text: string, name: string, key: string, format: ImageFormat): ImageSums | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const hex = (s: unknown, len: number) => typeof s === "string" && new RegExp(`^[0-9a-f]{${len}}$`).test(s);
  if (v["name"] !== name || v["key"] !== key || v["format"] !== format) return undefined;
  if (typeof v["sizeBytes"] !== "number" || !Number.isSafeInteger(v["sizeBytes"]) || v["sizeBytes"] <= 0)
    return undefined;
  if (!hex(v["sha256"], 64) || !hex(v["sha512"], 128)) return undefined;
  return {
    name,
    key,
    format,
    sizeBytes: v["sizeBytes"],
    sha256: v["sha256"] as string,
    sha512: v["sha512"] as string,
    buildSeconds: typeof v["buildSeconds"] === "number" ? v["buildSeconds"] : 0,
  };
}
