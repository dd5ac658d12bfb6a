// Builds the byol rescue system (Debian bookworm, Debian's kernel, Node 24) once per input change,
// into ${BYOL_CACHE:-~/.cache/byol}/rescue/<key>/ (the stock-like flavour into rescue-stock/<key>/).
// Run directly: node scripts/rescue/build.ts [--force] [--stock] [--zfs]
// ZFS (zfsutils-linux and the zfs modules, whose one-time dkms build takes 15 to 40 minutes on 2 cores)
// goes in only when asked: the rig's ZFS scenarios and `npm run test:vm -- --zfs` ask for it,
// CI's tiers do not, so a cold CI run never compiles ZFS.
import { existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, realpath, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { cacheKey, cacheRoot, type KeyInput } from "../vm/cache.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
/** The files whose content defines the image; a change to any of them makes a new key. */
export const RESCUE_INPUTS = [
  "packages.txt",
  "build-rootfs.sh",
  "../lib/debian-tree.sh",
  "init.sh",
  "poweroff.sh",
  "initrd-init.sh",
];
/** The stock-like rescue's: no Node, no byol-init; systemd, udev and a repository of the left-out packages. */
export const STOCK_INPUTS = [
  "packages.txt",
  "build-rootfs.sh",
  "../lib/debian-tree.sh",
  "initrd-init.sh",
  "stock-customize.sh",
  "stock-left-out.txt",
];

/** What a rescue with ZFS adds to the inputs. */
export const ZFS_INPUTS = ["../lib/zfs-kmod.sh", "../lib/zfs-install.sh"];

/**
 * harness: the rescue the VM tests run in (byol-init boots in seconds, Node 24 runs the test files, 9p shares).
 * stock: like OVHcloud's rescue-customer (systemd, udev, no Node, no byol, a package left out), for the rig.
 */
export type RescueFlavour = "harness" | "stock";

/** A built rescue system, ready to boot with -kernel/-initrd and rootfs as the first virtio disk. */
export interface RescueImage {
  key: string;
  dir: string;
  kernel: string;
  initrd: string;
  /** ext4 image of the root file system; attach with snapshot=on. */
  rootfs: string;
  flavour: RescueFlavour;
  /** stock: the flat apt repository the rig serves at http://10.0.2.101/ */
  repo?: string;
}

// The Node 24 ELF binary of the repo's `node` npm package (not its launcher script).
export async function nodeBinary(): Promise<string> {
  const bin = await realpath(join(repo, "node_modules", "node", "bin", "node"));
  const head = Buffer.alloc(4);
  const fh = await open(bin);
  try {
    await fh.read(head, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (!head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) throw new Error(`rescue: ${bin} is not an ELF binary`);
  return bin;
}

// The cache key: the build inputs plus, for the harness, the version of the Node binary that goes in,
// and with ZFS its scripts and a marker.
export async function rescueKey(node: string, flavour: RescueFlavour = "harness", zfs = false): Promise<string> {
  const inputs: KeyInput[] = [];
  for (const name of [...(flavour === "stock" ? STOCK_INPUTS : RESCUE_INPUTS), ...(zfs ? ZFS_INPUTS : [])]) {
    inputs.push({ name, content: await readFile(join(here, name)) });
  }
  if (zfs) inputs.push({ name: "zfs", content: "zfsutils-linux and the zfs modules" });
  if (flavour === "harness") {
    const { stdout } = await execa(node, ["--version"]);
    inputs.push({ name: "node-version", content: stdout.trim() });
  }
  return cacheKey(inputs);
}

function imageIn(dir: string, key: string, flavour: RescueFlavour): RescueImage {
  return {
    key,
    dir,
    kernel: join(dir, "vmlinuz"),
    initrd: join(dir, "initrd.img"),
    rootfs: join(dir, "rootfs.img"),
    flavour,
    ...(flavour === "stock" ? { repo: join(dir, "repo") } : {}),
  };
}

export interface EnsureOptions {
  force?: boolean;
  log?: (line: string) => void;
  /** Default harness. */
  flavour?: RescueFlavour;
  /** With ZFS (its tools and kernel modules). Default false. */
  zfs?: boolean;
}

// Returns the cached image for the current inputs, building it first if it is missing.
export async function ensureRescueImage(opts: EnsureOptions = {}): Promise<RescueImage> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const flavour = opts.flavour ?? "harness";
  const node = await nodeBinary();
  const zfs = opts.zfs === true;
  const key = await rescueKey(node, flavour, zfs);
  const base = join(cacheRoot(), flavour === "stock" ? "rescue-stock" : "rescue");
  const final = join(base, key);
  if (!opts.force && existsSync(join(final, "manifest.json"))) {
    const now = new Date();
    await utimes(final, now, now); // marks it in use for pruneOldBuilds
    return imageIn(final, key, flavour);
  }
  if (process.getuid?.() !== 0)
    throw new Error("rescue: building the rescue system needs root (mmdebstrap --mode=root)");

  log(
    `rescue: building ${final}${zfs ? " with ZFS" : ""} (about 2 minutes${zfs ? ", plus the zfs modules' dkms build the first time" : ""})`,
  );
  const started = Date.now();
  await mkdir(base, { recursive: true });
  const tmp = join(base, `.tmp-${key.slice(0, 12)}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    const args = flavour === "stock" ? ["-", join(here, "stock-left-out.txt")] : [node];
    const child = execa("bash", [join(here, "build-rootfs.sh"), tmp, join(here, "packages.txt"), ...args], {
      all: true,
      buffer: false,
      env: { BYOL_RESCUE_ZFS: zfs ? "1" : "0" },
    });
    child.all?.on("data", (b: Buffer) => {
      for (const line of b.toString().split("\n")) if (line.trim()) log(`  ${line}`);
    });
    await child;
    const seconds = Math.round((Date.now() - started) / 1000);
    const sizes = Object.fromEntries(
      await Promise.all(
        ["vmlinuz", "initrd.img", "rootfs.img"].map(async (f) => [f, (await stat(join(tmp, f))).blocks * 512]),
      ),
    );
    await writeFile(
      join(tmp, "manifest.json"),
      JSON.stringify({ key, builtSeconds: seconds, diskBytes: sizes }, null, 2),
    );
    await rm(final, { recursive: true, force: true });
    await rename(tmp, final);
    log(`rescue: built in ${seconds} s`);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await pruneOldBuilds(base, key);
  return imageIn(final, key, flavour);
}

// Removes builds of other keys unused for a day; a VM started from one just now may still need its files.
async function pruneOldBuilds(base: string, keep: string): Promise<void> {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const entry of await readdir(base)) {
    if (entry === keep) continue;
    const path = join(base, entry);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < dayAgo) await rm(path, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      force: { type: "boolean", default: false },
      stock: { type: "boolean", default: false },
      zfs: { type: "boolean", default: false },
    },
  });
  const flavour = values.stock ? "stock" : "harness";
  const image = await ensureRescueImage({ force: values.force, flavour, zfs: values.zfs });
  console.log(image.dir);
}
