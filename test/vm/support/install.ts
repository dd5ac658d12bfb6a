// Helpers of the disk-step VM tests (run inside the rescue VM by npm run test:vm): the VM's
// disks and groups, running the real `byol` CLI, reading back what it made, and checking
// that the target disks are clean again. Everything here runs real tools on real (virtual) disks.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const SKIP = process.env["BYOL_VM"] === "1" ? false : "only inside the rescue VM (npm run test:vm)";
// The repo is shared read-only over 9p with the guest caching it. The CLI under test is the
// bundle shipped to rescue systems (dist/byol.mjs, built by npm run test:vm), copied once per
// VM run onto the VM's tmpfs: plain JavaScript, so no type stripping and no 9p reads while
// it runs (running agent/main.ts from the share made V8 abort now and then in CI).
export const BYOL = bundleCopy("/opt/byol/dist/byol.mjs", "/run/byol-vmtest.mjs");

function bundleCopy(bundle: string, copy: string): string {
  if (process.env["BYOL_VM"] !== "1" || existsSync(copy)) return copy;
  assert.ok(existsSync(bundle), `${bundle} is missing: npm run test:vm builds it (npm run build)`);
  const tmp = `${copy}.${process.pid}`;
  cpSync(bundle, tmp);
  renameSync(tmp, copy);
  return copy;
}
export const WORK = "/tmp/byol-vmtest";

// Secrets every request carries; none may reach the journal, the log or the events.
export const AUTH = "Basic YnlvbDp2bS10ZXN0LWhlYWRlci1zZWNyZXQ="; // byol:vm-test-header-secret
export const URL_PASSWORD = "vm-test-url-secret";
export const USER_DATA_MARKER = "vm-test-user-data-secret";
export const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ5b2wtdGVzdC1rZXktbm90LXJlYWwtMDAwMDAwMDA byol@vmtest";

export interface VmDisk {
  serial: string;
  guestDevice: string;
  sizeBytes: number;
  logicalBlockSize: number;
  removable?: boolean; // a USB stick (test/vm/machine.json "bus": "usb"): never a target
}

export function vmDisks(): VmDisk[] {
  return JSON.parse(process.env["BYOL_VM_DISKS"] ?? "[]") as VmDisk[];
}

// Disk groups as byol counts them: identical size and sector size, numbered by first disk;
// removable disks never join one.
export function diskGroup(id: number): string[] {
  const groups = new Map<string, string[]>();
  for (const d of vmDisks().filter((disk) => !disk.removable)) {
    const key = `${d.sizeBytes}|${d.logicalBlockSize}`;
    groups.set(key, [...(groups.get(key) ?? []), d.guestDevice]);
  }
  const group = [...groups.values()][id - 1];
  assert.ok(group, `test/vm/machine.json has a disk group ${id}`);
  return group;
}

export interface Sh {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function sh(cmd: string, args: string[], env?: Record<string, string>): Sh {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  // A command that could not run, or died of a signal, says so in stderr (status is then null).
  const why =
    r.error !== undefined
      ? `\n[${cmd}: ${r.error.message}]`
      : r.signal !== null
        ? `\n[${cmd}: killed by ${r.signal}]`
        : "";
  return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + why };
}

// The command's stdout; fails the test with its stderr when it does not exit 0.
export function must(cmd: string, args: string[], env?: Record<string, string>): string {
  const r = sh(cmd, args, env);
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

// The storage of a RAID layout with LVM on top, over the first `disks` disks of group 1: /boot on RAID1,
// / on an LV on RAID `rootLevel`; every kind of holder that cleanup has to release.
export function raidLvmStorage(disks: number, rootLevel: number, bootMiB: number): unknown[] {
  return [
    {
      diskGroupId: 1,
      partitioning: {
        disks,
        layout: [
          { mountPoint: "/boot", fileSystem: "ext4", size: bootMiB, raidLevel: 1 },
          { mountPoint: "/", fileSystem: "ext4", size: 0, raidLevel: rootLevel, extras: { lv: { name: "root" } } },
        ],
      },
    },
  ];
}

// An OVH reinstall payload with every kind of secret in it.
export function request(storage: unknown[], hostname: string): object {
  return {
    operatingSystem: "byolinux_64",
    customizations: {
      hostname,
      imageURL: `http://byol:${URL_PASSWORD}@10.0.2.100/images/debian12.qcow2`,
      imageType: "qcow2",
      httpHeaders: { Authorization: AUTH },
      sshKey: SSH_KEY,
      configDriveUserData: Buffer.from(`#cloud-config\nruncmd:\n  - echo ${USER_DATA_MARKER}\n`).toString("base64"),
      configDriveMetadata: { test: hostname },
    },
    storage,
  };
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: Record<string, unknown>[];
  runDir: string;
}

export type OnEvent = (event: Record<string, unknown>, kill: (signal: NodeJS.Signals) => void) => void;

// Runs the byol CLI with `args` (a --json command): its events as they come (`onEvent` may kill it), its output and how it ended.
export async function spawnByol(args: readonly string[], onEvent?: OnEvent): Promise<Omit<Run, "runDir">> {
  const child = spawn(process.execPath, [BYOL, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const kill = (signal: NodeJS.Signals) => child.kill(signal);
  let stdout = "";
  let stderr = "";
  let pending = "";
  const events: Record<string, unknown>[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      onEvent?.(event, kill);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("close", (c, s) => resolve([c, s])),
  );
  return { code, signal, stdout, stderr, events };
}

// Writes the request (0600) into a fresh `dir` and returns its path.
export function requestIn(dir: string, body: object): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const requestFile = join(dir, "request.json");
  writeFileSync(requestFile, JSON.stringify(body), { mode: 0o600 });
  return requestFile;
}

// Runs `byol install --stop-after disks --json` on a request; `onEvent` may kill it.
export async function install(
  name: string,
  body: object,
  onEvent?: OnEvent,
  extraArgs: readonly string[] = [],
): Promise<Run> {
  const dir = join(WORK, name);
  const requestFile = requestIn(dir, body);
  const runDir = join(dir, "run");
  const args = ["install", "--request", requestFile, "--stop-after", "disks", "--json", "--no-reboot", ...extraArgs];
  return { ...(await spawnByol([...args, "--run-dir", runDir], onEvent)), runDir };
}

// Asserts a successful --stop-after disks run: every step started and finished, result ok.
export function assertDone(run: Run): void {
  const result = run.events.at(-1);
  assert.deepEqual(result?.["phase"], "result", `last line is the result; stderr: ${run.stderr}`);
  assert.equal(result?.["ok"], true, `result: ${JSON.stringify(result)}; stderr: ${run.stderr}`);
  assert.equal(run.code, 0);
  const started = run.events.filter((e) => e["phase"] === "start").map((e) => e["step"]);
  const done = run.events.filter((e) => e["phase"] === "done").map((e) => e["step"]);
  assert.deepEqual(done, started);
  assert.ok(started.includes("wipe") && started.includes("config-drive"), `steps: ${started.join(" ")}`);
}

// The journal lists every command with its exit code and duration; no secret is anywhere in the run's records.
export function assertRunRecords(run: Run): void {
  const journal = readFileSync(join(run.runDir, "journal.jsonl"), "utf8");
  const entries = journal
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(entries.length > 5, "the journal has the run's commands");
  for (const e of entries) {
    assert.ok(Array.isArray(e["argv"]) && (e["argv"] as unknown[]).length > 0, `argv in ${JSON.stringify(e)}`);
    assert.ok(typeof e["exitCode"] === "number" || e["signal"] !== undefined, `exitCode in ${JSON.stringify(e)}`);
    assert.equal(typeof e["durationMs"], "number", `durationMs in ${JSON.stringify(e)}`);
    assert.equal(typeof e["step"], "string");
  }
  const records: Record<string, string> = {
    "journal.jsonl": journal,
    "byol.log": readFileSync(join(run.runDir, "byol.log"), "utf8"),
    "events.jsonl": readFileSync(join(run.runDir, "events.jsonl"), "utf8"),
    stdout: run.stdout,
    stderr: run.stderr,
  };
  const token = AUTH.split(" ")[1] as string;
  for (const [name, text] of Object.entries(records)) {
    for (const secret of [AUTH, token, URL_PASSWORD, USER_DATA_MARKER]) {
      assert.ok(!text.includes(secret), `${name} contains the secret ${secret.slice(0, 6)}…`);
    }
  }
}

export function cleanup(run: Pick<Run, "runDir">): Sh {
  return sh(process.execPath, [BYOL, "cleanup", "--run-dir", run.runDir]);
}

// Nothing mounted under /tmp/a, no md array, no partition and no partition table on `disks`.
export function assertClean(disks: readonly string[]): void {
  sh("udevadm", ["settle"]);
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .filter((l) => / \/tmp\/a[/ ]/.test(l));
  assert.deepEqual(mounts, [], "nothing is mounted under /tmp/a");
  const arrays = readFileSync("/proc/mdstat", "utf8")
    .split("\n")
    .filter((l) => /^md/.test(l));
  assert.deepEqual(arrays, [], "no md array is assembled");
  for (const disk of disks) {
    const tree = JSON.parse(must("lsblk", ["-J", "-o", "NAME", disk])) as { blockdevices: { children?: unknown[] }[] };
    assert.equal(tree.blockdevices[0]?.children, undefined, `${disk} has no partitions or holders`);
    assert.deepEqual(gpt(disk), [], `${disk}: sgdisk -p lists no partition`);
    const pt = sh("blkid", ["-p", "-o", "value", "-s", "PTTYPE", disk]).stdout.trim();
    assert.equal(pt, "", `${disk} has no partition table`);
  }
}

export interface GptRow {
  number: number;
  code: string;
  name: string;
}

// The partitions sgdisk -p lists.
export function gpt(disk: string): GptRow[] {
  const rows: GptRow[] = [];
  for (const line of must("sgdisk", ["-p", disk]).split("\n")) {
    const m = /^\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+ \S+\s+(\S+)\s*(.*)$/.exec(line);
    if (m === null) continue;
    rows.push({ number: Number(m[1]), code: m[4] as string, name: (m[5] ?? "").trim() });
  }
  return rows;
}

export function sectorSize(disk: string): number {
  const m = /Sector size \(logical\/physical\): (\d+)\//.exec(must("sgdisk", ["-p", disk]));
  return Number(m?.[1]);
}

// mdadm --detail, the fields the tests assert.
export function mdDetail(device: string): { level: string; devices: string[]; version: string } {
  const text = must("mdadm", ["--detail", device]);
  const field = (name: string) => new RegExp(`^\\s*${name} : (.*)$`, "m").exec(text)?.[1]?.trim() ?? "";
  const devices = [...text.matchAll(/(\/dev\/vd[a-z]\d+)\s*$/gm)].map((m) => m[1] as string).sort();
  return { level: field("Raid Level"), devices, version: field("Version") };
}

export function blkid(device: string, tag: string): string {
  return sh("blkid", ["-p", "-o", "value", "-s", tag, device]).stdout.trim();
}

export function findmnt(target: string): { source: string; fstype: string } | undefined {
  const r = sh("findmnt", ["-J", "-n", "-o", "SOURCE,FSTYPE", "--mountpoint", target]);
  if (r.status !== 0) return undefined;
  return (JSON.parse(r.stdout) as { filesystems: { source: string; fstype: string }[] }).filesystems[0];
}

export interface ConfigDrive {
  files: string[];
  metadata: Record<string, unknown>;
  userdata: string;
  networkdata: { links: { ethernet_mac_address: string }[]; networks: { type: string }[] };
  network: { config: { type: string; mac_address?: string; subnets?: { type: string }[] }[] };
}

// The config drive read back without a mount (mcopy), then parsed by cloud-init's own ConfigDrive reader.
export function readConfigDrive(device: string): ConfigDrive {
  const dir = join(WORK, "config-drive");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const mtools = { MTOOLS_SKIP_CHECK: "1" };
  const listing = must("mdir", ["-/", "-b", "-i", device, "::/"], mtools);
  must("mcopy", ["-s", "-n", "-i", device, "::/openstack", dir], mtools);
  const python = `
import json, sys
from cloudinit.sources.DataSourceConfigDrive import read_config_drive
from cloudinit.sources.helpers.openstack import convert_net_json
r = read_config_drive(sys.argv[1])
ud = r.get("userdata")
print(json.dumps({
  "metadata": r["metadata"],
  "userdata": ud.decode() if isinstance(ud, bytes) else ud,
  "networkdata": r.get("networkdata"),
  "network": convert_net_json(r.get("networkdata")),
}, default=str))
`;
  const parsed = JSON.parse(must("python3", ["-c", python, dir])) as Omit<ConfigDrive, "files">;
  return {
    files: listing
      .trim()
      .split("\n")
      .map((l) => l.trim()),
    ...parsed,
  };
}

// Asserts what cloud-init reads from the config drive of a run made with request(…, hostname).
export function assertConfigDrive(device: string, hostname: string): void {
  assert.equal(blkid(device, "LABEL").toLowerCase(), "config-2");
  assert.equal(blkid(device, "TYPE"), "vfat");
  const cd = readConfigDrive(device);
  assert.ok(cd.files.includes("::/openstack/latest/meta_data.json"), cd.files.join("\n"));
  assert.match(String(cd.metadata["uuid"]), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(cd.metadata["hostname"], hostname);
  assert.deepEqual(cd.metadata["public_keys"], { default: SSH_KEY });
  assert.deepEqual(cd.metadata["meta"], { test: hostname });
  assert.equal(cd.userdata, `#cloud-config\nruncmd:\n  - echo ${USER_DATA_MARKER}\n`);
  const mac = readFileSync("/sys/class/net/eth0/address", "utf8").trim();
  assert.ok(
    cd.networkdata.links.some((l) => l.ethernet_mac_address === mac),
    "eth0 is a link",
  );
  const phy = cd.network.config.find((c) => c.mac_address === mac);
  assert.deepEqual(phy?.subnets?.[0]?.type, "dhcp4", "cloud-init configures DHCPv4 on eth0");
}

// Best effort: whatever a failed earlier case left, gone, so one failure does not cascade.
export function scrub(disks: readonly string[]): void {
  sh("umount", ["-R", "/tmp/a"]);
  sh("vgchange", ["-an"]);
  sh("udevadm", ["control", "--stop-exec-queue"]); // or udev re-assembles what is stopped here
  for (const line of readFileSync("/proc/mdstat", "utf8").split("\n")) {
    const md = /^(md\S+)/.exec(line)?.[1];
    if (md !== undefined) sh("mdadm", ["--stop", `/dev/${md}`]);
  }
  for (const disk of disks) {
    for (const part of partitionsOf(disk)) {
      sh("mdadm", ["--zero-superblock", "--force", part]);
      sh("wipefs", ["-a", "-f", part]);
    }
    sh("wipefs", ["-a", "-f", disk]);
    sh("sgdisk", ["-Z", disk]);
  }
  sh("udevadm", ["control", "--start-exec-queue"]);
  sh("udevadm", ["settle"]);
}

function partitionsOf(disk: string): string[] {
  const name = disk.slice("/dev/".length);
  const dir = `/sys/block/${name}`;
  if (!existsSync(dir)) return [];
  return sh("ls", [dir])
    .stdout.split("\n")
    .filter((n) => n.startsWith(name) && n !== name)
    .map((n) => `/dev/${n}`);
}

// One install at a time in this VM: they share /tmp/a and the disks.
export async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const lock = "/run/byol-vmtest.lock";
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
