// Puts the byol executable on the server: one probe (who we are, the remote copy's sha256, free
// space), then an upload only when the sha256 differs, gzip-compressed on the wire, into a 0700
// directory, written under a temporary name, renamed, and its sha256 checked.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { RemoteError, UsageError } from "../errors.ts";
import { shellQuote } from "../plan/quote.ts";
import { sshFailure } from "./failures.ts";
import type { Transport } from "./ssh.ts";

export const DEFAULT_REMOTE_DIR = "/root/.byol";
const MARGIN_KIB = 4096;

export interface Probe {
  uid: number | undefined;
  sha256: string | undefined; // of the remote copy, if there is one
  availKiB: number | undefined; // free space where the copy goes
}

export interface LocalExecutable {
  path: string;
  size: number;
  sha256: string;
}

export type UploadDecision =
  | { kind: "skip" }
  | { kind: "upload" }
  | { kind: "no-space"; needKiB: number; availKiB: number };

// One shell script, one round trip. The directory may not exist yet: df looks at its nearest parent.
export function probeScript(dir: string): string {
  const d = shellQuote(dir);
  return [
    `d=${d}`,
    `echo "uid=$(id -u)"`,
    `if [ -f "$d/byol" ]; then echo "sha256=$(sha256sum "$d/byol" | cut -d' ' -f1)"; fi`,
    `p="$d"; while [ ! -d "$p" ]; do p=$(dirname "$p"); done`,
    `echo "avail=$(df -Pk "$p" | awk 'NR==2 {print $4}')"`,
  ].join("; ");
}

export function parseProbe(stdout: string): Probe {
  const values = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^(uid|sha256|avail)=(.*)$/.exec(line.trim());
    if (m !== null) values.set(m[1]!, m[2]!);
  }
  const int = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  const sha = values.get("sha256");
  return {
    uid: int(values.get("uid")),
    sha256: sha !== undefined && /^[0-9a-f]{64}$/.test(sha) ? sha : undefined,
    availKiB: int(values.get("avail")),
  };
}

// Skip when the remote copy is this very file; otherwise upload if it fits.
export function decideUpload(local: Pick<LocalExecutable, "size" | "sha256">, probe: Probe): UploadDecision {
  if (probe.sha256 === local.sha256) return { kind: "skip" };
  const needKiB = Math.ceil(local.size / 1024) + MARGIN_KIB;
  if (probe.availKiB !== undefined && probe.availKiB < needKiB) {
    return { kind: "no-space", needKiB, availKiB: probe.availKiB };
  }
  return { kind: "upload" };
}

export function uploadScript(dir: string): string {
  const d = shellQuote(dir);
  return [
    "set -eu",
    "umask 077",
    `d=${d}`,
    `trap 'rm -f "$d/byol.part"' EXIT`,
    `mkdir -p "$d"`,
    `chmod 700 "$d"`,
    `gzip -dc >"$d/byol.part"`,
    `chmod 700 "$d/byol.part"`,
    `mv -f "$d/byol.part" "$d/byol"`,
    `sha256sum "$d/byol"`,
  ].join("; ");
}

export async function describeLocal(path: string): Promise<LocalExecutable> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw new UsageError(`the byol executable ${path} does not exist (npm run build writes it; or give --byol FILE)`);
  }
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return { path, size: info.size, sha256: hash.digest("hex") };
}

export interface EnsureResult {
  remotePath: string;
  uploaded: boolean;
}

// Checks the remote user is root, then uploads when needed. Each refusal is one RemoteError.
export async function ensureExecutable(t: Transport, local: LocalExecutable, dir: string): Promise<EnsureResult> {
  const probe = await t.call(probeScript(dir));
  const failed = sshFailure(probe.exitCode, probe.stderr, t.where);
  if (failed !== undefined) throw failed;
  const found = parseProbe(probe.stdout);
  if (found.uid !== 0) {
    throw new RemoteError(
      "notRoot",
      `the remote user on ${t.where} is not root (uid ${found.uid ?? "unknown"}); byol needs root: use root@HOST`,
    );
  }
  const remotePath = `${dir}/byol`;
  const decision = decideUpload(local, found);
  if (decision.kind === "skip") return { remotePath, uploaded: false };
  if (decision.kind === "no-space") throw noSpace(t.where, dir, decision.needKiB, decision.availKiB);
  const gzip = createGzip({ level: 6 });
  createReadStream(local.path)
    .on("error", (e) => gzip.destroy(e))
    .pipe(gzip);
  const sent = await t.call(uploadScript(dir), { input: gzip });
  const lost = sshFailure(sent.exitCode, sent.stderr, t.where);
  if (lost !== undefined) throw lost;
  if (/No space left on device/.test(sent.stderr)) throw noSpace(t.where, dir, Math.ceil(local.size / 1024), undefined);
  const got = /^([0-9a-f]{64})\s/.exec(sent.stdout)?.[1];
  if (sent.exitCode !== 0 || got !== local.sha256) {
    const why =
      sent.exitCode !== 0
        ? sent.stderr.trim().split("\n").at(-1)
        : `sha256 ${got ?? "missing"} after upload, expected ${local.sha256}`;
    throw new RemoteError("unreachable", `uploading byol to ${t.where}:${remotePath} failed: ${why}`);
  }
  return { remotePath, uploaded: true };
}

function noSpace(where: string, dir: string, needKiB: number, availKiB: number | undefined): RemoteError {
  const mib = (kib: number) => (kib < 1024 ? `${kib} KiB` : `${Math.ceil(kib / 1024)} MiB`);
  const free = availKiB === undefined ? "" : ` (${mib(availKiB)} free)`;
  return new RemoteError(
    "noSpace",
    `no space for the byol executable in ${where}:${dir}${free}: it needs ${mib(needKiB)}`,
  );
}
