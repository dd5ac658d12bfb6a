// byol remote [user@]host[:port] COMMAND …: runs byol on a server over the system's ssh, from an
// operator's machine. Install: upload the executable if its sha256 differs, preflight, start the
// install detached with the request on stdin, follow its events (re-attaching when the connection
// drops), copy the run record into --out DIR, and exit with the install's exit code.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT, RemoteError, RequestError, UsageError } from "../errors.ts";
import { shellJoin, shellQuote } from "../plan/quote.ts";
import { parseRemoteArgs, type RemoteArgs, VALUE_FLAGS } from "../remote/args.ts";
import { sshFailure } from "../remote/failures.ts";
import { fetchRecord, recordPath } from "../remote/record.ts";
import { follow, resultExitCode, startDetached } from "../remote/session.ts";
import { SshTransport, type Transport } from "../remote/ssh.ts";
import { DEFAULT_REMOTE_DIR, describeLocal, ensureExecutable, type LocalExecutable } from "../remote/upload.ts";
import { createRemoteView } from "../remote/view.ts";
import { parseRequest } from "../request/index.ts";
import { readRequestInput } from "../request/read.ts";

// The controller's own flags (the others go to the remote byol as they are), as parseArgs
// options: test/commands/help.test.ts checks that --help names each.
export const FLAGS = Object.fromEntries(
  [...VALUE_FLAGS, "request"].map((flag) => [flag, { type: "string" as const }]),
) as Record<(typeof VALUE_FLAGS)[number] | "request", { type: "string" }>;

export async function remoteCommand(args: string[]): Promise<number> {
  const opts = parseRemoteArgs(args, { remoteDir: DEFAULT_REMOTE_DIR });
  if (opts.command === "install" && opts.request === undefined) throw new UsageError("missing --request");
  // Read and checked here, before any connection: a bad request touches nothing anywhere.
  const request = opts.request === undefined ? undefined : await readRequest(opts.request);
  const local = await describeLocal(opts.byol ?? defaultExecutable());
  const abort = new AbortController();
  await using t = new SshTransport({
    target: opts.target,
    identity: opts.identity,
    extra: opts.sshOptions,
    hostKeyCheck: opts.hostKeyCheck,
    signal: abort.signal,
  });
  // Ctrl-C stops this controller and its ssh calls, never the install on the server.
  const onInterrupt = () => {
    process.stderr.write(
      `\nbyol remote: stopped following; anything started on ${t.where} goes on (byol remote ${t.where} status --follow)\n`,
    );
    abort.abort();
  };
  process.once("SIGINT", onInterrupt);
  try {
    return await run(t, opts, local, request, abort.signal);
  } catch (error) {
    if (abort.signal.aborted) return EXIT.interrupted;
    throw error;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

async function run(
  t: Transport,
  opts: RemoteArgs,
  local: LocalExecutable,
  request: string | undefined,
  signal: AbortSignal,
): Promise<number> {
  const { remotePath, uploaded } = await ensureExecutable(t, local, opts.remoteDir);
  const mib = (local.size / 2 ** 20).toFixed(1);
  process.stderr.write(
    uploaded
      ? `byol remote: copied ${local.path} (${mib} MiB, sha256 ${local.sha256.slice(0, 12)}…) to ${t.where}:${remotePath}\n`
      : `byol remote: ${t.where}:${remotePath} is up to date (sha256 ${local.sha256.slice(0, 12)}…)\n`,
  );
  const byol = shellQuote(remotePath);
  if (opts.command === "install") return await remoteInstall(t, opts, byol, request ?? "", signal);
  if (opts.command === "status" && opts.follow) {
    const code = await followRun(t, opts, byol, undefined, signal);
    if (opts.run !== undefined) await copyRecord(t, opts, opts.run, undefined);
    return code;
  }
  return await passthrough(t, opts, byol, request);
}

async function remoteInstall(
  t: Transport,
  opts: RemoteArgs,
  byol: string,
  request: string,
  signal: AbortSignal,
): Promise<number> {
  await preflight(t, opts, byol, request);
  const flags = opts.passthrough.filter((a) => a !== "--json" && a !== "--install-missing");
  const started = await startDetached(t, `${byol} install --request - --detach --json ${shellJoin(flags)}`, request);
  if (started.kind === "refused") {
    // A refusal before the install started (invalid request: 2): its own lines, its own code.
    const show = createRemoteView(opts.json, process.stdout);
    for (const line of started.stdout.split("\n").filter((l) => l.trim() !== "")) show(line);
    process.stderr.write(started.stderr);
    return started.exitCode;
  }
  const { runId, pid } = started.run;
  if (!opts.json) process.stdout.write(`byol remote: install ${runId} runs on ${t.where} (pid ${pid})\n`);
  const code = await followRun(t, opts, byol, runId, signal);
  await copyRecord(t, opts, runId, pid);
  return code;
}

// The run record into --out DIR; a record that cannot be copied (a server that rebooted) is a warning.
async function copyRecord(t: Transport, opts: RemoteArgs, runId: string, pid: number | undefined): Promise<void> {
  const record = await fetchRecord(t, { path: recordPath(runId, opts.report), runId, pid }, opts.out);
  if ("file" in record) process.stderr.write(`byol remote: run record copied to ${record.file}\n`);
  else process.stderr.write(`byol remote: the run record could not be copied: ${record.error}\n`);
}

// Preflight with the request; missing packages without --install-missing stop here (13).
async function preflight(t: Transport, opts: RemoteArgs, byol: string, request: string): Promise<void> {
  const command = `${byol} preflight --request - --json${opts.installMissing ? " --install-missing" : ""}`;
  const call = await t.call(command, { input: request });
  const failed = sshFailure(call.exitCode, call.stderr, t.where);
  if (failed !== undefined) throw failed;
  if (call.exitCode === 0) return;
  if (call.exitCode === 2 && /unknown command 'preflight'/.test(call.stderr)) return; // an older byol
  const line = preflightMessage(call.stdout) ?? call.stderr.trim().split("\n").at(-1) ?? `exit ${call.exitCode}`;
  if (call.exitCode === 3) {
    const hint = opts.installMissing ? "" : " (--install-missing installs missing packages with apt)";
    throw new RemoteError("missingPackages", `preflight on ${t.where}: ${line}${hint}`);
  }
  throw new RemoteError("unreachable", `preflight on ${t.where} failed (exit ${call.exitCode}): ${line}`);
}

function preflightMessage(stdout: string): string | undefined {
  for (const line of stdout.split("\n").reverse()) {
    if (resultExitCode(line) === undefined) continue;
    const message = (JSON.parse(line) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === "string") return message;
  }
  return undefined;
}

async function followRun(
  t: Transport,
  opts: RemoteArgs,
  byol: string,
  runId: string | undefined,
  signal: AbortSignal,
): Promise<number> {
  const id = runId ?? opts.run;
  const command = `${byol} status --follow --json${id === undefined ? "" : ` --run ${shellQuote(id)}`}`;
  const show = createRemoteView(opts.json, process.stdout);
  const outcome = await follow(t, {
    command,
    onLine: show,
    retries: opts.retries,
    signal,
    onRetry: (attempt, delayMs, error) =>
      process.stderr.write(
        `byol remote: connection lost (${error.message}); attaching again in ${delayMs / 1000}s (try ${attempt} of ${opts.retries})\n`,
      ),
  });
  if (outcome.kind === "ended") process.stderr.write(outcome.stderr);
  return outcome.exitCode;
}

// Any other command: the remote byol's output as it comes, its exit code.
async function passthrough(t: Transport, opts: RemoteArgs, byol: string, request: string | undefined): Promise<number> {
  const args = [...(request === undefined ? [] : ["--request", "-"]), ...opts.passthrough];
  const call = await t.call(`${byol} ${opts.command} ${shellJoin(args)}`, {
    ...(request === undefined ? {} : { input: request }),
    onStdout: (chunk) => process.stdout.write(chunk),
    onStderr: (chunk) => process.stderr.write(chunk),
  });
  const failed = sshFailure(call.exitCode, call.stderr, t.where);
  if (failed !== undefined) throw failed;
  return call.exitCode;
}

// The request, read and checked as install reads it, as the text sent on stdin (the server checks
// it again).
async function readRequest(fileOrDash: string): Promise<string> {
  const json = await readRequestInput(fileOrDash);
  const parsed = parseRequest(json);
  if (!parsed.ok) throw new RequestError(parsed.problems);
  return JSON.stringify(json);
}

// dist/byol: this very program when it is the single executable, else next to the running bundle
// (dist/byol.mjs), else in the repository.
function defaultExecutable(): string {
  const candidates = [
    ...(isSingleExecutable() ? [process.execPath] : []),
    ...(process.argv[1]?.endsWith(".mjs") ? [join(dirname(process.argv[1]), "byol")] : []),
    fileURLToPath(new URL("../../dist/byol", import.meta.url)),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates.at(-1)!;
}

function isSingleExecutable(): boolean {
  try {
    return process.getBuiltinModule("node:sea")?.isSea() === true;
  } catch {
    return false;
  }
}
