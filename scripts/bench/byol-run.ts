// One byol download, run in a child process by the benchmark so that its peak RSS is its own.
// Usage: node byol-run.ts URL DEST [md5|sha1|sha256|sha512|none] [EXPECTED_HEX] [CONNECTIONS]
// Prints one JSON line: { ms, bytes, digest, maxRssKiB, threads, notes } where threads is the CPU
// time (ms) of each busy thread: main, hash worker, libuv pool (the file writes), and notes the
// download's info lines (a split into several connections, its undoing).

import { readdirSync, readFileSync } from "node:fs";
import { downloadImage } from "../../agent/download/image.ts";
import { startInOneArena, wantsOneArena } from "../../agent/exec/one-arena.ts";
import type { ChecksumType } from "../../agent/request/types.ts";

// as `byol fetch` does: start again with one malloc arena first (agent/exec/one-arena.ts)
if (wantsOneArena(["fetch"], process.env, process.platform)) startInOneArena(process.argv.slice(2));
const [url, destination, algorithm = "sha512", expected, connections] = process.argv.slice(2);
if (url === undefined || destination === undefined) throw new Error("usage: byol-run.ts URL DEST [ALGO] [HEX]");
const checksum =
  algorithm === "none" ? undefined : { type: algorithm as ChecksumType, value: expected ?? "0".repeat(128) };

// CPU ms per thread of this process, busiest first (from /proc/self/task/*/stat, in ticks).
function threadCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync("/proc/self/task")) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    const name = /\((.*)\)/.exec(stat)?.[1] ?? tid;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ms = (Number(fields[11]) + Number(fields[12])) * 10;
    if (ms >= 100) out[`${name}#${tid}`] = ms;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

const notes: string[] = [];
const start = performance.now();
const result = await downloadImage({
  url,
  headers: {},
  destination,
  limitBytes: 64 * 1024 ** 3,
  events: {
    emit: (e) => {
      if (e.phase === "log") notes.push(`${Math.round(performance.now() - start)} ms: ${e.message}`);
    },
  },
  ...(checksum === undefined ? {} : { checksum }),
  ...(connections === undefined ? {} : { connections: Number(connections) }),
});
const ms = performance.now() - start;
const maxRssKiB = process.resourceUsage().maxRSS;
const threads = threadCpu();
process.stdout.write(
  `${JSON.stringify({ ms, bytes: result.bytes, digest: result.digest, maxRssKiB, threads, notes })}\n`,
);
