// The second boot of a rig machine: the same disk files, serials, block sizes and OVMF variable store as the
// rescue boot, but no kernel given, so the firmware must find the installed system itself (UEFI: the NVRAM
// boot entries byol wrote; BIOS: the MBR). SSH goes to the installed system with the request's key.
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { track } from "../vm/cleanup.ts";
import { consoleTail } from "../vm/console-log.ts";
import { freePort } from "../vm/ports.ts";
import { netdevOption, type QemuDisk } from "../vm/qemu.ts";
import { type ExecOptions, type ExecResult, sshExec } from "../vm/ssh.ts";
import { within } from "../vm/within.ts";

export interface DiskBootSpec {
  firmware: "uefi" | "bios";
  ovmf?: { code: string; vars: string };
  memoryMiB: number;
  cpus: number;
  disks: readonly QemuDisk[];
  sshPort: number;
  consoleLog: string;
  pidFile: string;
}

// QEMU's argv for a boot from disk. The NIC has no option ROM, so SeaBIOS goes to the disk rather than
// trying iPXE first; OVMF still has its own network boot entries, which byol's boot order must come after.
export function diskBootArgs(spec: DiskBootSpec): string[] {
  for (const p of [spec.consoleLog, spec.pidFile, ...spec.disks.map((d) => d.path)]) {
    if (p.includes(",")) throw new Error(`rig: path must not contain a comma: ${p}`);
  }
  if (spec.firmware === "uefi" && spec.ovmf === undefined) throw new Error("rig: uefi needs the OVMF code and vars");
  const args = ["-accel", "tcg", "-machine", "q35", "-cpu", "max", "-smp", String(spec.cpus)];
  args.push("-m", `${spec.memoryMiB}M`, "-nodefaults", "-display", "none", "-no-reboot", "-rtc", "base=utc");
  args.push("-chardev", `file,id=con0,path=${spec.consoleLog}`, "-serial", "chardev:con0", "-monitor", "none");
  args.push("-pidfile", spec.pidFile);
  if (spec.firmware === "uefi" && spec.ovmf !== undefined) {
    args.push("-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${spec.ovmf.code}`);
    args.push("-drive", `if=pflash,format=raw,unit=1,file=${spec.ovmf.vars}`);
  }
  spec.disks.forEach((d, i) => {
    args.push("-drive", `file=${d.path},if=none,id=d${i},format=${d.format},cache=unsafe,discard=unmap`);
    const blocks = d.logicalBlockSize === 4096 ? ",logical_block_size=4096,physical_block_size=4096" : "";
    args.push("-device", `virtio-blk-pci,drive=d${i},serial=${d.serial}${blocks}`);
  });
  args.push("-netdev", netdevOption({ sshPort: spec.sshPort, guestForwards: [] }));
  args.push("-device", "virtio-net-pci,netdev=n0,romfile=", "-device", "virtio-rng-pci");
  return args;
}

// Console lines worth showing while the installed system boots (firmware choice, GRUB, kernel, cloud-init),
// cut to start at what matched: GRUB's menu redraws a whole screen without a line break.
export function milestones(consoleText: string): string[] {
  const wanted =
    /BdsDxe: (loading|starting)|Booting from Hard Disk|Booting `|Linux version|Cloud-init v\. .*(running|finished)|login:|Kernel panic|No bootable device|grub rescue/;
  const out: string[] = [];
  for (const raw of consoleText.replaceAll("\r", "").split("\n")) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are what is removed
    const line = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, " ");
    const m = wanted.exec(line);
    if (m === null) continue;
    const from = /^\s*\[\s*\d+\.\d+\]/.test(line) || m[0] === "login:" ? 0 : m.index;
    out.push(line.slice(from).replace(/\s+/g, " ").trim().slice(0, 140));
  }
  return out;
}

export interface DiskVm extends AsyncDisposable {
  sshPort: number;
  consoleLog: string;
  /** Power-on to SSH answering with the request's key. */
  bootMs: number;
  exec(argv: readonly string[] | string, opts?: ExecOptions): Promise<ExecResult>;
  poweroff(timeoutMs?: number): Promise<void>;
}

export interface DiskBootOptions extends Omit<DiskBootSpec, "sshPort"> {
  keyPath: string;
  /** Default 8 minutes. */
  sshTimeoutMs?: number;
  log: (line: string) => void;
}

// Boots the disks and resolves once SSH answers; kills QEMU (and explains why, with the console tail) on failure.
export async function bootFromDisks(opts: DiskBootOptions): Promise<DiskVm> {
  const sshPort = await freePort();
  await rm(opts.consoleLog, { force: true });
  const args = diskBootArgs({ ...opts, sshPort });
  const started = Date.now();
  opts.log(`disk boot: starting QEMU (${opts.firmware}, no kernel given, ssh on 127.0.0.1:${sshPort})`);
  const qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  qemu.stderr?.on("data", (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const exited = new Promise<void>((res) => qemu.once("exit", () => res()));
  const untrack = track({ kill: () => qemu.kill("SIGKILL"), paths: [] });
  const running = () => qemu.exitCode === null && qemu.signalCode === null;
  const kill = async () => {
    if (running()) qemu.kill("SIGKILL");
    await exited;
    untrack();
  };
  const target = { port: sshPort, keyPath: opts.keyPath };

  const deadline = started + (opts.sshTimeoutMs ?? 8 * 60_000);
  let shown = 0;
  try {
    for (;;) {
      const text = await readFile(opts.consoleLog, "utf8").catch(() => "");
      const lines = milestones(text);
      for (const l of lines.slice(shown)) opts.log(`  [${Math.round((Date.now() - started) / 1000)} s] ${l}`);
      shown = lines.length;
      if (!running()) throw new Error(`QEMU exited (${qemu.exitCode ?? qemu.signalCode})`);
      if (Date.now() > deadline)
        throw new Error(`no SSH after ${((opts.sshTimeoutMs ?? 480_000) / 1000).toFixed(0)} s`);
      if (/ login:|Cloud-init v\./.test(text) || Date.now() - started > 60_000) {
        const r = await sshExec(target, "true", { timeoutMs: 20_000 });
        if (r.exitCode === 0) break;
      }
      await sleep(2000);
    }
  } catch (error) {
    await kill();
    throw new Error(
      `disk boot: ${(error as Error).message}\n--- qemu stderr ---\n${stderr.trim() || "(empty)"}\n` +
        `--- console tail (${opts.consoleLog}) ---\n${await consoleTail(opts.consoleLog)}`,
    );
  }
  const bootMs = Date.now() - started;
  opts.log(`disk boot: SSH as root with the request's key after ${(bootMs / 1000).toFixed(1)} s`);
  return {
    sshPort,
    consoleLog: opts.consoleLog,
    bootMs,
    exec: (argv, execOpts) => sshExec(target, argv, execOpts),
    async poweroff(timeoutMs = 60_000) {
      if (running()) await sshExec(target, "systemctl poweroff", { timeoutMs: 15_000 });
      if ((await within(exited, timeoutMs)) === "timeout") opts.log("disk boot: no power-off, killing QEMU");
      await kill();
    },
    [Symbol.asyncDispose]: kill,
  };
}
