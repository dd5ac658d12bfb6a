// `byol remote TARGET COMMAND [flags]`: the controller's own flags are taken out wherever they
// stand; every other argument goes to the remote byol as it is, except --request FILE, which is
// read here and sent on stdin (`--request -`), never in argv.

import { UsageError } from "../errors.ts";
import type { HostKeyCheck } from "./ssh.ts";
import { parsePort, parseTarget, type Target } from "./target.ts";

export const REMOTE_COMMANDS = [
  "install",
  "plan",
  "inventory",
  "preflight",
  "status",
  "cleanup",
  "fetch",
  "validate",
] as const;
export type RemoteCommand = (typeof REMOTE_COMMANDS)[number];

export interface RemoteArgs {
  target: Target;
  command: RemoteCommand;
  identity: string | undefined;
  sshOptions: string[];
  hostKeyCheck: HostKeyCheck;
  byol: string | undefined; // --byol FILE; undefined: the default search
  out: string; // --out DIR for the run record
  remoteDir: string;
  retries: number;
  request: string | undefined; // local FILE or "-"
  json: boolean;
  installMissing: boolean;
  follow: boolean;
  report: string | undefined; // --report FILE on the server (also passed on)
  run: string | undefined; // --run ID (status)
  passthrough: string[]; // for the remote byol, --request excluded
}

// Controller flags taking a value; the rest of the flags are the remote command's.
export const VALUE_FLAGS = [
  "identity",
  "ssh-option",
  "port",
  "byol",
  "out",
  "host-key-check",
  "remote-dir",
  "retries",
] as const;
const HOST_KEY_CHECKS: readonly HostKeyCheck[] = ["config", "accept-new", "no"];

export function parseRemoteArgs(args: string[], defaults: { remoteDir: string }): RemoteArgs {
  const [targetText, commandText, ...rest] = args;
  if (targetText === undefined || targetText.startsWith("-")) throw new UsageError("missing [user@]host[:port]");
  const command = REMOTE_COMMANDS.find((c) => c === commandText);
  if (command === undefined) {
    throw new UsageError(`expected one of ${REMOTE_COMMANDS.join(", ")} after the host, got '${commandText ?? ""}'`);
  }
  let target = parseTarget(targetText);
  const values = new Map<string, string[]>();
  const passthrough: string[] = [];
  let request: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") ? arg.slice(2, eq > 0 ? eq : undefined) : undefined;
    const takeValue = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = rest[++i];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      return next;
    };
    if (name !== undefined && (VALUE_FLAGS as readonly string[]).includes(name)) {
      values.set(name, [...(values.get(name) ?? []), takeValue()]);
    } else if (name === "request") {
      request = takeValue();
    } else {
      passthrough.push(arg);
    }
  }
  const one = (name: (typeof VALUE_FLAGS)[number]) => values.get(name)?.at(-1);
  const port = one("port");
  if (port !== undefined) target = { ...target, port: parsePort(port) };
  const check = one("host-key-check") ?? "config";
  const hostKeyCheck = HOST_KEY_CHECKS.find((c) => c === check);
  if (hostKeyCheck === undefined) {
    throw new UsageError(`--host-key-check: expected one of ${HOST_KEY_CHECKS.join(", ")}, got '${check}'`);
  }
  const retries = Number(one("retries") ?? "10");
  if (!Number.isInteger(retries) || retries < 0)
    throw new UsageError(`--retries: expected a whole number, got '${one("retries")}'`);
  const flagValue = (flag: string) => {
    const at = passthrough.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (at < 0) return undefined;
    const a = passthrough[at]!;
    return a.includes("=") ? a.slice(a.indexOf("=") + 1) : passthrough[at + 1];
  };
  return {
    target,
    command,
    identity: one("identity"),
    sshOptions: values.get("ssh-option") ?? [],
    hostKeyCheck,
    byol: one("byol"),
    out: one("out") ?? ".",
    remoteDir: one("remote-dir") ?? defaults.remoteDir,
    retries,
    request,
    json: passthrough.includes("--json"),
    installMissing: passthrough.includes("--install-missing"),
    follow: passthrough.includes("--follow") || passthrough.includes("--wait"),
    report: flagValue("--report"),
    run: flagValue("--run"),
    passthrough,
  };
}
