// The checks of an installed system, judged from the sections collected over SSH (collect.ts) against what
// the request asked for (expected.ts). Pure: every check is a name, a verdict and a detail a person can act on.
import { createHash } from "node:crypto";
import type { Sections } from "./collect.ts";
import { judgeBootEntries, parseEfibootmgr } from "./efi.ts";
import type { ExpectedEntry, ExpectedSystem } from "./expected.ts";
import {
  type BlockNode,
  type MdArray,
  parseFindmnt,
  parseLsblk,
  parseLvs,
  parseMdstat,
  parseSwaps,
  parseZpoolStatus,
  pathsTo,
  type Zpool,
} from "./parsers.ts";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });

// A parser failure becomes a failed check naming the section, not a crash of the rig.
function guarded(name: string, fn: () => Check | Check[]): Check[] {
  try {
    const r = fn();
    return Array.isArray(r) ? r : [r];
  } catch (error) {
    return [check(name, false, `could not read the output: ${(error as Error).message}`)];
  }
}

export interface SystemCheckOptions {
  /** BYOI's efiBootloaderPath: the booted entry must name exactly this loader. */
  efiBootloaderPath?: string;
}

// Every check of the booted system, in a stable order.
export function systemChecks(expected: ExpectedSystem, s: Sections, opts: SystemCheckOptions = {}): Check[] {
  const out: Check[] = [];
  const firmware = s["firmware"] ?? "";
  out.push(check("firmware", firmware === expected.firmware, `booted with ${firmware || "?"} firmware`));
  if (expected.hostname !== undefined) out.push(hostnameCheck(expected.hostname, s["hostname"] ?? ""));
  out.push(...guarded("layout", () => layoutChecks(expected, s)));
  out.push(cloudInitCheck(s["cloud-init"] ?? ""));
  out.push(datasourceCheck(s["cloud-init-status"] ?? ""));
  if (expected.userData !== undefined) out.push(userDataCheck(expected.userData, s["user-data"] ?? ""));
  if (expected.sshKey !== undefined) out.push(sshKeyCheck(expected.sshKey, s["authorized-keys"] ?? ""));
  if (expected.firmware === "uefi") {
    out.push(
      ...guarded("efi boot entry", () => {
        const v = judgeBootEntries(
          parseEfibootmgr(s["efibootmgr"] ?? ""),
          parseLsblk(s["lsblk"] ?? ""),
          opts.efiBootloaderPath,
        );
        return check("efi boot entry", v.ok, v.detail);
      }),
    );
  }
  return out;
}

// cloud-init sets the short name of an FQDN as the hostname.
export function hostnameCheck(want: string, got: string): Check {
  const short = want.split(".")[0];
  const ok = got === want || got === short;
  return check("hostname", ok, ok ? got : `expected ${want}, the system says ${JSON.stringify(got)}`);
}

export function layoutChecks(expected: ExpectedSystem, s: Sections): Check[] {
  const mounts = parseFindmnt(s["findmnt"] ?? "");
  const tree = parseLsblk(s["lsblk"] ?? "");
  const md = parseMdstat(s["mdstat"] ?? "");
  const lvs = parseLvs(s["lvs"] ?? "");
  const pools = parseZpoolStatus(s["zpool"] ?? "");
  const out: Check[] = [];
  if (expected.entries.length === 0) {
    const root = mounts.find((m) => m.target === "/");
    out.push(check("mount /", root !== undefined, root ? `${root.source} ${root.fstype}` : "/ is not mounted"));
    return out;
  }
  for (const e of expected.entries.filter((x) => x.fileSystem !== "swap")) {
    const m = mounts.find((x) => x.target === e.mountPoint);
    const ok = m !== undefined && m.fstype === e.fileSystem;
    const detail = m === undefined ? "not mounted" : `${m.source} ${m.fstype}${ok ? "" : `, expected ${e.fileSystem}`}`;
    out.push(check(`mount ${e.mountPoint}`, ok, detail));
    if (e.fileSystem === "zfs") {
      out.push(zfsPoolCheck(e, m?.source, pools, expected.diskCount));
      out.push(zfsWriteCheck(e.mountPoint, s["zfs-write"] ?? ""));
      continue;
    }
    const paths = pathsTo(tree, (n) => n.mountpoint === e.mountPoint || (m !== undefined && n.name === m.source));
    if (e.raidLevel !== undefined) out.push(raidCheck(e, paths, md, expected.diskCount));
    if (e.lvName !== undefined) out.push(lvmCheck(e, paths, lvs));
  }
  const swapEntries = expected.entries.filter((x) => x.fileSystem === "swap");
  if (swapEntries.length > 0) {
    const want = swapEntries.reduce((n, e) => n + e.swapDevices, 0);
    const swaps = parseSwaps(s["swaps"] ?? "");
    const list = swaps.map((w) => w.device).join(" ") || "none";
    out.push(check("swap", swaps.length >= want, `${swaps.length} active (expected ${want}): ${list}`));
    for (const e of swapEntries.filter((x) => x.raidLevel !== undefined)) {
      const paths = pathsTo(tree, (n) => swaps.some((w) => w.device === n.name));
      out.push(raidCheck(e, paths, md, expected.diskCount));
    }
  }
  return out;
}

// The entry's device stack holds an md array of the level, active in /proc/mdstat, over the expected disks.
export function raidCheck(e: ExpectedEntry, paths: BlockNode[][], md: MdArray[], diskCount: number): Check {
  const name = `raid ${e.mountPoint}`;
  const level = `raid${e.raidLevel}`;
  const mdNodes = paths.flatMap((p) => p.filter((n) => n.type === level));
  const mdName = mdNodes[0]?.name;
  if (mdName === undefined) {
    const types = [...new Set(paths.flatMap((p) => p.map((n) => n.type)))].join(" > ") || "no device found";
    return check(name, false, `no ${level} under ${e.mountPoint} (${types})`);
  }
  const disks = new Set(paths.filter((p) => p.some((n) => n.name === mdName)).map((p) => p[0]!.name));
  const array = md.find((a) => `/dev/${a.name}` === mdName || mdName.endsWith(`/${a.name}`));
  if (array === undefined) return check(name, false, `${mdName} is not in /proc/mdstat`);
  const problems: string[] = [];
  if (!array.active) problems.push("inactive");
  if (array.level !== level) problems.push(`level ${array.level}`);
  if (array.degraded && array.syncing === undefined) problems.push("degraded");
  if (disks.size !== diskCount) problems.push(`on ${disks.size} disks, expected ${diskCount}`);
  const sync = array.syncing ? ` (${array.syncing})` : "";
  const detail = `${array.name} ${array.level} ${array.status}${sync} on ${[...disks].join(" ")}`;
  return check(name, problems.length === 0, problems.length ? `${problems.join(", ")}: ${detail}` : detail);
}

// OVH's raidLevel → the vdev zpool status shows: 0 striped (each disk its own vdev), 1 mirror, 5/6/7 raidz1/2/3.
const ZFS_VDEV: Record<number, string> = { 0: "disk", 1: "mirror", 5: "raidz1", 6: "raidz2", 7: "raidz3" };

// The dataset mounted at the entry's mount point lives in a pool (the one named in the request, if it is),
// ONLINE, whose data vdevs have the level's layout over the expected number of disks, every device ONLINE.
export function zfsPoolCheck(
  e: ExpectedEntry,
  source: string | undefined,
  pools: readonly Zpool[],
  diskCount: number,
): Check {
  const name = `zfs pool ${e.mountPoint}`;
  if (source === undefined) return check(name, false, `${e.mountPoint} is not mounted`);
  const poolName = source.split("/")[0]!;
  const pool = pools.find((p) => p.name === poolName);
  if (pool === undefined) {
    const known = pools.map((p) => p.name).join(" ") || "none";
    return check(name, false, `zpool status has no pool ${poolName} (pools: ${known})`);
  }
  const want = ZFS_VDEV[e.raidLevel ?? 1] ?? `raidLevel ${e.raidLevel}`;
  const problems: string[] = [];
  if (e.zfsPool !== undefined && poolName !== e.zfsPool) problems.push(`pool ${poolName}, expected ${e.zfsPool}`);
  if (pool.state !== "ONLINE") problems.push(`pool ${pool.state}`);
  const devices = pool.vdevs.flatMap((v) => v.devices);
  if (want === "disk") {
    if (pool.vdevs.some((v) => v.type !== "disk")) problems.push("not striped over plain devices");
  } else if (pool.vdevs.length !== 1 || pool.vdevs[0]!.type !== want) {
    problems.push(`expected one ${want} vdev`);
  }
  if (devices.length !== diskCount) problems.push(`${devices.length} devices, expected ${diskCount}`);
  const offline = [...pool.vdevs, ...devices].filter((d) => d.state !== "ONLINE");
  if (offline.length > 0) problems.push(`not ONLINE: ${offline.map((d) => ("name" in d ? d.name : d.type)).join(" ")}`);
  const layout = pool.vdevs
    .map((v) =>
      v.type === "disk"
        ? `${v.devices[0]?.name} ${v.state}`
        : `${v.type} ${v.state} (${v.devices.map((d) => `${d.name} ${d.state}`).join(", ")})`,
    )
    .join("; ");
  const detail = `${pool.name} ${pool.state}: ${layout}`;
  return check(name, problems.length === 0, problems.length ? `${problems.join(", ")}: ${detail}` : detail);
}

// The collect script wrote, read back and removed a file on each mounted ZFS file system.
export function zfsWriteCheck(mountPoint: string, text: string): Check {
  const line = text.split("\n").find((l) => l.slice(0, l.lastIndexOf(" ")) === mountPoint);
  const ok = line?.endsWith(" ok") === true;
  return check(`zfs writable ${mountPoint}`, ok, line ?? `${mountPoint} is no mounted ZFS file system`);
}

// The entry's device is a logical volume of that name, and lvs lists it.
export function lvmCheck(e: ExpectedEntry, paths: BlockNode[][], lvs: { lv: string; vg: string }[]): Check {
  const name = `lvm ${e.mountPoint}`;
  const lvNode = paths.flatMap((p) => p.filter((n) => n.type === "lvm"))[0];
  const row = lvs.find((l) => l.lv === e.lvName);
  if (lvNode === undefined) return check(name, false, `${e.mountPoint} is not on a logical volume`);
  if (row === undefined)
    return check(name, false, `lvs has no volume ${e.lvName} (has ${lvs.map((l) => l.lv).join(" ")})`);
  const under = paths.find((p) => p.includes(lvNode));
  const pv = under?.[under.indexOf(lvNode) - 1];
  const ok = lvNode.name.endsWith(`-${e.lvName}`);
  return check(name, ok, `${row.vg}/${row.lv} (${lvNode.name}) on ${pv ? `${pv.name} ${pv.type}` : "?"}`);
}

// `cloud-init status --long` after `--wait`: done, with no error.
export function cloudInitCheck(text: string): Check {
  const status = /^status:\s*(\S+)/m.exec(text)?.[1] ?? "unknown";
  const exit = /^exit=(\d+)/m.exec(text)?.[1];
  const ok = status === "done" && exit === "0";
  const detail = text
    .replace(/\n?exit=\d+\s*$/, "")
    .replace(/\s*\n\s*/g, "; ")
    .slice(0, 600);
  return check("cloud-init", ok, `${detail} (exit ${exit ?? "?"})`);
}

// /run/cloud-init/status.json names the datasource cloud-init used: it must be our config drive.
export function datasourceCheck(statusJson: string): Check {
  let datasource: unknown;
  try {
    datasource = (JSON.parse(statusJson) as { v1?: { datasource?: unknown } }).v1?.datasource;
  } catch {
    return check(
      "cloud-init datasource",
      false,
      `no readable /run/cloud-init/status.json: ${statusJson.slice(0, 200)}`,
    );
  }
  const text = String(datasource ?? "none");
  return check("cloud-init datasource", /ConfigDrive/.test(text), text);
}

// cloud-init kept exactly the user data of the request (so it came from our config drive, unaltered).
export function userDataCheck(userData: string, sha256sumLine: string): Check {
  const want = createHash("sha256").update(userData).digest("hex");
  const got = sha256sumLine.split(/\s+/)[0] ?? "";
  const ok = got === want;
  return check(
    "user-data",
    ok,
    ok
      ? `cloud-init has the request's user data (sha256 ${want.slice(0, 12)})`
      : `sha256 ${got || sha256sumLine}, expected ${want}`,
  );
}

// root's authorized_keys holds the request's key (compared on its type and base64 body, not its comment).
export function sshKeyCheck(sshKey: string, authorizedKeys: string): Check {
  const body = sshKey.split(/\s+/).slice(0, 2).join(" ");
  const ok = authorizedKeys.split("\n").some((l) => l.includes(body));
  return check(
    "ssh key",
    ok,
    ok ? "root's authorized_keys has the request's key" : "the request's key is not in root's authorized_keys",
  );
}

// An expect.commands entry: its output (stdout and stderr) contains the text.
export function commandCheck(run: string, contains: string, r: { exitCode: number; output: string }): Check {
  const ok = r.output.includes(contains);
  const tail = r.output.trim().split("\n").slice(-3).join(" | ").slice(0, 300);
  return check(
    `command: ${run}`,
    ok,
    `${ok ? "contains" : "lacks"} ${JSON.stringify(contains)} (exit ${r.exitCode}): ${tail}`,
  );
}

// cloud-init's last word on the serial console: "Cloud-init v. 22.4.2 finished at ...".
export function finalMessage(consoleText: string): string | undefined {
  return /Cloud-init v\. \S+ finished at [^\r\n]*/.exec(consoleText)?.[0];
}

// expect.firstMiB "no-gpt": after a failed BYOI install the disk's first MiB must not be a bootable
// GPT: no "EFI PART" header at LBA 1 (512- or 4096-byte sectors) and no protective MBR (a 0xEE entry
// behind the 0x55AA signature). The image's own first MiB is written only once its checksum matched.
export function firstMiBCheck(disk: string, first: Uint8Array): Check {
  const found: string[] = [];
  const text = (at: number) => Buffer.from(first.subarray(at, at + 8)).toString("latin1");
  for (const sector of [512, 4096]) {
    if (first.length >= sector + 8 && text(sector) === "EFI PART")
      found.push(`GPT header at LBA 1 (${sector}-byte sectors)`);
  }
  if (first.length >= 512 && first[510] === 0x55 && first[511] === 0xaa) {
    for (let e = 0; e < 4; e++) if (first[446 + 16 * e + 4] === 0xee) found.push(`protective MBR entry ${e + 1}`);
  }
  const zero = first.every((b) => b === 0);
  const detail =
    found.length > 0 ? `found ${found.join(", ")}` : zero ? "all zero" : "no GPT header, no protective MBR";
  return check(`first MiB is no bootable GPT ${disk}`, found.length === 0, detail);
}
