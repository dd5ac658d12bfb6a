// npm run rig -- [--scenario FILE.json ...] [--all] [--keep] [--out DIR]
// Runs rig scenarios: a QEMU bare-metal machine boots the rescue system, byol installs onto its virtual disks,
// the machine boots from them and the rig checks the installed system. Progress goes to stderr; one JSON
// verdict line per scenario goes to stdout. Exit 0 only if every check of every scenario passed.
// With no scenario given it runs uefi-raid1-default. Only the rig's own virtual disks are ever written.
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cacheRoot } from "../vm/cache.ts";
import { fleetScenarios, runFleet } from "./fleet.ts";
import { type Fleet, parseFleet } from "./fleet-inventory.ts";
import { prepare } from "./prepare.ts";
import { runReplay } from "./replay.ts";
import { runScenario } from "./run.ts";
import { needsZfs, parseScenario, type Scenario } from "./scenario.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const scenariosDir = join(repo, "fixtures", "scenarios");
const fleetsDir = join(repo, "fixtures", "fleets");
const DEFAULT_SCENARIO = join(scenariosDir, "uefi-raid1-default.json");
const say = (line: string) => process.stderr.write(`${line}\n`);

const USAGE = `usage: npm run rig -- [--scenario FILE.json]... [--fleet FLEET.json]... [--all] [--keep] [--out DIR]
       npm run rig -- --replay RECORD.tar [--keep] [--out DIR]
  --scenario FILE  a scenario file (fixtures/scenarios/*.json); may be given more than once
  --fleet FILE     a fleet (fixtures/fleets/*.json): its rescue VMs boot at once and deploy/ansible/install.yml
                   installs them all in one ansible-playbook run; may be given more than once
  --all            every fixtures/scenarios/*.json, in name order, then every fixtures/fleets/*.json
  --keep           keep the disk files and the OVMF variable store in the output folder
  --replay FILE    replay a run record (the <run-id>.tar in a rig run's folder) with byol replay in a VM shaped
                   like the recorded machine; the verdict compares the exit code, step and message
  --out DIR        output folder (with several scenarios: DIR/<scenario>)
                   default \${BYOL_CACHE:-~/.cache/byol}/rig-out/<scenario>-<time>
With no scenario, runs ${basename(DEFAULT_SCENARIO)}.`;

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

async function loadScenarios(files: string[]): Promise<Scenario[]> {
  const out: Scenario[] = [];
  for (const f of files) out.push(parseScenario(await readFile(f, "utf8"), f));
  const names = out.map((s) => s.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`rig: two scenarios are named ${dup}`);
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: "string", multiple: true },
      fleet: { type: "string", multiple: true },
      all: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      out: { type: "string" },
      replay: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  if (values.replay !== undefined) {
    const outDir = resolve(values.out ?? join(cacheRoot(), "rig-out", `replay-${stamp()}`));
    say(`\n=== rig: replay of ${values.replay} -> ${outDir}`);
    const verdict = await runReplay({ file: resolve(values.replay), outDir, keep: values.keep, log: say });
    for (const c of verdict.checks) say(`  ${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);
    say(
      `=== replay: ${verdict.ok ? "ok" : "FAILED"} (total ${(verdict.timings["total"]! / 1000).toFixed(0)} s); files in ${outDir}`,
    );
    process.stdout.write(`${JSON.stringify(verdict)}\n`);
    return verdict.ok ? 0 : 1;
  }
  let files = (values.scenario ?? []).map((f) => resolve(f));
  let fleetFiles = (values.fleet ?? []).map((f) => resolve(f));
  if (values.all) {
    const all = (await readdir(scenariosDir)).filter((f) => f.endsWith(".json")).sort();
    files = [...files, ...all.map((f) => join(scenariosDir, f))];
    const fleets = (await readdir(fleetsDir)).filter((f) => f.endsWith(".json")).sort();
    fleetFiles = [...fleetFiles, ...fleets.map((f) => join(fleetsDir, f))];
  }
  if (files.length === 0 && fleetFiles.length === 0) files = [DEFAULT_SCENARIO];
  const fleets: Fleet[] = [];
  for (const f of new Set(fleetFiles)) fleets.push(parseFleet(await readFile(f, "utf8"), f));
  const scenarios = await loadScenarios([...new Set(files)]);

  const fleetScenarioList = (await Promise.all(fleets.map((f) => fleetScenarios(f)))).flat();
  const all = [...scenarios, ...fleetScenarioList];
  // the rescue with ZFS is built (once) only when a scenario needs it
  await prepare(
    all.map((s) => s.image),
    repo,
    say,
    all.some((s) => needsZfs(s)),
  );
  const verdicts = [];
  for (const scenario of scenarios) {
    const outDir =
      values.out === undefined
        ? join(cacheRoot(), "rig-out", `${scenario.name}-${stamp()}`)
        : scenarios.length === 1
          ? resolve(values.out)
          : join(resolve(values.out), scenario.name);
    say(`\n=== rig: ${scenario.name} -> ${outDir}`);
    const verdict = await runScenario({ scenario, outDir, keep: values.keep, log: say });
    for (const c of verdict.checks) say(`  ${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);
    const t = verdict.timings;
    const s = (k: string) => (t[k] === undefined ? "-" : `${(t[k] / 1000).toFixed(0)} s`);
    say(
      `=== ${scenario.name}: ${verdict.ok ? "ok" : "FAILED"} (rescue boot ${s("rescueBoot")}, install ${s("install")}, ` +
        `disk boot to ssh ${s("diskBoot")}, cloud-init ${s("cloudInit")}, total ${s("total")}); files in ${outDir}`,
    );
    process.stdout.write(`${JSON.stringify(verdict)}\n`);
    verdicts.push(verdict);
  }
  for (const fleet of fleets) {
    const name = `fleet-${fleet.name}`;
    const outDir =
      values.out === undefined
        ? join(cacheRoot(), "rig-out", `${name}-${stamp()}`)
        : scenarios.length + fleets.length === 1
          ? resolve(values.out)
          : join(resolve(values.out), name);
    say(`\n=== rig: ${name} (${fleet.hosts.map((h) => h.name).join(", ")}) -> ${outDir}`);
    const verdict = await runFleet({ fleet, outDir, keep: values.keep, log: say });
    for (const c of verdict.checks) say(`  ${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);
    const s = (k: string) => (verdict.timings[k] === undefined ? "-" : `${(verdict.timings[k] / 1000).toFixed(0)} s`);
    say(
      `=== ${name}: ${verdict.ok ? "ok" : "FAILED"} (ansible ${s("ansible")}, total ${s("total")}); files in ${outDir}`,
    );
    process.stdout.write(`${JSON.stringify(verdict)}\n`);
    verdicts.push(verdict);
  }
  if (verdicts.length > 1) {
    say("\n=== rig summary");
    for (const v of verdicts)
      say(`  ${v.ok ? "ok    " : "FAILED"} ${v.scenario} (${(v.timings["total"]! / 1000).toFixed(0)} s)`);
  }
  return verdicts.every((v) => v.ok) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    say(error.message);
    process.exitCode = 2;
  },
);
