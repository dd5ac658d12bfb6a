// `npm run bench`: byol's download of a 2 GiB image over loopback into /dev/shm, side by side
// with curl + sha512sum and with openssl alone (the single-core hash bound).
// Then BYOI's raw streaming onto a target (scripts/bench/raw-stream.ts).
// Options: --runs N (default 3; the median run is reported); --only-raw (the raw rows only);
// --loop (the raw target is a loop device instead of a file on /dev/shm).

import { mkdir, rm } from "node:fs/promises";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { bundleRunner, cacheDir, digestOf, ensureImage, SIZE } from "./fixture.ts";
import { rawStreamBench } from "./raw-stream.ts";
import { startServers } from "./servers.ts";
import { type Timing, timed } from "./timed.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    "only-raw": { type: "boolean", default: false },
    loop: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const SHM = "/dev/shm/byol-bench";
const OUT = `${SHM}/image`;

const dir = cacheDir();
const file = await ensureImage(dir);
if (values["only-raw"]) {
  await rawStreamBench({ dir, source: file, runs, loop: values.loop });
  process.exit(0);
}
const sha512 = await digestOf(file, "sha512");
const sha256 = await digestOf(file, "sha256");
const runner = await bundleRunner(dir);
const servers = await startServers(file);
const server = servers[0]!;
const url = server.url;
await mkdir(SHM, { recursive: true });

interface Row {
  name: string;
  argv: string[];
  check?: (t: Timing) => void;
}
const byol = (algorithm: string, hex: string, flags: string[] = []): Row => ({
  name: `byol downloadImage ${algorithm}${flags.length > 0 ? ` (${flags.join(" ")})` : ""}`,
  argv: [process.execPath, ...flags, runner, url, OUT, algorithm, hex],
  check: (t) => {
    if (!t.stdout.includes(hex)) throw new Error(`byol ${algorithm}: wrong digest: ${t.stdout}`);
  },
});
const sh = (name: string, script: string, hex: string): Row => ({
  name,
  argv: ["bash", "-o", "pipefail", "-c", script],
  check: (t) => {
    if (!t.stdout.includes(hex)) throw new Error(`${name}: wrong digest`);
  },
});
const hashBound: Row = { name: "openssl dgst -sha512 FILE (hash bound)", argv: ["openssl", "dgst", "-sha512", file] };
const byol512 = byol("sha512", sha512);
const twoPassRow = sh("curl -o shm && sha512sum (two-pass)", `curl -sS -o ${OUT} ${url} && sha512sum ${OUT}`, sha512);
const rows: Row[] = [
  hashBound,
  { name: "openssl dgst -sha256 FILE", argv: ["openssl", "dgst", "-sha256", file] },
  byol512,
  byol("sha256", sha256),
  twoPassRow,
  sh("curl | tee shm | sha512sum", `curl -sS ${url} | tee ${OUT} | sha512sum`, sha512),
  // a small young generation frees dead socket buffers sooner: a launcher flag, not a runtime one
  byol("sha512", sha512, ["--max-semi-space-size=2"]),
];

// Rounds run every row once, in turn, so that a busy moment on the machine hits all rows.
const results = new Map<string, Timing[]>(rows.map((r) => [r.name, []]));
for (let round = 0; round < runs; round++) {
  for (const row of rows) {
    const t = await timed(row.argv);
    row.check?.(t);
    results.get(row.name)!.push(t);
    await rm(OUT, { force: true });
  }
}
for (const s of servers) s.stop();
await rm(SHM, { recursive: true, force: true });

const median = (ts: Timing[]) => [...ts].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(ts.length / 2)]!;
const m = new Map([...results].map(([name, ts]) => [name, median(ts)]));
const bound = m.get(hashBound.name)!.wallMs;
const twoPass = m.get(twoPassRow.name)!.wallMs;

const table = [
  ["", "wall s", "MB/s", "cpu s", "× hash bound", "two-pass ×", "peak RSS MB"],
  ...rows.map((r) => {
    const t = m.get(r.name)!;
    return [
      r.name,
      (t.wallMs / 1000).toFixed(2),
      (SIZE / 1e6 / (t.wallMs / 1000)).toFixed(0),
      (t.cpuMs / 1000).toFixed(2),
      (t.wallMs / bound).toFixed(2),
      (twoPass / t.wallMs).toFixed(2),
      r.name.startsWith("byol") ? (t.maxRssKiB / 1024).toFixed(0) : "",
    ];
  }),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
console.log(`\n2 GiB over loopback into ${SHM}, median of ${runs} run(s); load average ${loadavg()[0]!.toFixed(2)}`);
console.log(`server: ${servers.map((s) => `${s.name} curl->/dev/null ${(s.curlMs / 1000).toFixed(2)} s`).join(", ")}`);
console.log(`  -> ${server.name} (the faster)\n`);
for (const row of table)
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));

const b512 = m.get(byol512.name)!;
const aims = [
  [`byol sha512 within 1.15× of the hash bound`, b512.wallMs / bound <= 1.15],
  [`byol sha512 ≥ 1.6× faster than two-pass`, twoPass / b512.wallMs >= 1.6],
  [`byol peak RSS < 150 MB`, b512.maxRssKiB / 1024 < 150],
] as const;
console.log(
  `\nbyol sha512, CPU ms per thread: ${JSON.stringify(JSON.parse(b512.stdout).threads)} (+ the hash worker's ~openssl time)`,
);
console.log("");
for (const [aim, ok] of aims) console.log(`${ok ? "met " : "MISS"}  ${aim}`);
await rawStreamBench({ dir, source: file, runs, loop: values.loop });
