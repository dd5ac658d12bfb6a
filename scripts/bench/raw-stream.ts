// The raw-streaming rows of `npm run bench` (BYOI): byol install streams a raw GPT image from loopback HTTP
// onto a target, hash in the same pass and first MiB last (over 8 connections and over one),
// against `curl | dd` followed by a separate sha512sum of what was written. Run for a 512 MiB and
// a 2 GiB image: byol's peak RSS must stay flat (its buffers are fixed: the 24 MiB reorder
// bound, 4 batches of 4 MiB and the 1 MiB head).
// The target is a file of zeros on /dev/shm (image + 64 MiB), or with --loop a loop device over it.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, rm, truncate } from "node:fs/promises";
import { join } from "node:path";
import { bundleScript, digestOf, SIZE, writeZeros } from "./fixture.ts";
import { startServer } from "./servers.ts";
import { notesOf, type Timing, timed } from "./timed.ts";

const MiB = 1024 * 1024;
const SIZES = [Math.min(512 * MiB, SIZE / 4), SIZE];

export interface RawStreamOptions {
  dir: string; // the bench cache
  source: string; // the 2 GiB random file: the images' bytes
  runs: number;
  loop: boolean;
  log?: (line: string) => void; // the download's notes (a split, its undoing), as they come
}

export interface RawRow {
  name: string;
  bytes: number;
  wallS: number;
  mbPerS: number;
  cpuS: number;
  peakRssMB?: number;
}

export async function rawStreamBench(o: RawStreamOptions): Promise<RawRow[]> {
  const runner = await bundleScript(o.dir, "./raw-run.ts", "raw-run.mjs");
  const out: RawRow[] = [];
  for (const size of SIZES) {
    const image = await rawImage(o.dir, o.source, size);
    const sha512 = await digestOf(image, "sha512");
    const server = await startServer(image);
    const url = server.url;
    const file = `/dev/shm/byol-bench-disk-${process.pid}`;
    let loop: string | undefined;
    try {
      // Written through once before the rows, as a disk's blocks are all there: on a sparse file,
      // the first row alone paid for tmpfs's page allocation and the rows after it wrote into pages
      // it left (measured by hand, 2 GiB, four pairs: +0.27 to +0.38 s of wall time each, and the
      // first row is byol's default).
      writeZeros(file, size + 64 * MiB);
      if (o.loop) loop = execFileSync("losetup", ["-f", "--show", file], { encoding: "utf8" }).trim();
      const target = loop ?? file;
      const byol = (connections: number, label: string): [string, string[], boolean] => [
        `byol stream -> target ${label}`,
        [process.execPath, runner, url, target, String(size + 64 * MiB), sha512, String(connections)],
        true,
      ];
      const rows: [string, string[], boolean][] = [
        byol(8, "(default: one, up to 8 connections)"),
        byol(1, "--connections 1"),
        [
          "curl | dd bs=4M fdatasync; head -c N | sha512sum",
          [
            "bash",
            "-o",
            "pipefail",
            "-c",
            `curl -sS ${url} | dd of=${target} bs=4M iflag=fullblock conv=notrunc,fdatasync status=none && head -c ${size} ${target} | sha512sum`,
          ],
          false,
        ],
      ];
      const results = rows.map(() => [] as Timing[]);
      for (let round = 0; round < o.runs; round++) {
        for (const [i, [name, argv]] of rows.entries()) {
          const t = await timed(argv);
          if (!t.stdout.includes(sha512)) throw new Error(`${name}: wrong digest: ${t.stdout}`);
          results[i]!.push(t);
          for (const note of notesOf(`${name} (${size >> 20} MiB)`, t)) o.log?.(note);
        }
      }
      for (const [i, [name, , byolRow]] of rows.entries()) {
        const t = [...(results[i] ?? [])].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(o.runs / 2)]!;
        out.push({
          name,
          bytes: size,
          wallS: t.wallMs / 1000,
          mbPerS: size / 1e6 / (t.wallMs / 1000),
          cpuS: t.cpuMs / 1000,
          ...(byolRow && { peakRssMB: t.maxRssKiB / 1024 }),
        });
      }
    } finally {
      if (loop !== undefined) execFileSync("losetup", ["-d", loop]);
      await rm(file, { force: true });
      server.stop();
    }
  }
  return out;
}

// The first `size` bytes of the random file with a GPT over them (one partition to the end).
async function rawImage(dir: string, source: string, size: number): Promise<string> {
  const path = join(dir, `raw-gpt-${size / MiB}m.img`);
  if (existsSync(path)) return path;
  await copyFile(source, `${path}.tmp`);
  await truncate(`${path}.tmp`, size);
  execFileSync("sgdisk", ["-n", "1:2048:0", "-t", "1:8300", `${path}.tmp`], { stdio: "ignore" });
  execFileSync("mv", [`${path}.tmp`, path]);
  return path;
}
