// `npm run bench`: byol's download + sha512 over loopback into /dev/shm, side by side with curl,
// curl && sha512sum (two-pass) and openssl alone on the file (the single-core hash bound), from
// two servers in one run: one uncapped (2 GiB), one that caps each connection at 40 MB/s (512 MiB,
// as a far server or a CDN would). Then BYOI's raw streaming onto a target (raw-stream.ts), and
// the start-up of `byol status --json` against `byol --version` (median of 10).
// Options: --runs N (default 1; the median run is reported); --json (the same as one JSON
// object); --only-raw (the raw rows only); --loop (the raw target is a loop device).
// Run it alone on the machine: `flock /tmp/byol-vm.lock npm run bench`.

import { existsSync, rmSync } from "node:fs";
import { copyFile, mkdir, rename, rm, truncate } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bundleRunner, cacheDir, digestOf, ensureImage, SIZE, writeZeros } from "./fixture.ts";
import { type RawRow, rawStreamBench } from "./raw-stream.ts";
import { startServer } from "./servers.ts";
import { startupBench } from "./startup.ts";
import { notesOf, type Timing, timed } from "./timed.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
    "only-raw": { type: "boolean", default: false },
    loop: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const SHM = "/dev/shm/byol-bench";
const OUT = `${SHM}/image`;
const CAP = 40e6;
const CAPPED_SIZE = Math.min(512 * 1024 ** 2, SIZE / 4);
const CONNECTIONS = 8; // byol's default
const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);

const dir = cacheDir();
const big = await ensureImage(dir);
const load = loadavg()[0]!;
if (values["only-raw"]) {
  printRaw(await rawStreamBench({ dir, source: big, runs, loop: values.loop, log }));
  process.exit(0);
}
const small = await prefix(big, CAPPED_SIZE);
const runner = await bundleRunner(dir);
await mkdir(SHM, { recursive: true });

interface Row {
  name: string;
  argv: string[];
  expect: string; // the hex digest stdout must hold ("" for none)
  byol?: boolean;
  hashOnly?: boolean; // reads the file, writes nothing into /dev/shm
}
interface Result {
  name: string;
  wallS: number;
  mbPerS: number;
  cpuS: number;
  boundX: number; // wall / hash bound
  twoPassX: number; // two-pass wall / this wall
  curlX: number; // curl -o wall / this wall
  peakRssMB?: number;
}
interface Section {
  server: string;
  bytes: number;
  rows: Result[];
}

async function section(file: string, cap?: number): Promise<Section> {
  const sha512 = await digestOf(file, "sha512");
  const server = await startServer(file, cap);
  const url = server.url;
  const size = file === big ? SIZE : CAPPED_SIZE;
  const byol = (connections: number, label: string): Row => ({
    name: `byol ${label}`,
    argv: [process.execPath, runner, url, OUT, "sha512", sha512, String(connections)],
    expect: sha512,
    byol: true,
  });
  const rows: Row[] = [
    {
      name: "openssl dgst -sha512 FILE (hash bound)",
      argv: ["openssl", "dgst", "-sha512", file],
      expect: sha512,
      hashOnly: true,
    },
    byol(CONNECTIONS, `(default: one, up to ${CONNECTIONS} connections)`),
    byol(1, "--connections 1"),
    { name: "curl -o shm", argv: ["curl", "-sS", "-o", OUT, url], expect: "" },
    {
      name: "curl -o shm && sha512sum (two-pass)",
      argv: ["bash", "-o", "pipefail", "-c", `curl -sS -o ${OUT} ${url} && sha512sum ${OUT}`],
      expect: sha512,
    },
  ];
  // rounds run every row once, in turn, so that a busy moment on the machine hits all rows
  const results = new Map<string, Timing[]>(rows.map((r) => [r.name, []]));
  try {
    for (let round = 0; round < runs; round++) {
      for (const row of rows) {
        if (row.hashOnly !== true) primeMemory(size);
        const t = await timed(row.argv);
        if (!t.stdout.includes(row.expect)) throw new Error(`${row.name}: wrong digest: ${t.stdout}`);
        results.get(row.name)!.push(t);
        // named with the server: the notes of a section come before its table is printed
        for (const note of notesOf(`${server.name}: ${row.name}`, t)) log(note);
        await rm(OUT, { force: true });
      }
    }
  } finally {
    server.stop();
  }
  const m = new Map([...results].map(([name, ts]) => [name, median(ts)]));
  const wall = (i: number) => m.get(rows[i]?.name ?? "")?.wallMs ?? Number.NaN;
  const [bound, curl, twoPass] = [wall(0), wall(3), wall(4)];
  return {
    server: server.name,
    bytes: size,
    rows: rows.map((r) => {
      const t = m.get(r.name)!;
      return {
        name: r.name,
        wallS: t.wallMs / 1000,
        mbPerS: size / 1e6 / (t.wallMs / 1000),
        cpuS: t.cpuMs / 1000,
        boundX: t.wallMs / bound,
        twoPassX: twoPass / t.wallMs,
        curlX: curl / t.wallMs,
        ...(r.byol === true && { peakRssMB: t.maxRssKiB / 1024 }),
      };
    }),
  };
}

// each part is printed as soon as it is measured (a run cut short still leaves its first rows)
if (!values.json) log(`\nbyol bench, median of ${runs} run(s); load average ${load.toFixed(2)} at the start`);
const uncapped = await section(big);
if (!values.json) printSection(uncapped);
const capped = await section(small, CAP);
if (!values.json) printSection(capped);
await rm(SHM, { recursive: true, force: true });
const raw = await rawStreamBench({ dir, source: big, runs, loop: values.loop, log });
if (!values.json) printRaw(raw);
const startup = await startupBench(dir);

// The targets of issue 16, from this run.
const byolDefault = (s: Section) => s.rows[1]!;
const cappedBound = Math.max(capped.rows[0]!.wallS, CAPPED_SIZE / (CONNECTIONS * CAP));
const rss = [uncapped, capped].flatMap((s) => s.rows.filter((r) => r.peakRssMB !== undefined).map((r) => r.peakRssMB!));
rss.push(...raw.filter((r) => r.peakRssMB !== undefined).map((r) => r.peakRssMB!));
const targets = [
  { target: "uncapped sha512: ≤1.15× the hash bound", met: byolDefault(uncapped).boundX <= 1.15 },
  { target: "uncapped sha512: ≥1.6× faster than two-pass", met: byolDefault(uncapped).twoPassX >= 1.6 },
  { target: "capped 40 MB/s per connection: ≥3.5× faster than curl -o", met: byolDefault(capped).curlX >= 3.5 },
  {
    target: `capped: within 1.2× of max(hash bound, size / (${CONNECTIONS} × cap)) = ${cappedBound.toFixed(2)} s`,
    met: byolDefault(capped).wallS <= 1.2 * cappedBound,
  },
  { target: "peak RSS ≤150 MB in every byol row", met: Math.max(...rss) <= 150 },
  { target: "byol status --json ≤1.5× byol --version", met: startup.statusMs <= 1.5 * startup.versionMs },
];

if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ loadAverage: load, runs, uncapped, capped, raw, startup, targets }, null, 2)}\n`,
  );
} else {
  log(`\nload average ${load.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`);
  log(
    `\nstart-up (${startup.executable}), median of 10: byol --version ${startup.versionMs.toFixed(0)} ms, byol status --json ${startup.statusMs.toFixed(0)} ms (${(startup.statusMs / startup.versionMs).toFixed(2)}×)`,
  );
  log("");
  for (const t of targets) log(`${t.met ? "met " : "MISS"}  ${t.target}`);
}

function printSection(s: Section): void {
  log(`\n${s.bytes / 1024 ** 2} MiB from the ${s.server} server into ${SHM}, sha512\n`);
  const table = [
    ["", "wall s", "MB/s", "cpu s", "× hash bound", "two-pass ×", "curl -o ×", "peak RSS MB"],
    ...s.rows.map((r) => [
      r.name,
      r.wallS.toFixed(2),
      r.mbPerS.toFixed(0),
      r.cpuS.toFixed(2),
      r.boundX.toFixed(2),
      r.twoPassX.toFixed(2),
      r.curlX.toFixed(2),
      r.peakRssMB === undefined ? "" : r.peakRssMB.toFixed(0),
    ]),
  ];
  printTable(table);
}

function printRaw(rows: RawRow[]): void {
  log("\nBYOI raw streaming onto a file of zeros on /dev/shm (uncapped server), sha512, first MiB last\n");
  printTable([
    ["", "image", "wall s", "MB/s", "cpu s", "peak RSS MB"],
    ...rows.map((r) => [
      r.name,
      `${r.bytes / 1024 ** 2} MiB`,
      r.wallS.toFixed(2),
      r.mbPerS.toFixed(0),
      r.cpuS.toFixed(2),
      r.peakRssMB === undefined ? "" : r.peakRssMB.toFixed(0),
    ]),
  ]);
}

function printTable(table: string[][]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
}

// This machine is a VM whose host takes back memory left free for a few seconds (free page
// reporting): writing 2 GiB into /dev/shm took 0.37-0.75 s right after a free, 1.8-3.3 s after
// 10-20 s idle. The row after openssl (2.8 s without a free) paid for it: whichever byol row came
// there was the slower one (default first: 4.34 s against 3.57 s on one connection; swapped: 4.06 s
// one connection against 3.82 s default). Every row that writes into /dev/shm starts right after as
// much was written there and freed, as on a bare-metal rescue system, whose memory is always at hand.
function primeMemory(bytes: number): void {
  const file = `${SHM}/primer`;
  writeZeros(file, bytes);
  rmSync(file);
}

function median(ts: Timing[]): Timing {
  return [...ts].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(ts.length / 2)]!;
}

// The first `size` bytes of the random file, cached.
async function prefix(source: string, size: number): Promise<string> {
  const path = join(dir, `random-${size / 1024 ** 2}m.bin`);
  if (existsSync(path)) return path;
  await copyFile(source, `${path}.tmp`);
  await truncate(`${path}.tmp`, size);
  await rename(`${path}.tmp`, path);
  return path;
}
