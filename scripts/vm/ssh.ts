// SSH into a rescue VM: a key pair per run, and commands run through the ssh client.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { commandLine } from "./quote.ts";

export interface SshTarget {
  port: number;
  keyPath: string;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  /** Kills the ssh client after this long; the result then has timedOut set. Default 10 minutes. */
  timeoutMs?: number;
  /** Called with every chunk of stdout and stderr as it arrives. */
  onOutput?: (chunk: string) => void;
}

export interface ExecResult {
  /** The remote command's exit code; 255 when ssh itself failed. */
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

// The client argv for one command; the guest's shell runs the command line.
export function sshArgs(target: SshTarget, command: string, connectTimeoutS = 10): string[] {
  return [
    ...["-i", target.keyPath, "-p", String(target.port), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"],
    ...["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"],
    ...["-o", `ConnectTimeout=${connectTimeoutS}`, "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=8"],
    "root@127.0.0.1",
    "--",
    command,
  ];
}

// Makes an ed25519 key pair in dir; returns the private key path and the public key line.
export async function makeKeyPair(dir: string): Promise<{ keyPath: string; publicKey: string }> {
  const keyPath = join(dir, "id_ed25519");
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "byol-vm", "-f", keyPath]);
  return { keyPath, publicKey: (await readFile(`${keyPath}.pub`, "utf8")).trim() };
}

// Runs argv (quoted) or a shell command line in the guest; never throws for a non-zero exit.
export async function sshExec(
  target: SshTarget,
  argv: readonly string[] | string,
  opts: ExecOptions = {},
): Promise<ExecResult> {
  const child = execa("ssh", sshArgs(target, commandLine(argv)), {
    input: opts.stdin ?? "",
    timeout: opts.timeoutMs ?? 600_000,
    reject: false,
    stripFinalNewline: false,
    buffer: true,
  });
  if (opts.onOutput) {
    const onOutput = opts.onOutput;
    child.stdout?.on("data", (b: Buffer) => onOutput(b.toString()));
    child.stderr?.on("data", (b: Buffer) => onOutput(b.toString()));
  }
  const r = await child;
  return {
    exitCode: r.exitCode ?? 255,
    stdout: String(r.stdout ?? ""),
    stderr: String(r.stderr ?? ""),
    timedOut: r.timedOut,
  };
}
