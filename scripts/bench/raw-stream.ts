// The raw-streaming rows of `npm run bench` (BYOI): byol install streams a raw GPT image from loopback HTTP
// onto a target, hash in the same pass and first MiB last, against `curl | dd` followed by a
// separate sha512sum of what was written. Run for a 512 MiB and a 2 GiB image: byol's peak RSS
// must stay flat (its buffers are fixed: 4 batches of 4 MiB and the 1 MiB head).
// The target is a sparse file on /dev/shm (image + 64 MiB), or with --loop a loop device over it.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, open, rm, truncate } from "node:fs/promises";
import { join } from "node:path";
import { bundle as bundleFile } from "../bundle.ts";
import { digestOf } from "./fixture.ts";
import { startServers } from "./servers.ts";
import { type Timing, timed } from "./timed.ts";

const MiB = 1024 * 1024;
const SIZES = [512 * MiB, 2048 * MiB];

export interface RawStreamOptions {
  dir: string; // the bench cache
  source: string; // the 2 GiB random file: the images' bytes
  runs: number;
  loop: boolean;
}

export async function rawStreamBench(o: RawStreamOptions): Promise<void> {
  const runner = await bundle(o.dir);
  const lines: string[][] = [["", "image", "wall s", "MB/s", "cpu s", "peak RSS MB"]];
  for (const size of SIZES) {
    const image = await rawImage(o.dir, o.source, size);
    const sha512 = await digestOf(image, "sha512");
    const servers = await startServers(image);
    const url = servers[0]!.url;
    const file = `/dev/shm/byol-bench-disk-${process.pid}`;
    let loop: string | undefined;
    try {
      await truncate(file, 0).catch(() => {});
      await (await open(file, "w")).close();
      await truncate(file, size + 64 * MiB);
      if (o.loop) loop = execFileSync("losetup", ["-f", "--show", file], { encoding: "utf8" }).trim();
      const target = loop ?? file;
      const rows: [string, string[], (t: Timing) => void][] = [
        [
          "byol stream -> target (sha512, first MiB last)",
          [process.execPath, runner, url, target, String(size + 64 * MiB), sha512],
          (t) => {
            if (!t.stdout.includes(sha512)) throw new Error(`byol raw: wrong digest: ${t.stdout}`);
          },
        ],
        [
          "curl | dd bs=4M fdatasync; head -c N | sha512sum",
          [
            "bash",
            "-o",
            "pipefail",
            "-c",
            `curl -sS ${url} | dd of=${target} bs=4M iflag=fullblock conv=notrunc,fdatasync status=none && head -c ${size} ${target} | sha512sum`,
          ],
          (t) => {
            if (!t.stdout.includes(sha512)) throw new Error("curl | dd: wrong digest");
          },
        ],
      ];
      const results = rows.map(() => [] as Timing[]);
      for (let round = 0; round < o.runs; round++) {
        for (const [i, [, argv, check]] of rows.entries()) {
          const t = await timed(argv);
          check(t);
          results[i]!.push(t);
        }
      }
      for (const [i, [name]] of rows.entries()) {
        const t = [...(results[i] ?? [])].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(o.runs / 2)]!;
        lines.push([
          name,
          `${size / MiB} MiB`,
          (t.wallMs / 1000).toFixed(2),
          (size / 1e6 / (t.wallMs / 1000)).toFixed(0),
          (t.cpuMs / 1000).toFixed(2),
          i === 0 ? (t.maxRssKiB / 1024).toFixed(0) : "",
        ]);
      }
    } finally {
      if (loop !== undefined) execFileSync("losetup", ["-d", loop]);
      await rm(file, { force: true });
      for (const s of servers) s.stop();
    }
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((row) => row[i]!.length)));
  const target = o.loop ? "a loop device over a sparse file on /dev/shm" : "a sparse file on /dev/shm";
  console.log(`\nBYOI raw streaming onto ${target}, median of ${o.runs} run(s)\n`);
  for (const row of lines)
    console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
  const rss = lines.filter((l) => l[5] !== "" && l[5] !== "peak RSS MB").map((l) => Number(l[5]));
  const flat = rss.length === 2 && Math.abs(rss[1]! - rss[0]!) <= 16;
  console.log(`\n${flat ? "met " : "MISS"}  byol peak RSS flat from 512 MiB to 2 GiB (${rss.join(" -> ")} MB)`);
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

// raw-run.ts as one .mjs, like dist/byol.mjs.
async function bundle(dir: string): Promise<string> {
  const outfile = join(dir, "raw-run.mjs");
  await bundleFile({ entry: new URL("./raw-run.ts", import.meta.url).pathname, outfile });
  return outfile;
}
