// The system's ssh as byol remote's transport: the operator's config, agent and known_hosts, one
// master connection per controller (ControlMaster in a private temporary directory) that every
// call reuses, and a fresh one made by the next call when it dropped.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { destination, type Target } from "./target.ts";

export type HostKeyCheck = "config" | "accept-new" | "no";

export interface SshOptions {
  target: Target;
  identity: string | undefined;
  extra: readonly string[]; // --ssh-option values, as ssh's -o
  hostKeyCheck: HostKeyCheck;
  controlDir: string;
  signal?: AbortSignal; // kills every running ssh (the controller's Ctrl-C)
}

export interface CallOptions {
  input?: string | Buffer | Readable;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface CallResult {
  exitCode: number; // the remote command's, or 255 when ssh itself failed
  stdout: string; // collected only without onStdout
  stderr: string; // the last 64 KiB
}

// What the controller needs of a connection; tests give a fake.
export interface Transport {
  readonly where: string; // user@host:port, for messages
  call(command: string, opts?: CallOptions): Promise<CallResult>;
}

const STDERR_KEEP = 64 * 1024;

// ssh's argv for one remote command. The operator's -o options come first: ssh keeps the first
// value it is given for an option, so they win over byol's defaults.
export function sshArgv(opts: SshOptions, command: string): string[] {
  const o = (option: string) => ["-o", option];
  const argv = ["ssh", ...opts.extra.flatMap(o)];
  argv.push(
    ...o("BatchMode=yes"), // never a password or host-key prompt the controller cannot answer
    ...o("ConnectTimeout=15"),
    ...o("ServerAliveInterval=5"),
    ...o("ServerAliveCountMax=3"),
    ...o("ControlMaster=auto"),
    ...o(`ControlPath=${join(opts.controlDir, "%C")}`),
    ...o("ControlPersist=120"),
  );
  if (opts.hostKeyCheck === "accept-new") argv.push(...o("StrictHostKeyChecking=accept-new"));
  if (opts.hostKeyCheck === "no") argv.push(...o("StrictHostKeyChecking=no"), ...o("UserKnownHostsFile=/dev/null"));
  if (opts.identity !== undefined) argv.push("-i", opts.identity, ...o("IdentitiesOnly=yes"));
  if (opts.target.port !== undefined) argv.push("-p", String(opts.target.port));
  argv.push("-T", "--", destination(opts.target), command);
  return argv;
}

export class SshTransport implements Transport, AsyncDisposable {
  readonly where: string;
  readonly #opts: SshOptions;

  constructor(opts: Omit<SshOptions, "controlDir">) {
    this.#opts = { ...opts, controlDir: mkdtempSync(join(tmpdir(), "byol-ssh-")) };
    const t = opts.target;
    this.where = `${destination(t)}${t.port === undefined ? "" : `:${t.port}`}`;
  }

  call(command: string, opts: CallOptions = {}): Promise<CallResult> {
    const [file, ...args] = sshArgv(this.#opts, command);
    return new Promise((resolve, reject) => {
      const signal = this.#opts.signal;
      const child = spawn(file!, args, {
        stdio: ["pipe", "pipe", "pipe"],
        ...(signal === undefined ? {} : { signal }),
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        if (opts.onStdout !== undefined) opts.onStdout(chunk);
        else stdout += chunk.toString("utf8");
      });
      child.stderr.on("data", (chunk: Buffer) => {
        opts.onStderr?.(chunk);
        stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_KEEP);
      });
      child.stdin.on("error", () => {}); // ssh gone before it read all input: its exit says why
      child.on("error", reject);
      child.on("close", (code) => resolve({ exitCode: code ?? 255, stdout, stderr }));
      const input = opts.input;
      if (input === undefined) child.stdin.end();
      else if (typeof input === "string" || Buffer.isBuffer(input)) child.stdin.end(input);
      else {
        input.on("error", (error) => child.kill() && reject(error));
        input.pipe(child.stdin);
      }
    });
  }

  // Ends the master connection and removes the control directory.
  async [Symbol.asyncDispose](): Promise<void> {
    const argv = sshArgv(this.#opts, "true");
    const at = argv.indexOf("-T");
    const [file, ...args] = [...argv.slice(0, at), "-O", "exit", destination(this.#opts.target)];
    await new Promise<void>((resolve) => {
      const child = spawn(file!, args, { stdio: "ignore" });
      child.on("error", () => resolve());
      child.on("close", () => resolve());
    });
    rmSync(this.#opts.controlDir, { recursive: true, force: true });
  }
}
