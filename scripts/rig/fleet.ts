// The fleet rig: several rescue VMs at once, installed by deploy/ansible/install.yml in one ansible-playbook run,
// as an operator installs a rack. Each host is a rig scenario run by runScenario (rescue boot, then its checks
// of the record, the status poll, the disks, and for a good install the boot of the installed disks); only the
// install itself is replaced: every host waits until all are booted, then one playbook run installs them all.
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { readRunRecord } from "../../agent/report/read.ts";
import type { Check } from "./checks.ts";
import { lineSplitter } from "./event-view.ts";
import {
  type Fleet,
  type FleetHost,
  fleetInventory,
  type HostSummary,
  parseHostSummary,
  parseSummaryLines,
  resultLineOf,
} from "./fleet-inventory.ts";
import { makeVerdict, type Verdict } from "./outcome.ts";
import { REPORT_FILE } from "./records.ts";
import { type InstallContext, runScenario } from "./run.ts";
import { parseScenario, type Scenario } from "./scenario.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PLAYBOOK = join(repo, "deploy", "ansible", "install.yml");

export interface FleetOptions {
  fleet: Fleet;
  outDir: string;
  keep: boolean;
  log: (line: string) => void;
}

type Outcome = { stdout: string; exitCode: number };

// The fleet's scenarios: each host's scenario with the fleet's memory and CPUs, and no connection cut (that is
// byol remote's feature; Ansible has its own SSH).
export async function fleetScenarios(fleet: Fleet): Promise<Scenario[]> {
  const out: Scenario[] = [];
  for (const h of fleet.hosts) {
    const file = isAbsolute(h.scenario) ? h.scenario : join(repo, "fixtures", "scenarios", h.scenario);
    const { disconnectAt: _, ...s } = parseScenario(await readFile(file, "utf8"), file);
    out.push({ ...s, machine: { ...s.machine, memoryMiB: fleet.memoryMiB, cpus: fleet.cpus } });
  }
  return out;
}

export async function runFleet(opts: FleetOptions): Promise<Verdict> {
  const { fleet, outDir, log } = opts;
  const started = Date.now();
  const scenarios = await fleetScenarios(fleet);
  const waiting = new Map<string, { ctx: InstallContext; done: (o: Outcome) => void }>();
  let gone = 0;
  let play: Promise<Check[]> | undefined;
  let resolvePlay: (c: Check[]) => void = () => {};
  const playDone = new Promise<Check[]>((r) => {
    resolvePlay = r;
  });
  const timings: Record<string, number> = {};
  // once every host is booted (or has failed before its install), one playbook run installs those that wait
  const maybeStart = () => {
    if (play !== undefined || waiting.size + gone < fleet.hosts.length) return;
    if (waiting.size === 0) {
      play = Promise.resolve([{ name: "fleet: ansible-playbook", ok: false, detail: "no host got to its install" }]);
      play.then(resolvePlay);
      return;
    }
    const t = Date.now();
    play = runPlaybook(opts, waiting).then(
      (c) => c,
      (error: Error) => {
        for (const w of waiting.values()) w.done({ stdout: "", exitCode: -1 });
        return [{ name: "fleet: ansible-playbook", ok: false, detail: error.message }];
      },
    );
    play.then((c) => {
      timings["ansible"] = Date.now() - t;
      resolvePlay(c);
    });
  };

  const verdicts = await Promise.all(
    fleet.hosts.map(async (h, i) => {
      const hostLog = (line: string) => log(`[${h.name}] ${line}`);
      let joined = false;
      const verdict = await runScenario({
        scenario: scenarios[i]!,
        outDir: join(outDir, h.name),
        keep: opts.keep,
        log: hostLog,
        installer: (ctx, onStarted) =>
          new Promise<Outcome>((done) => {
            joined = true;
            onStarted();
            waiting.set(h.name, { ctx: { ...ctx, log: hostLog }, done });
            maybeStart();
          }),
      });
      if (!joined) {
        gone++;
        maybeStart();
      }
      return verdict;
    }),
  );
  const fleetChecks = play === undefined ? [] : await playDone;
  const checks: Check[] = [...fleetChecks];
  for (const [i, v] of verdicts.entries()) {
    const host = fleet.hosts[i]!.name;
    for (const c of v.checks) checks.push({ ...c, name: `${host}: ${c.name}` });
    for (const [k, ms] of Object.entries(v.timings)) timings[`${host}.${k}`] = ms;
  }
  timings["total"] = Date.now() - started;
  const verdict = makeVerdict(`fleet-${fleet.name}`, checks, timings, outDir);
  await writeFile(join(outDir, "verdict.json"), `${JSON.stringify(verdict, null, 2)}\n`).catch(() => {});
  return verdict;
}

// Writes the inventory, runs the playbook against every waiting host, hands each its outcome, and returns the
// fleet's own checks: the playbook ran to its end, each host's outcome is the one its scenario expects, the
// summary has a line per host, and every host's record (the failed one's too) was fetched.
async function runPlaybook(
  opts: FleetOptions,
  waiting: Map<string, { ctx: InstallContext; done: (o: Outcome) => void }>,
): Promise<Check[]> {
  const { outDir, log } = opts;
  const records = join(outDir, "records");
  await rm(records, { recursive: true, force: true });
  const hosts: FleetHost[] = [];
  let byol = "";
  for (const [name, { ctx }] of waiting) {
    byol = ctx.byol;
    hosts.push({
      name,
      sshPort: ctx.vm.sshPort,
      keyPath: ctx.vm.keyPath,
      knownHosts: join(outDir, "known_hosts"),
      request: JSON.parse(await readFile(join(ctx.outDir, "request.json"), "utf8")) as Record<string, unknown>,
    });
  }
  const inventory = join(outDir, "inventory.json");
  await writeFile(inventory, `${JSON.stringify(fleetInventory(hosts, { byol, report: REPORT_FILE }), null, 2)}\n`, {
    mode: 0o600,
  });
  const argv = ["-i", inventory, PLAYBOOK, "--forks", String(hosts.length), "-e", `byol_records_dir=${records}`];
  log(`fleet: ansible-playbook ${argv.join(" ")}`);
  const child = execa("ansible-playbook", argv, {
    reject: false,
    timeout: 60 * 60_000,
    env: {
      ANSIBLE_CONFIG: join(repo, "deploy", "ansible", "ansible.cfg"),
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_TIMEOUT: "60",
      ANSIBLE_LOCAL_TEMP: join(outDir, "ansible-tmp"),
      ANSIBLE_RETRY_FILES_ENABLED: "0",
    },
  });
  const lines = lineSplitter((line) => log(`[ansible] ${line}`));
  child.stdout?.on("data", (b: Buffer) => lines.push(b.toString()));
  const r = await child;
  lines.end();
  await writeFile(join(outDir, "ansible.log"), `${String(r.stdout ?? "")}\n${String(r.stderr ?? "")}`);

  const checks: Check[] = [];
  // 0: every host ok; 2: some host failed (the play went on); anything else: the playbook itself broke
  checks.push({
    name: "fleet: ansible-playbook",
    ok: r.exitCode === 0 || r.exitCode === 2,
    detail: `exit ${r.exitCode}${r.timedOut ? " (timed out after 60 min)" : ""}; ${hosts.length} host(s)`,
  });
  const summaries = new Map<string, HostSummary>();
  for (const [name, w] of waiting) {
    const file = join(records, name, "summary.json");
    try {
      const s = parseHostSummary(await readFile(file, "utf8"), file);
      summaries.set(name, s);
      w.done({ stdout: `${resultLineOf(s)}\n`, exitCode: s.exitCode });
    } catch (error) {
      checks.push({ name: `fleet: ${name} summary.json`, ok: false, detail: (error as Error).message });
      w.done({ stdout: "", exitCode: r.exitCode ?? -1 });
    }
  }
  const summaryText = await readFile(join(records, "summary.txt"), "utf8").catch(() => "");
  const lines2 = parseSummaryLines(summaryText);
  checks.push({
    name: "fleet: summary",
    ok: hosts.every((h) => lines2.some((l) => l.host === h.name && l.result === summaries.get(h.name)?.result)),
    detail: lines2.map((l) => `${l.host} ${l.result} ${l.seconds}s`).join("; ") || "no summary lines",
  });
  for (const [name, s] of summaries) checks.push(await recordCheck(name, s));
  return checks;
}

// The host's record was fetched into records/<host>/ and is the run the host reported.
async function recordCheck(name: string, s: HostSummary): Promise<Check> {
  const check = { name: `fleet: ${name} record collected (${s.result})` };
  if (s.record === "") return { ...check, ok: false, detail: "no record fetched" };
  try {
    await stat(s.record);
    const { summary } = await readRunRecord(s.record);
    const ok = summary.runId === s.runId && dirname(s.record).endsWith(`/${name}`);
    return { ...check, ok, detail: `${s.record}: run ${summary.runId}, exit ${summary.exitCode}` };
  } catch (error) {
    return { ...check, ok: false, detail: (error as Error).message };
  }
}
