import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pino } from "pino";
import { cleanup } from "../agent/cleanup.ts";
import { RunStateStore, readRunState } from "../agent/exec/state.ts";
import type { Runner, StepEvent } from "../agent/exec/types.ts";
import { setup, tempDir } from "./exec/helpers.ts";
import { MDSTAT, MOUNTS } from "./exec/samples.ts";
import { commandFailure, fakeRunner } from "./support/fake-runner.ts";

// A runner that records argv and answers from a table: what the commands would do on a rescue system.
function tableRunner(answers: Record<string, { stdout?: string; fail?: string }> = {}) {
  const calls: string[] = [];
  const runner = fakeRunner((call) => {
    const line = call.argv.join(" ");
    calls.push(line);
    const a = answers[line] ?? answers[call.argv[0]!] ?? {};
    if (a.fail !== undefined) {
      const message = `${call.options.step}: ${line} exited with code 32: ${a.fail}`;
      throw commandFailure(call, { exitCode: 32, stderr: a.fail, message });
    }
    return a.stdout;
  });
  return { runner, calls };
}

// A killed run's leftovers: state file, kernel views and a fake /sys/block.
function killedRun(overrides: { finished?: { ok: boolean; exitCode: number }; pid?: number } = {}) {
  const dir = tempDir();
  const store = RunStateStore.start({ dir: join(dir, "run"), runId: "r1", targetDisks: ["/dev/sda", "/dev/sdb"] });
  store.update({ disksWritten: true, step: "bootable", loop: ["/dev/loop3"], md: ["/dev/md0"], nbd: ["/dev/nbd0"] });
  store.update({ pid: overrides.pid ?? deadPid() });
  if (overrides.finished) store.update({ finished: overrides.finished });
  writeFileSync(join(dir, "mounts"), MOUNTS);
  writeFileSync(join(dir, "mdstat"), MDSTAT);
  const sys = join(dir, "sys");
  for (const nbd of ["nbd0", "nbd1"]) {
    mkdirSync(join(sys, nbd), { recursive: true });
    writeFileSync(join(sys, nbd, "pid"), "1\n"); // nbd1: another client's, not the run's
  }
  mkdirSync(join(sys, "loop3", "loop"), { recursive: true });
  const opts = {
    runDir: join(dir, "run"),
    mountsFile: join(dir, "mounts"),
    mdstatFile: join(dir, "mdstat"),
    sysBlock: sys,
    // never the host's own /dev/shm and /proc: other test files' byol runs have their files there
    shmDir: join(dir, "shm"),
    imagePath: join(dir, "shm", "byol", "image"),
    proc: join(dir, "proc"),
  };
  return { dir, opts };
}

function deadPid(): number {
  return spawnSync("true").pid!;
}

function ctx(runner: Runner) {
  const events: StepEvent[] = [];
  return { runner, log: pino({ level: "silent" }), events: { emit: (e: StepEvent) => void events.push(e) } };
}

const PVS = "pvs --noheadings -o pv_name,vg_name --separator |";

test("cleanup releases everything a killed run left, in stacking order, then resets the tables", async () => {
  const { opts } = killedRun();
  const { runner, calls } = tableRunner({
    [PVS]: { stdout: "  /dev/md1|vg0\n  /dev/sdc1|data\n" },
    "umount /tmp/a/dev": { fail: "umount: /tmp/a/dev: target is busy." },
    "umount /tmp/a/proc": { fail: "umount: /tmp/a/proc: not mounted." },
  });
  const r = await cleanup(ctx(runner), opts);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(calls, [
    "umount /tmp/a/boot/efi",
    "umount /tmp/a/run",
    "umount /dev/shm/image",
    "umount /tmp/a/proc",
    "umount /tmp/a/dev",
    "umount /tmp/a/dev",
    "umount /tmp/a/dev",
    "umount -l /tmp/a/dev",
    "umount /tmp/a/boot",
    "umount /tmp/a",
    "qemu-nbd -d /dev/nbd0",
    "losetup -d /dev/loop3",
    PVS,
    "vgchange -an vg0",
    "mdadm --stop /dev/md1",
    "mdadm --stop /dev/md0",
    "wipefs -a -f /dev/sda",
    "sgdisk -Z /dev/sda",
    "wipefs -a -f /dev/sdb",
    "sgdisk -Z /dev/sdb",
  ]);
  assert.ok(r.released.includes("partition table /dev/sdb"));
  const state = readRunState(opts.runDir);
  assert.equal(state?.tablesReset, true);
  assert.deepEqual([state?.loop, state?.md, state?.nbd], [[], [], []]);
  assert.ok(!calls.includes("qemu-nbd -d /dev/nbd1"), "an nbd connection the run did not make is left alone");
});

test("without a run state, cleanup disconnects no nbd device", async () => {
  const { dir, opts } = killedRun();
  const { runner, calls } = tableRunner();
  await cleanup(ctx(runner), { ...opts, runDir: join(dir, "no-run") });
  assert.ok(!calls.some((c) => c.startsWith("qemu-nbd")), calls.join("\n"));
});

test("cleanup refuses while another byol holds the run lock", async () => {
  const { opts } = killedRun();
  writeFileSync(join(opts.runDir, "run.lock"), JSON.stringify({ pid: process.ppid, start: "", what: "install" }));
  const { runner, calls } = tableRunner();
  const r = await cleanup(ctx(runner), opts);
  assert.deepEqual(calls, []);
  assert.match(r.problems[0] ?? "", /byol install \(pid \d+\) is still running/);
});

test("a second cleanup finds nothing and resets nothing", async () => {
  const { dir, opts } = killedRun();
  await cleanup(ctx(tableRunner().runner), opts);
  writeFileSync(opts.mountsFile, "sysfs /sys sysfs rw 0 0\n");
  writeFileSync(opts.mdstatFile, "Personalities :\nunused devices: <none>\n");
  const empty = { ...opts, sysBlock: join(dir, "empty-sys") };
  const { runner, calls } = tableRunner();
  const r = await cleanup(ctx(runner), empty);
  assert.deepEqual(r, { released: [], problems: [] });
  assert.deepEqual(calls, [PVS]);
});

test("a run that finished ok keeps its partition tables", async () => {
  const { opts } = killedRun({ finished: { ok: true, exitCode: 0 } });
  const { runner, calls } = tableRunner();
  await cleanup(ctx(runner), opts);
  assert.ok(!calls.some((c) => c.startsWith("wipefs") || c.startsWith("sgdisk")));
});

test("a run that is still alive is left alone", async () => {
  const { opts } = killedRun({ pid: process.ppid });
  const { runner, calls } = tableRunner();
  const r = await cleanup(ctx(runner), opts);
  assert.deepEqual(calls, []);
  assert.match(r.problems[0]!, /run r1 \(pid \d+\) is still running/);
});

test("a release that fails is a problem, the rest still happens, and the state keeps it", async () => {
  const { opts } = killedRun();
  const { runner, calls } = tableRunner({ "mdadm --stop /dev/md0": { fail: "mdadm: Cannot get exclusive access" } });
  const r = await cleanup(ctx(runner), opts);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!, /^releasing md \/dev\/md0: .*Cannot get exclusive access/);
  assert.ok(calls.includes("sgdisk -Z /dev/sdb"));
  assert.deepEqual(readRunState(opts.runDir)?.md, ["/dev/md0"]);
});

test("with no state file it unmounts a real leftover tmpfs and touches no disk", async (t) => {
  const { runner, dir } = setup();
  const root = join(dir, "a");
  mkdirSync(join(root, "inner"), { recursive: true });
  try {
    await runner.run(["mount", "-t", "tmpfs", "tmpfs", root], { step: "mount" });
    mkdirSync(join(root, "inner"));
    await runner.run(["mount", "-t", "tmpfs", "tmpfs", join(root, "inner")], { step: "mount" });
  } catch {
    return t.skip("needs root to mount a tmpfs");
  }
  const r = await cleanup(ctx(runner), { runDir: join(dir, "none"), mountRoots: [root] });
  assert.deepEqual(r, { released: [`mount ${root}/inner`, `mount ${root}`], problems: [] });
  assert.ok(!readFileSync("/proc/self/mounts", "utf8").includes(root));
});

test("a killed run's ZFS pool is exported and its members' labels cleared before the tables are reset", async () => {
  const { dir, opts } = killedRun();
  const store = new RunStateStore(opts.runDir, { ...readRunState(opts.runDir)!, zpool: ["zp"] });
  assert.deepEqual(store.state.zpool, ["zp"]);
  mkdirSync(join(dir, "zfs-module"));
  const list = "zpool list -H -v -P";
  const { runner, calls } = tableRunner({
    [list]: {
      stdout:
        "zp\t3.5G\t1M\t3.5G\t-\t-\t0%\t0%\t1.00x\tONLINE\t/tmp/a\n\tmirror-0\t3.5G\t1M\t3.5G\t-\t-\t0%\t0%\t-\tONLINE\n" +
        "\t/dev/sda4\t3.5G\t-\t-\t-\t-\t-\t-\t-\tONLINE\n\t/dev/sdb4\t3.5G\t-\t-\t-\t-\t-\t-\t-\tONLINE\n" +
        "logs\t-\t-\t-\t-\t-\t-\t-\t-\t-\n\t/dev/sdb5\t1G\t-\nrpool\t1G\t1M\t1G\t-\t-\t0%\t0%\t1.00x\tONLINE\t-\n\t/dev/sdc2\t1G\t-\n",
    },
  });
  const r = await cleanup(ctx(runner), { ...opts, zfsModule: join(dir, "zfs-module") });
  assert.deepEqual(r.problems, []);
  const zfs = calls.filter((c) => c.startsWith("zpool"));
  assert.deepEqual(zfs, [
    list,
    "zpool export -f zp",
    "zpool labelclear -f /dev/sda4",
    "zpool labelclear -f /dev/sdb4",
    "zpool labelclear -f /dev/sdb5",
  ]);
  assert.ok(calls.indexOf("zpool export -f zp") > calls.indexOf("umount /tmp/a"), "after the datasets' mounts");
  assert.ok(calls.indexOf("zpool labelclear -f /dev/sdb5") < calls.indexOf("wipefs -a -f /dev/sda"));
  assert.deepEqual(readRunState(opts.runDir)?.zpool, []);
});

test("a pool on another disk that the run did not record is left imported", async () => {
  const { dir, opts } = killedRun();
  mkdirSync(join(dir, "zfs-module"));
  const { runner, calls } = tableRunner({ "zpool list -H -v -P": { stdout: "data\n\t/dev/sdc1\n" } });
  await cleanup(ctx(runner), { ...opts, zfsModule: join(dir, "zfs-module") });
  assert.deepEqual(
    calls.filter((c) => c.startsWith("zpool")),
    ["zpool list -H -v -P"],
  );
});

test("a killed run's copies of the image in RAM go: FUSE daemon stopped, scratch directories and the image removed", async (t) => {
  const { dir, opts } = killedRun();
  const shm = opts.shmDir;
  // a live process that /proc (the test's own) says is the inspection's qemu-storage-daemon
  const daemon = spawn("sleep", ["60"], { stdio: "ignore" });
  t.after(() => daemon.kill("SIGKILL"));
  const inspect = join(shm, "byol-inspect-AbC123");
  mkdirSync(join(inspect, "root"), { recursive: true });
  writeFileSync(join(inspect, "qemu-storage-daemon.pid"), `${daemon.pid}\n`);
  fakeProc(opts.proc, daemon.pid!, ["qemu-storage-daemon", "--daemonize", "--pidfile", join(inspect, "x")]);
  mkdirSync(join(shm, "byol-config-drive-Xy9"), { recursive: true });
  const older = join(shm, "byol-inspect-older"); // from before the run started: not the run's
  mkdirSync(older, { recursive: true });
  utimesSync(older, new Date("2020-01-01"), new Date("2020-01-01"));
  mkdirSync(join(shm, "someone-else"), { recursive: true });
  mkdirSync(join(shm, "byol"), { recursive: true });
  writeFileSync(opts.imagePath, Buffer.alloc(3 * 1024 * 1024, 1));
  // nbd2 is served by a qemu-nbd on byol's image (not recorded: killed before it could be), nbd1 by another
  mkdirSync(join(opts.sysBlock, "nbd2"), { recursive: true });
  writeFileSync(join(opts.sysBlock, "nbd2", "pid"), "4242\n");
  fakeProc(opts.proc, 4242, [
    "/usr/bin/qemu-nbd",
    "--read-only",
    "--format=qcow2",
    "--connect=/dev/nbd2",
    opts.imagePath,
  ]);
  fakeProc(opts.proc, 1, ["/usr/bin/qemu-nbd", "--connect=/dev/nbd1", "/srv/lab.qcow2"]);

  const { runner, calls } = tableRunner();
  const r = await cleanup(ctx(runner), opts);
  assert.deepEqual(r.problems, []);
  assert.ok(calls.includes("qemu-nbd -d /dev/nbd2"), calls.join("\n"));
  assert.ok(!calls.includes("qemu-nbd -d /dev/nbd1"), "another client's nbd is left alone");
  const ram = r.released.filter((w) => /^(qemu-storage-daemon|scratch|image) /.test(w));
  assert.deepEqual(ram, [
    `qemu-storage-daemon ${daemon.pid} (${inspect})`,
    ...[join(shm, "byol-config-drive-Xy9"), inspect].sort().map((d) => `scratch ${d}`),
    `image ${opts.imagePath} (3 MiB of RAM)`,
  ]);
  await new Promise((resolve) =>
    daemon.exitCode !== null || daemon.signalCode !== null ? resolve(0) : daemon.once("exit", resolve),
  );
  assert.equal(daemon.signalCode, "SIGTERM", "the daemon got SIGTERM");
  assert.ok(!existsSync(opts.imagePath) && !existsSync(inspect) && !existsSync(join(shm, "byol-config-drive-Xy9")));
  assert.ok(existsSync(older) && existsSync(join(shm, "someone-else")), "what is not the run's stays");

  const again = await cleanup(ctx(tableRunner().runner), { ...opts, sysBlock: join(dir, "empty-sys") });
  assert.deepEqual(
    again.released.filter((w) => /^(qemu-storage-daemon|scratch|image) /.test(w)),
    [],
  );
});

function fakeProc(proc: string, pid: number, argv: string[]): void {
  mkdirSync(join(proc, String(pid)), { recursive: true });
  writeFileSync(join(proc, String(pid), "cmdline"), `${argv.join("\0")}\0`);
}
