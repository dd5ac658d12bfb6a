// Boots the byol rescue system in QEMU (TCG) with scratch target disks, and runs commands in it over SSH.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureRescueImage, type RescueImage } from "../rescue/build.ts";
import { track } from "./cleanup.ts";
import { rescueCmdline } from "./cmdline.ts";
import { consoleHas, consoleTail } from "./console-log.ts";
import { createDisks, type DiskRequest, planDisks, type ScratchDisk } from "./disks.ts";
import { ovmfFor } from "./ovmf.ts";
import { freePort } from "./ports.ts";
import { type GuestForward, qemuArgs } from "./qemu.ts";
import { type ExecOptions, type ExecResult, makeKeyPair, sshExec } from "./ssh.ts";
import { within } from "./within.ts";

export const READY_MARKER = "BYOL-AGENT-READY";

/** A host directory the guest mounts read-only over 9p. */
export interface ShareRequest {
  hostPath: string;
  tag: string;
  /** Where the guest mounts it. Default /opt/<tag>. */
  guestPath?: string;
}

export interface BootOptions {
  /** Target disks, in order: the guest sees them as vdb, vdc, ... (vda is the rescue root). */
  disks: readonly DiskRequest[];
  firmware: "uefi" | "bios";
  /** Default 2048. */
  memoryMiB?: number;
  /** Default 2. */
  cpus?: number;
  shares?: readonly ShareRequest[];
  /** Guest addresses forwarded to host ports on 127.0.0.1, e.g. an image server at 10.0.2.100:80. */
  guestForwards?: readonly GuestForward[];
  /** The VM's files go to outDir/name/: scratch disks, OVMF vars, SSH key, console.log. */
  outDir: string;
  name: string;
  /** Default 180 s. */
  readyTimeoutMs?: number;
  /** Keep the scratch disks and OVMF vars after dispose (the console log is always kept). */
  keepFiles?: boolean;
  /** Default: ensureRescueImage(), which builds it if needed. */
  image?: RescueImage;
  log?: (line: string) => void;
}

/** A target disk of the VM, with the names it has inside the guest. */
export interface VmDisk extends ScratchDisk {
  /** Kernel name in the guest: /dev/vdb for the first target disk. */
  guestDevice: string;
  /** /dev/disk/by-id/virtio-<serial>. */
  guestById: string;
}

export interface RescueVm extends AsyncDisposable {
  name: string;
  dir: string;
  sshPort: number;
  /** root's private key for the guest (the rig's stand-in for an operator's rescue key). */
  keyPath: string;
  consoleLog: string;
  disks: readonly VmDisk[];
  /** Wall time from QEMU start to SSH answering. */
  bootMs: number;
  /** Resolves with QEMU's exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Runs argv (each word quoted) or a shell command line as root in the guest. Never throws for exit codes. */
  exec(argv: readonly string[] | string, opts?: ExecOptions): Promise<ExecResult>;
  /** Powers the guest off and waits for QEMU to exit; kills it after timeoutMs (default 30 s). */
  poweroff(timeoutMs?: number): Promise<void>;
  /** Kills QEMU at once. */
  kill(): Promise<void>;
}

// The names the guest gives the disks: virtio disks vdb, vdc, ... (vda is the rescue root) in
// order, USB sticks sda, sdb, ... in order (the only SCSI disks of the VM).
export function guestNames(scratch: readonly ScratchDisk[]): VmDisk[] {
  let virtio = 0;
  let usb = 0;
  return scratch.map((d) => {
    if (d.bus === "usb") {
      const letter = String.fromCharCode(97 + usb++);
      return {
        ...d,
        guestDevice: `/dev/sd${letter}`,
        guestById: `/dev/disk/by-id/usb-QEMU_QEMU_HARDDISK_${d.serial}-0:0`,
      };
    }
    const letter = String.fromCharCode(98 + virtio++);
    return { ...d, guestDevice: `/dev/vd${letter}`, guestById: `/dev/disk/by-id/virtio-${d.serial}` };
  });
}

// Starts QEMU and resolves once the guest printed READY_MARKER and answers SSH; never leaves QEMU behind on failure.
export async function bootRescue(opts: BootOptions): Promise<RescueVm> {
  const log = opts.log ?? (() => {});
  const image = opts.image ?? (await ensureRescueImage({ log }));
  const dir = resolve(opts.outDir, opts.name);
  await mkdir(dir, { recursive: true });
  const consoleLog = join(dir, "console.log");
  await rm(consoleLog, { force: true });
  const scratch = planDisks(opts.disks, dir);
  const disks: VmDisk[] = guestNames(scratch);
  const keyDir = join(dir, "ssh");
  await rm(keyDir, { recursive: true, force: true });
  await mkdir(keyDir, { mode: 0o700 });
  const scratchPaths = [...disks.map((d) => d.path), keyDir, join(dir, "OVMF_VARS_4M.fd"), join(dir, "qemu.pid")];
  const untrackFiles = track({ kill: () => {}, paths: opts.keepFiles ? [keyDir] : scratchPaths });

  const { keyPath, publicKey } = await makeKeyPair(keyDir);
  await createDisks(disks);
  const ovmf = opts.firmware === "uefi" ? await ovmfFor(dir) : undefined;
  const shares = (opts.shares ?? []).map((s) => ({ ...s, hostPath: resolve(s.hostPath) }));
  const sshPort = await freePort();
  const args = qemuArgs({
    firmware: opts.firmware,
    ovmf,
    memoryMiB: opts.memoryMiB ?? 2048,
    cpus: opts.cpus ?? 2,
    kernel: image.kernel,
    initrd: image.initrd,
    append: rescueCmdline({
      flavour: image.flavour,
      publicKey,
      mounts: shares.map((s) => ({ tag: s.tag, guestPath: s.guestPath ?? `/opt/${s.tag}` })),
    }),
    disks: [
      { path: image.rootfs, format: "raw", serial: "byol-rescue-root", logicalBlockSize: 512, snapshot: true },
      ...disks,
    ],
    shares,
    sshPort,
    guestForwards: opts.guestForwards ?? [],
    consoleLog,
    pidFile: join(dir, "qemu.pid"),
  });

  const started = Date.now();
  log(`vm ${opts.name}: starting QEMU (${opts.firmware}, ssh on 127.0.0.1:${sshPort})`);
  const qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
  let qemuStderr = "";
  qemu.stderr?.on("data", (b: Buffer) => {
    qemuStderr = (qemuStderr + b.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((res) => qemu.once("exit", (code) => res(code)));
  const untrackQemu = track({ kill: () => qemu.kill("SIGKILL"), paths: [] });
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });

  const target = { port: sshPort, keyPath };
  const kill = async () => {
    if (exitCode === undefined && qemu.exitCode === null) qemu.kill("SIGKILL");
    await exited;
  };
  const dispose = async () => {
    await kill();
    untrackQemu();
    if (!opts.keepFiles) for (const p of scratchPaths) await rm(p, { recursive: true, force: true });
    else await rm(keyDir, { recursive: true, force: true });
    untrackFiles();
  };

  try {
    await waitReady(qemu, consoleLog, target, opts.readyTimeoutMs ?? 180_000, () => qemuStderr);
  } catch (err) {
    await dispose();
    throw err;
  }
  const bootMs = Date.now() - started;
  log(`vm ${opts.name}: ready in ${(bootMs / 1000).toFixed(1)} s`);

  return {
    name: opts.name,
    dir,
    sshPort,
    keyPath,
    consoleLog,
    disks,
    bootMs,
    exited,
    exec: (argv, execOpts) => sshExec(target, argv, execOpts),
    async poweroff(timeoutMs = 30_000) {
      await sshExec(target, "poweroff", { timeoutMs: 10_000 });
      if ((await within(exited, timeoutMs)) === "timeout") await kill();
    },
    kill,
    [Symbol.asyncDispose]: dispose,
  };
}

// Waits for the ready marker on the console, then for SSH; fails with the console tail if QEMU exits or time runs out.
async function waitReady(
  qemu: ChildProcess,
  consoleLog: string,
  target: { port: number; keyPath: string },
  timeoutMs: number,
  qemuStderr: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const fail = async (why: string) =>
    new Error(
      `vm: ${why}\n--- qemu stderr ---\n${qemuStderr().trim() || "(empty)"}\n` +
        `--- console tail (${consoleLog}) ---\n${await consoleTail(consoleLog)}`,
    );
  let marker = false;
  while (Date.now() < deadline) {
    if (qemu.exitCode !== null || qemu.signalCode !== null) {
      throw await fail(`QEMU exited (${qemu.exitCode ?? qemu.signalCode}) before the rescue system was ready`);
    }
    marker ||= await consoleHas(consoleLog, READY_MARKER);
    if (marker) {
      const r = await sshExec(target, "true", { timeoutMs: 15_000 });
      if (r.exitCode === 0) return;
    }
    await sleep(250);
  }
  throw await fail(
    `not ready after ${timeoutMs / 1000} s (${marker ? "no SSH" : `no ${READY_MARKER} on the console`})`,
  );
}
