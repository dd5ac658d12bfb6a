// The benchmark's input: 2 GiB of random bytes, made once and cached with its digests, and
// the byol download bundled the way it ships (one plain .mjs: no type stripping at run time).

import { execFileSync } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { bundle } from "../bundle.ts";
import { timed } from "./timed.ts";

// 2 GiB; BYOL_BENCH_MIB sets another size (a quick smoke run of the bench itself)
export const SIZE = Number(process.env.BYOL_BENCH_MIB ?? 2048) * 1024 ** 2;

// `bytes` of zeros (rounded up to 4 MiB) into `file`, replacing what it held: on tmpfs, every page
// of it allocated.
export function writeZeros(file: string, bytes: number): void {
  execFileSync("dd", [
    "if=/dev/zero",
    `of=${file}`,
    "bs=4M",
    `count=${Math.ceil(bytes / (4 * 1024 ** 2))}`,
    "status=none",
  ]);
}

export function cacheDir(): string {
  return join(process.env.BYOL_CACHE ?? join(homedir(), ".cache", "byol"), "bench");
}

// AES-CTR keystream: random-looking (incompressible) and made at GB/s.
export async function ensureImage(dir: string): Promise<string> {
  const path = join(dir, SIZE === 2 * 1024 ** 3 ? "random-2g.bin" : `random-${SIZE / 1024 ** 2}m-full.bin`);
  if (existsSync(path)) return path;
  await mkdir(dir, { recursive: true });
  const file = await open(`${path}.tmp`, "w");
  const cipher = createCipheriv("aes-128-ctr", randomBytes(16), randomBytes(16));
  const zeros = Buffer.alloc(16 << 20);
  for (let done = 0; done < SIZE; done += zeros.length) await file.write(cipher.update(zeros));
  await file.close();
  await rename(`${path}.tmp`, path);
  return path;
}

// The image's digest, cached beside it; computed with openssl the first time.
export async function digestOf(path: string, algorithm: "sha256" | "sha512"): Promise<string> {
  const cached = `${path}.${algorithm}`;
  if (existsSync(cached)) return (await readFile(cached, "utf8")).trim();
  const { stdout } = await timed(["openssl", "dgst", `-${algorithm}`, "-r", path]);
  const hex = stdout.split(" ")[0] ?? "";
  await writeFile(cached, `${hex}\n`);
  return hex;
}

// A script of the repository as one .mjs in `dir`, like dist/byol.mjs (no type stripping at run time).
export async function bundleScript(dir: string, entry: string, name: string): Promise<string> {
  const outfile = join(dir, name);
  await bundle({ entry: new URL(entry, import.meta.url).pathname, outfile });
  return outfile;
}

// scripts/bench/byol-run.ts as one .mjs.
export function bundleRunner(dir: string): Promise<string> {
  return bundleScript(dir, "./byol-run.ts", "byol-run.mjs");
}
