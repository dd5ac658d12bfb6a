// byol remote against a real sshd on 127.0.0.1 (test/remote/sshd.ts): the upload and its skip, a
// detached install followed to its exit code with the record copied back, a dropped connection
// re-attached, and each refusal with its exit code and nothing written on the server. The
// server side of byol is test/remote/fake-byol.sh (same command-line interface, no disks).

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { sshdSkip, startSshd, type TestSshd } from "./sshd.ts";

const MAIN = join(import.meta.dirname, "../../agent/main.ts");
const FAKE = join(import.meta.dirname, "fake-byol.sh");
const SECRET = "Bearer remote-test-secret-7f3a";
const skip = sshdSkip;

let sshd: TestSshd;
let work: string;
let requestFile: string;
before(async () => {
  if (skip !== false) return;
  sshd = await startSshd();
  work = mkdtempSync(join(tmpdir(), "byol-remote-test-"));
  const request = JSON.parse(
    readFileSync(join(import.meta.dirname, "../../fixtures/requests/byolinux-1disk.json"), "utf8"),
  );
  request.customizations.httpHeaders = { Authorization: SECRET };
  requestFile = join(work, "request.json");
  writeFileSync(requestFile, JSON.stringify(request));
});
after(async () => {
  if (skip !== false) return;
  await sshd.stop();
  rmSync(work, { recursive: true, force: true });
});

function remote(args: string[], opts: { port?: number; knownHosts?: string } = {}) {
  const [target, command, ...rest] = args;
  const r = spawnSync(
    process.execPath,
    [MAIN, "remote", target!, command!, ...rest, ...sshd.flags(opts.port, opts.knownHosts)],
    { encoding: "utf8", timeout: 120_000 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A fresh remote directory (below an existing 0755 parent) and its fake byol state.
function remoteDir(name: string): { dir: string; state: string } {
  const dir = join(work, name, "byol-bin");
  return { dir, state: join(dir, "state") };
}

// `install` of the fake byol into `dir`, its record written to state/r1.tar and copied into `out`.
function install(dir: string, state: string, out: string, ...extra: string[]) {
  const record = ["--report", join(state, "r1.tar"), "--out", out];
  return remote([
    "root@127.0.0.1",
    "install",
    ...extra,
    "--request",
    requestFile,
    "--byol",
    FAKE,
    "--remote-dir",
    dir,
    ...record,
  ]);
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

test(
  "install: uploaded once into a 0700 directory, then skipped; events, exit code and record come back",
  { skip },
  () => {
    const { dir, state } = remoteDir("install");
    const out = join(work, "install-out");
    const run = () => install(dir, state, out, "--no-reboot");
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, "exit-code"), "4");
    const first = run();
    assert.equal(first.code, 4, first.stderr);
    assert.match(first.stderr, /byol remote: copied .*fake-byol\.sh .* to root@127\.0\.0\.1:\d+:.*byol-bin\/byol/);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(sha256(join(dir, "byol")), sha256(FAKE));
    // The same progress view as a local install.
    assert.match(first.stdout, /install r1 runs on root@127\.0\.0\.1/);
    assert.match(first.stdout, /^ {4}line 1\n {4}line 2\n/m);
    assert.match(first.stdout, /==> failed \(exit 4\): scripted/);
    assert.match(first.stderr, /run record copied to .*install-out\/r1\.tar/);
    const listing = spawnSync("tar", ["-tf", join(out, "r1.tar")], { encoding: "utf8" }).stdout;
    assert.equal(listing.trim(), "events");
    // The request arrived on stdin, whole, and never in argv or on the server's disk.
    assert.equal(readFileSync(join(state, "request.sha256"), "utf8").trim(), sha256(requestFile));
    const argv = readFileSync(join(state, "argv"), "utf8");
    assert.match(argv, /^--request - --detach --json --no-reboot --report /);
    const onServer = spawnSync("grep", ["-rl", "remote-test-secret", dir], { encoding: "utf8" }).stdout;
    assert.equal(onServer, "");

    const inode = statSync(join(dir, "byol")).ino;
    writeFileSync(join(state, "exit-code"), "0");
    const second = run();
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /is up to date \(sha256 /);
    assert.equal(statSync(join(dir, "byol")).ino, inode, "not copied again");
    assert.match(second.stdout, /==> done|==> failed \(exit 0\)/);
  },
);

test("--json passes the install's event lines through, the result line last", { skip }, () => {
  const { dir, state } = remoteDir("json");
  mkdirSync(state, { recursive: true });
  const r = install(dir, state, join(work, "json-out"), "--json");
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { phase: string; exitCode?: number });
  assert.equal(lines.length, 7);
  assert.deepEqual(lines.at(-1)?.phase, "result");
});

test("the connection drops while following: attached again, no line twice, the install's exit code", { skip }, () => {
  const { dir, state } = remoteDir("drop");
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, "exit-code"), "3");
  writeFileSync(join(state, "drop"), "");
  const r = install(dir, state, join(work, "drop-out"));
  assert.equal(r.code, 3, r.stderr);
  assert.ok(existsSync(join(state, "dropped")), "the first follow was cut");
  assert.match(r.stderr, /connection lost .*attaching again in 2s \(try 1 of 10\)/);
  const shown = r.stdout.split("\n").filter((l) => /^ {4}line \d$/.test(l));
  assert.deepEqual(shown, ["    line 1", "    line 2", "    line 3", "    line 4", "    line 5", "    line 6"]);
  assert.ok(existsSync(join(work, "drop-out/r1.tar")));
});

test(
  "a missing package without --install-missing: exit 13 with preflight's line; the install never starts",
  { skip },
  () => {
    const { dir, state } = remoteDir("missing");
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, "missing"), "");
    const r = remote(["root@127.0.0.1", "install", "--request", requestFile, "--byol", FAKE, "--remote-dir", dir]);
    assert.equal(r.code, 13);
    assert.match(
      r.stderr,
      /preflight on root@127\.0\.0\.1:\d+: missing packages: qemu-utils \(--install-missing installs/,
    );
    assert.equal(existsSync(join(state, "argv")), false);
  },
);

test(
  "refusals before anything is written: unreachable 10, wrong host key 11, not root 12, no space 14",
  { skip },
  async () => {
    const { dir } = remoteDir("refusals");
    const base = ["install", "--request", requestFile, "--byol", FAKE, "--remote-dir", dir];
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const unreachable = remote(["root@127.0.0.1", ...base], { port: closed });
    assert.equal(unreachable.code, 10, unreachable.stderr);
    assert.match(unreachable.stderr, /^byol remote: cannot reach root@127\.0\.0\.1:\d+: .*Connection refused\n$/);

    const otherKey = join(work, "other_key");
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey]);
    const wrongKnownHosts = join(work, "wrong_known_hosts");
    const [type, blob] = readFileSync(`${otherKey}.pub`, "utf8").split(" ");
    writeFileSync(wrongKnownHosts, `[127.0.0.1]:${sshd.port} ${type} ${blob}\n`);
    const hostKey = remote(["root@127.0.0.1", ...base], { knownHosts: wrongKnownHosts });
    assert.equal(hostKey.code, 11, hostKey.stderr);
    assert.match(hostKey.stderr, /^byol remote: the host key of root@127\.0\.0\.1:\d+ could not be verified \(/);

    const notRoot = remote(["root@127.0.0.1", ...base], { port: sshd.nonRootPort });
    assert.equal(notRoot.code, 12, notRoot.stderr);
    assert.match(notRoot.stderr, /is not root \(uid 1000\)/);

    const tiny = join(work, "tiny");
    mkdirSync(tiny);
    spawnSync("mount", ["-t", "tmpfs", "-o", "size=256k", "byol-test-tiny", tiny]);
    try {
      const big = join(work, "big-byol");
      writeFileSync(big, Buffer.alloc(8 * 1024 * 1024, 1));
      const noSpace = remote([
        "root@127.0.0.1",
        "install",
        "--request",
        requestFile,
        "--byol",
        big,
        "--remote-dir",
        join(tiny, "bin"),
      ]);
      assert.equal(noSpace.code, 14, noSpace.stderr);
      assert.match(
        noSpace.stderr,
        /no space for the byol executable in root@127\.0\.0\.1:\d+:.*tiny\/bin \(25\d KiB free\): it needs 12 MiB/,
      );
      assert.deepEqual(readdirSync(tiny), [], "nothing written");
    } finally {
      spawnSync("umount", [tiny]);
    }
    assert.equal(existsSync(dir), false, "no refusal wrote anything");
  },
);

test("an invalid request is refused here, before any connection (exit 2)", { skip }, () => {
  const bad = join(work, "bad.json");
  writeFileSync(bad, '{"operatingSystem":"byolinux_64"}');
  const r = remote(["root@127.0.0.1", "install", "--request", bad, "--byol", FAKE], { port: 1 });
  assert.equal(r.code, 2, r.stderr);
});

test("other commands run on the server with their flags and exit code", { skip }, () => {
  const { dir } = remoteDir("passthrough");
  const r = remote(["root@127.0.0.1", "inventory", "--json", "--byol", FAKE, "--remote-dir", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "fake byol: inventory --json\n");
});

test("with the real byol on the server: validate and plan read the request from ssh's stdin", { skip }, () => {
  const { dir } = remoteDir("real");
  // The server's byol is this checkout's, started by a wrapper (dist/byol is the same program).
  const wrapper = join(work, "real-byol");
  writeFileSync(wrapper, `#!/bin/sh\nexec ${process.execPath} ${MAIN} "$@"\n`, { mode: 0o755 });
  const valid = remote([
    "root@127.0.0.1",
    "validate",
    "--request",
    requestFile,
    "--byol",
    wrapper,
    "--remote-dir",
    dir,
  ]);
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stderr, /request is valid: byolinux_64/);
  const inventory = join(import.meta.dirname, "../../fixtures/inventories/uefi-1disk.json");
  const plan = remote([
    "root@127.0.0.1",
    "plan",
    "--request",
    requestFile,
    "--inventory",
    inventory,
    "--json",
    "--byol",
    wrapper,
    "--remote-dir",
    dir,
  ]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /sgdisk/);
  assert.ok(!plan.stdout.includes("remote-test-secret"), "the plan never shows the Authorization header");
  const bad = join(work, "bad-on-server.json");
  writeFileSync(bad, readFileSync(requestFile, "utf8").replace('"sha256"', '"md5"'));
  const refused = remote(["root@127.0.0.1", "validate", "--request", bad, "--byol", wrapper, "--remote-dir", dir]);
  assert.equal(refused.code, 2, "refused here already, before connecting");
});

test(
  "Ctrl-C stops only the following (130); status --follow --run attaches by hand and gets the exit code and record",
  { skip },
  async () => {
    const { dir, state } = remoteDir("by-hand");
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, "exit-code"), "4");
    const out = join(work, "by-hand-out");
    const common = ["--byol", FAKE, "--remote-dir", dir, "--report", join(state, "r1.tar"), "--out", out];
    const args = ["--request", requestFile, ...common];
    const child = spawn(process.execPath, [MAIN, "remote", "root@127.0.0.1", "install", ...args, ...sshd.flags()], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes("line 1")) resolve();
      }),
    );
    child.kill("SIGINT");
    assert.equal(await exited, 130);
    assert.match(
      stderr,
      /stopped following; anything started on root@127\.0\.0\.1:\d+ goes on \(byol remote .* status --follow\)/,
    );
    const resumed = remote(["root@127.0.0.1", "status", "--follow", "--run", "r1", ...common]);
    assert.equal(resumed.code, 4, resumed.stderr);
    assert.match(resumed.stdout, / {4}line 6\n/);
    assert.match(resumed.stderr, /run record copied to .*by-hand-out\/r1\.tar/);
  },
);
