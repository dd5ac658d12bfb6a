// make_image_bootable.sh in a real chroot on the host: a mini root with a static busybox as /bin/sh,
// real bind mounts (root only), the real runner. Checks the live lines, the log file, the failure
// messages, the timeout, resolv.conf and that no mount is left behind.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { InstallError } from "../../agent/errors.ts";
import type { RunContext } from "../../agent/exec/context.ts";
import { Journal } from "../../agent/exec/journal.ts";
import { createRunner } from "../../agent/exec/runner.ts";
import type { StepEvent } from "../../agent/exec/types.ts";
import { SAVED_RESOLV_CONF } from "../../agent/image/chroot.ts";
import { SCRIPT_LOG } from "../../agent/image/script-output.ts";
import { createLogger } from "../../agent/log.ts";
import type { BootableScriptStep } from "../../agent/plan/types.ts";
import { Redactor } from "../../agent/redact.ts";
import * as bootableScript from "../../agent/steps/bootable-script.ts";

const SECRET = "Bearer s3cr3t-token-for-tests";
const root = process.getuid?.() === 0;
const skip = root ? false : "needs root: real bind mounts and chroot";
const SCRIPT = "/root/.ovh/make_image_bootable.sh";

// A temporary root with busybox as /bin/sh (plus the applets the scripts use) and `script` in place.
function miniRoot(script: string): string {
  const dir = mkdtempSync(join(tmpdir(), "byol-chroot-"));
  mkdirSync(join(dir, "bin"));
  copyFileSync("/bin/busybox", join(dir, "bin/busybox"));
  for (const applet of ["sh", "sleep", "cat", "readlink", "ls"]) symlinkSync("busybox", join(dir, "bin", applet));
  mkdirSync(join(dir, "root/.ovh"), { recursive: true });
  mkdirSync(join(dir, "etc"));
  mkdirSync(join(dir, "tmp"));
  writeFileSync(join(dir, SCRIPT), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, SCRIPT), 0o755);
  return dir;
}

function context() {
  const runDir = mkdtempSync(join(tmpdir(), "byol-script-run-"));
  const redactor = new Redactor().add(SECRET);
  const log = createLogger({ file: join(runDir, "byol.log"), redactor });
  const events: StepEvent[] = [];
  const sink = { emit: (e: StepEvent) => void events.push(e) };
  const journal = new Journal(join(runDir, "journal.jsonl"));
  const runner = createRunner({ journal, redactor, log, events: sink, graceMs: 300 });
  const ctx: RunContext = {
    runner,
    events: sink,
    log,
    redactor,
    stack: new AsyncDisposableStack(),
    state: { runId: "t", targetDisks: [], disksWritten: true, step: "bootable-script" },
    signal: new AbortController().signal,
    runDir,
  };
  return { ctx, events, runDir };
}

function step(dir: string): BootableScriptStep {
  return { kind: "bootable-script", id: "bootable-script", title: "running", commands: [], script: SCRIPT, root: dir };
}

function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((t) => t === dir || t.startsWith(`${dir}/`));
}

// Whatever happened, nothing of the test stays mounted or on disk.
async function cleanUp(ctx: RunContext, ...dirs: string[]): Promise<void> {
  await ctx.stack.disposeAsync();
  for (const dir of dirs) {
    for (const target of mountsUnder(dir).reverse()) spawnSync("umount", ["-l", target]);
    if (mountsUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  }
}

// Gone, or a zombie waiting for whoever adopted it to reap it: either way it no longer runs.
function dead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

const lines = (events: StepEvent[]) =>
  events.flatMap((e) => (e.phase === "log" && e.level === "info" ? [e.message] : []));

test(
  "a script that succeeds: each line streamed live and logged whole, in the chroot's environment",
  { skip },
  async () => {
    const dir = miniRoot(`echo "hello from the chroot"
echo "env: BYOL=$BYOL HOME=$HOME LANG=$LANG PATH=$PATH"
echo "proc: $(readlink /proc/self/exe)"
[ -c /dev/null ] && echo "dev: ok"
[ -d /sys/block ] && echo "sys: ok"
echo "to stderr" >&2
echo "resolv: $(cat /etc/resolv.conf)"
echo "the header is ${SECRET}"
printf "no newline at the end"`);
    const { ctx, events, runDir } = context();
    try {
      await bootableScript.run(ctx, step(dir), { settings: { scriptTimeoutMs: 20_000 } });
      const got = lines(events);
      assert.equal(got[0], "hello from the chroot");
      assert.equal(got[1], "env: BYOL=1 HOME=/root LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin");
      assert.equal(got[2], "proc: /bin/busybox", "/proc is the kernel's, seen from inside the chroot");
      assert.ok(got.includes("dev: ok") && got.includes("sys: ok") && got.includes("to stderr"));
      assert.ok(got.includes("the header is ***"), "lines are redacted before they leave the step");
      assert.equal(got.at(-1), "no newline at the end");
      const log = readFileSync(join(runDir, SCRIPT_LOG), "utf8");
      assert.match(log, /^hello from the chroot\nenv: BYOL=1 /);
      assert.match(log, /the header is \*\*\*\n/);
      assert.ok(!log.includes(SECRET));
      assert.ok(log.endsWith("no newline at the end\n"));
      const resolv = readFileSync("/etc/resolv.conf", "utf8").split("\n")[0];
      assert.ok(log.includes(`resolv: ${resolv}`), "the rescue's resolv.conf inside the chroot");
      assert.deepEqual(mountsUnder(dir), [], "the bind mounts are gone once the step returns");
      assert.equal(existsSync(join(dir, "etc/resolv.conf")), false, "the image had none, and has none again");
    } finally {
      await cleanUp(ctx, dir, runDir);
    }
  },
);

test("a script that exits 1: the exact message, with only its last 50 of 80 lines", { skip }, async () => {
  const dir = miniRoot(`i=1
while [ $i -le 80 ]; do echo "line $i"; i=$((i+1)); done
exit 1`);
  writeFileSync(join(dir, "etc/resolv.conf"), "nameserver 192.0.2.1 # the image's own\n");
  const { ctx, events, runDir } = context();
  try {
    const error = await bootableScript.run(ctx, step(dir), { settings: { scriptTimeoutMs: 20_000 } }).then(
      () => assert.fail("the step must fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof InstallError);
    assert.equal(error.code, "script");
    assert.equal(error.step, "bootable-script");
    const last50 = Array.from({ length: 50 }, (_, i) => `line ${i + 31}`).join("\n");
    assert.equal(
      error.message,
      `The script did not end properly (exit code 1); last 50 lines of its output:\n${last50}`,
    );
    assert.equal(lines(events).length, 80, "every line was streamed");
    assert.equal(readFileSync(join(runDir, SCRIPT_LOG), "utf8").split("\n").length, 81);
    assert.deepEqual(mountsUnder(dir), []);
    assert.equal(readFileSync(join(dir, "etc/resolv.conf"), "utf8"), "nameserver 192.0.2.1 # the image's own\n");
    assert.equal(existsSync(join(dir, "etc", SAVED_RESOLV_CONF)), false);
  } finally {
    await cleanUp(ctx, dir, runDir);
  }
});

test(
  "a script that hangs: stopped at the timeout, its processes gone, the image's symlink restored",
  { skip },
  async () => {
    const dir = miniRoot(`echo "about to hang"
echo $$ > /root/sh.pid
sleep 1000 &
echo $! > /root/sleep.pid
echo "resolv is $(readlink /etc/resolv.conf || echo a file)"
wait`);
    symlinkSync("../run/systemd/resolve/stub-resolv.conf", join(dir, "etc/resolv.conf"));
    const { ctx, events, runDir } = context();
    try {
      const started = Date.now();
      const error = await bootableScript.run(ctx, step(dir), { settings: { scriptTimeoutMs: 1500 } }).then(
        () => assert.fail("the step must fail"),
        (e: unknown) => e,
      );
      assert.ok(Date.now() - started < 10_000);
      assert.ok(error instanceof InstallError);
      assert.equal(
        error.message,
        "The script did not end properly (timed out after 1.5s); last 50 lines of its output:\nabout to hang\nresolv is a file",
      );
      assert.ok(
        events.some((e) => e.phase === "log" && e.level === "warn" && /timed out, stopping it/.test(e.message)),
      );
      for (const name of ["sh.pid", "sleep.pid"]) {
        const pid = Number(readFileSync(join(dir, "root", name), "utf8"));
        assert.ok(dead(pid), `${name} ${pid} was killed`);
      }
      assert.deepEqual(mountsUnder(dir), []);
      const link = join(dir, "etc/resolv.conf");
      assert.ok(lstatSync(link).isSymbolicLink(), "the symlink itself is back");
      assert.equal(readlinkSync(link), "../run/systemd/resolve/stub-resolv.conf");
      assert.equal(existsSync(join(dir, "etc", SAVED_RESOLV_CONF)), false);
    } finally {
      await cleanUp(ctx, dir, runDir);
    }
  },
);

test("an image whose /sys is a symlink is refused before anything is mounted there", { skip }, async () => {
  const dir = miniRoot("echo never");
  const decoy = mkdtempSync(join(tmpdir(), "byol-decoy-"));
  symlinkSync(decoy, join(dir, "sys"));
  const { ctx, runDir } = context();
  try {
    await assert.rejects(
      bootableScript.run(ctx, step(dir), { settings: { scriptTimeoutMs: 20_000 } }),
      (e: unknown) => {
        assert.ok(e instanceof InstallError);
        assert.equal(e.message, `${dir}/sys in the installed system is a symbolic link; cannot mount on it`);
        return true;
      },
    );
    await ctx.stack.disposeAsync(); // what install.ts does on failure
    assert.deepEqual(mountsUnder(dir), []);
    assert.deepEqual(mountsUnder(decoy), []);
    assert.equal(existsSync(join(dir, "etc/resolv.conf")), false, "restored on the failure path too");
  } finally {
    await cleanUp(ctx, dir, decoy, runDir);
  }
});

// A /dev like a rescue system with a custom init and no udev: devtmpfs's nodes, no fd or std* links,
// no pts, no shm, no disk directory. A tmpfs of the test's own, so the host's /dev is never touched.
function bareDev(): string {
  const dev = mkdtempSync(join(tmpdir(), "byol-bare-dev-"));
  spawnSync("mount", ["-t", "tmpfs", "-o", "mode=0755", "bare-dev", dev]);
  for (const [name, minor] of [
    ["null", "3"],
    ["zero", "5"],
  ] as const) {
    spawnSync("mknod", ["-m", "666", join(dev, name), "c", "1", minor]);
  }
  return dev;
}

// bash and the libraries it loads, at their paths, so the script can use process substitution.
function addBash(dir: string): void {
  const ldd = spawnSync("ldd", ["/bin/bash"], { encoding: "utf8" }).stdout;
  for (const lib of ldd.match(/\/\S+/g) ?? []) {
    mkdirSync(join(dir, lib, ".."), { recursive: true });
    copyFileSync(lib, join(dir, lib));
  }
  copyFileSync("/bin/bash", join(dir, "bin/bash"));
  for (const applet of ["tee", "grep", "cut", "awk"]) symlinkSync("busybox", join(dir, "bin", applet));
}

// A file system with a known UUID on a loop device, for the by-uuid link.
function loopWithUuid(uuid: string): { loop: string; file: string } {
  const file = join(mkdtempSync(join(tmpdir(), "byol-loop-")), "fs.img");
  spawnSync("truncate", ["-s", "8M", file]);
  spawnSync("mkfs.ext4", ["-q", "-F", "-U", uuid, file]);
  const loop = spawnSync("losetup", ["--find", "--show", file], { encoding: "utf8" }).stdout.trim();
  return { loop, file };
}

test(
  "a rescue without /dev/fd, devpts or udev: the chroot still has what a booted Debian has, and the rescue's /dev is left as it was",
  { skip },
  async () => {
    const UUID = "0b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
    const dev = bareDev();
    const { loop, file } = loopWithUuid(UUID);
    const dir = miniRoot("");
    addBash(dir);
    mkdirSync(join(dir, "var/log"), { recursive: true });
    writeFileSync(
      join(dir, SCRIPT),
      `#!/bin/bash
set -euo pipefail
exec > >(tee -a /var/log/bootable.log) 2>&1
echo "fd: $(readlink /dev/fd) stdout: $(readlink /dev/stdout)"
for m in /dev/pts /dev/shm /dev/disk /tmp; do echo "$m: $(awk -v m=$m '$2 == m {print $3}' /proc/self/mounts)"; done
echo "by-uuid: $(readlink /dev/disk/by-uuid/${UUID})"
echo "tmp: $(ls -ld /tmp | cut -c1-10)"
echo "via stderr" >&2
`,
    );
    const { ctx, events, runDir } = context();
    try {
      await bootableScript.run(ctx, step(dir), { settings: { scriptTimeoutMs: 20_000, rescueDev: dev } });
      const got = lines(events);
      assert.ok(got.includes("fd: /proc/self/fd stdout: /proc/self/fd/1"), got.join("\n"));
      assert.ok(got.includes("/dev/pts: devpts") && got.includes("/dev/shm: tmpfs"), got.join("\n"));
      assert.ok(got.includes("/dev/disk: tmpfs") && got.includes("/tmp: tmpfs"), got.join("\n"));
      assert.ok(got.includes(`by-uuid: ../../${loop.replace("/dev/", "")}`), got.join("\n"));
      assert.ok(got.includes("tmp: drwxrwxrwt") && got.includes("via stderr"), got.join("\n"));
      assert.match(readFileSync(join(dir, "var/log/bootable.log"), "utf8"), /^fd: \/proc\/self\/fd /);
      assert.deepEqual(
        spawnSync("ls", ["-A", dev], { encoding: "utf8" }).stdout.split("\n").filter(Boolean),
        ["null", "zero"],
        "the links and directories byol made in the rescue's /dev are gone",
      );
      assert.deepEqual(mountsUnder(dir), []);
      // Torn down in exactly the reverse order of set-up.
      const journal = readFileSync(join(runDir, "journal.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { argv: string[] });
      const mounted = journal.filter((e) => e.argv[0] === "mount").map((e) => e.argv.at(-1));
      const unmounted = journal.filter((e) => e.argv[0] === "umount").map((e) => e.argv.at(-1));
      assert.equal(mounted.length, 8);
      assert.deepEqual(unmounted, [...mounted].reverse());
    } finally {
      spawnSync("losetup", ["-d", loop]);
      rmSync(join(file, ".."), { recursive: true, force: true });
      await cleanUp(ctx, dir, runDir);
      spawnSync("umount", [dev]);
      rmSync(dev, { recursive: true, force: true });
    }
  },
);
