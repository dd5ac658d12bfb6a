// The interpreter with a fake runner that records argv: order, events, teardown, refusal.
// Fakes are fine here because this is the pure sequencing logic; the VM tests run the real thing.

import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pino } from "pino";
import { CommandError } from "../../agent/errors.ts";
import type { RunContext } from "../../agent/exec/context.ts";
import type { StepEvent } from "../../agent/exec/types.ts";
import { install, runSteps, selectSteps } from "../../agent/install.ts";
import { PLAN_VERSION, type Plan, type PlanStep } from "../../agent/plan/types.ts";
import type { Inventory } from "../../agent/probe/types.ts";
import { Redactor } from "../../agent/redact.ts";
import type { InstallRequest } from "../../agent/request/types.ts";
import { type Call, commandFailure, fakeRunner } from "../support/fake-runner.ts";

const request: InstallRequest = {
  operatingSystem: "byolinux_64",
  hostname: "web1",
  image: { url: "https://example.test/i.qcow2", type: "qcow2", httpHeaders: { Authorization: "Bearer s3cr3t-token" } },
  userData: "#cloud-config\nruncmd: [echo secret-user-data]\n",
  configDriveMetadata: {},
  storage: [{ diskGroupId: 1, layout: [], defaultLayout: true }],
};
const inventory: Inventory = {
  firmware: "uefi",
  memoryBytes: 8 * 1024 ** 3,
  gptBoot: true,
  disks: [],
  mdArrays: [],
  mounts: [],
  nics: [{ name: "eth0", mac: "52:54:00:12:34:56", up: true }],
};

const inputs = () => ({
  request,
  inventory,
  plan: plan([]),
  image: {},
  settings: { scriptTimeoutMs: 60_000, bootOrder: "keep" as const, noReboot: true },
});

function diskSteps(target: string): PlanStep[] {
  return [
    {
      kind: "wipe",
      id: "wipe",
      title: "wiping /dev/vdb",
      disks: ["/dev/vdb"],
      commands: [["sgdisk", "-Z", "/dev/vdb"]],
    },
    {
      kind: "partition",
      id: "partition:/dev/vdb",
      title: "partitioning /dev/vdb",
      disk: "/dev/vdb",
      table: "gpt",
      partitions: ["/dev/null"], // exists on any host
      commands: [["sgdisk", "-o", "/dev/vdb"]],
    },
    {
      kind: "mkfs",
      id: "mkfs:/dev/vdb2",
      title: "formatting",
      device: "/dev/vdb2",
      fileSystem: "ext4",
      commands: [["mkfs.ext4", "/dev/vdb2"]],
    },
    {
      kind: "mount",
      id: "mount:/",
      title: "mounting /",
      device: "/dev/vdb2",
      mountPoint: "/",
      target,
      fileSystem: "ext4",
      commands: [["mount", "-t", "ext4", "/dev/vdb2", target]],
    },
    {
      kind: "mount",
      id: "mount:/boot",
      title: "mounting /boot",
      device: "/dev/vdb1",
      mountPoint: "/boot",
      target: `${target}/boot`,
      fileSystem: "ext4",
      commands: [["mount", "-t", "ext4", "/dev/vdb1", `${target}/boot`]],
    },
    {
      kind: "config-drive",
      id: "config-drive",
      title: "writing the config drive",
      disk: "/dev/vdb",
      device: "/dev/vdb3",
      sizeMiB: 64,
      commands: [["mkfs.vfat", "-n", "config-2", "/dev/vdb3"]],
    },
  ];
}

function plan(steps: PlanStep[]): Plan {
  return {
    version: PLAN_VERSION,
    operatingSystem: "byolinux_64",
    firmware: "uefi",
    table: "gpt",
    targetRoot: "/tmp/a",
    disks: [{ path: "/dev/vdb", sizeBytes: 4 * 1024 ** 3, logicalSectorSize: 512, table: "gpt", partitions: [] }],
    fstab: [],
    steps,
  };
}

const image = (kind: "download" | "attach" | "finish"): PlanStep =>
  kind === "download"
    ? {
        kind,
        id: kind,
        title: kind,
        commands: [],
        url: "x",
        imageType: "qcow2",
        destination: "ram",
        path: "/dev/shm/i",
      }
    : kind === "attach"
      ? { kind, id: kind, title: kind, commands: [], mountPoint: "/dev/shm/image" }
      : { kind, id: kind, title: kind, commands: [], unmount: [] };

interface StagedCall extends Call {
  staged?: Record<string, { text: string; mode: number }>;
}

// A runner that answers lsblk like a clean disk, and fails the command `failOn` names.
function fakeContext(failOn?: string) {
  const events: StepEvent[] = [];
  const runner = fakeRunner<StagedCall>(async (call) => {
    const { argv } = call;
    if (argv[0] === "mcopy") call.staged = await readTree(argv[4] as string);
    if (argv[0] === failOn) throw commandFailure(call, { exitCode: 1, stderr: "boom", message: `${argv[0]} failed` });
    return argv[0] === "lsblk"
      ? JSON.stringify({ blockdevices: [{ name: "/dev/vdb", type: "disk", mountpoints: [null] }] })
      : "";
  });
  const calls = runner.calls;
  const ctx: RunContext = {
    runner,
    events: { emit: (e) => events.push(e) },
    log: pino({ level: "silent" }),
    redactor: new Redactor(),
    stack: new AsyncDisposableStack(),
    state: { runId: "t", targetDisks: ["/dev/vdb"], disksWritten: false },
    signal: new AbortController().signal,
    runDir: "/nonexistent",
  };
  return { ctx, calls, events };
}

async function readTree(dir: string, prefix = ""): Promise<Record<string, { text: string; mode: number }>> {
  const out: Record<string, { text: string; mode: number }> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, await readTree(path, `${prefix}${entry.name}/`));
    else out[`${prefix}${entry.name}`] = { text: await readFile(path, "utf8"), mode: (await stat(path)).mode & 0o777 };
  }
  return out;
}

test("selectSteps: --stop-after disks skips download, runs the disk steps, stops before the first image step", () => {
  const steps = [image("download"), ...diskSteps("/tmp/x"), image("attach"), image("finish")];
  assert.deepEqual(
    selectSteps(plan(steps), "disks").map((s) => s.id),
    ["wipe", "partition:/dev/vdb", "mkfs:/dev/vdb2", "mount:/", "mount:/boot", "config-drive"],
  );
});

test("selectSteps: without --stop-after every step runs, byoi_64's included; --stop-after disks refuses byoi_64", () => {
  const write: PlanStep = {
    kind: "write-image",
    id: "write-image",
    title: "w",
    commands: [],
    disk: "/dev/vdb",
    imageType: "raw",
    source: "file",
    path: "/dev/shm/byol/image",
  };
  const move: PlanStep = { kind: "move-backup-gpt", id: "move-backup-gpt", title: "m", commands: [], disk: "/dev/vdb" };
  const byoi = { ...plan([write, move, image("finish")]), operatingSystem: "byoi_64" as const };
  assert.deepEqual(
    selectSteps(byoi, undefined).map((s) => s.kind),
    ["write-image", "move-backup-gpt", "finish"],
  );
  assert.throws(() => selectSteps(byoi, "disks"), {
    name: "InstallError",
    message: /--stop-after disks does not apply to byoi_64/,
  });
  const byolinux = [image("download"), ...diskSteps("/tmp/x"), image("attach"), image("finish")];
  assert.equal(selectSteps(plan(byolinux), undefined).length, 9);
});

test("runSteps runs every step in plan order with start/done events, and the stack unmounts in reverse", async () => {
  const target = await mkdtemp(join(tmpdir(), "byol-install-"));
  const { ctx, calls, events } = fakeContext();
  await runSteps(ctx, diskSteps(target), inputs());
  assert.equal(ctx.state.disksWritten, true);
  const programs = calls.map((c) => c.argv[0]);
  assert.deepEqual(programs, [
    ...["lsblk", "sgdisk", "partprobe", "udevadm"], // wipe: holders, the plan's commands, rescan
    ...["sgdisk", "lsblk", "wipefs", "udevadm"], // partition: the plan's commands, stale holders and signatures
    ...["mkfs.ext4", "mount", "mount", "mkfs.vfat", "mcopy"],
  ]);
  assert.ok(calls.every((c) => c.options.step !== undefined));
  assert.deepEqual(
    events.map((e) => `${e.phase} ${e.step}`),
    diskSteps(target).flatMap((s) => [`start ${s.id}`, `done ${s.id}`]),
  );
  calls.length = 0;
  await ctx.stack.disposeAsync();
  assert.deepEqual(
    calls.map((c) => c.argv.join(" ")),
    [`umount ${target}/boot`, `umount ${target}`],
  );
});

test("config drive: files staged privately, user data only as a 0600 file, never on an argv", async () => {
  const target = await mkdtemp(join(tmpdir(), "byol-install-"));
  const { ctx, calls } = fakeContext();
  await runSteps(ctx, diskSteps(target), inputs());
  const mcopy = calls.find((c) => c.argv[0] === "mcopy");
  assert.ok(mcopy?.staged);
  assert.deepEqual(mcopy.argv.slice(0, 4), ["mcopy", "-s", "-i", "/dev/vdb3"]);
  assert.equal(mcopy.argv[5], "::/");
  assert.match(mcopy.argv[4] ?? "", /^\/dev\/shm\/byol-config-drive-.*\/openstack$/);
  assert.deepEqual(Object.keys(mcopy.staged).sort(), [
    "latest/meta_data.json",
    "latest/network_data.json",
    "latest/user_data",
  ]);
  assert.equal(mcopy.staged["latest/user_data"]?.text, request.userData);
  assert.equal(mcopy.staged["latest/user_data"]?.mode, 0o600);
  const meta = JSON.parse(mcopy.staged["latest/meta_data.json"]?.text ?? "{}");
  assert.match(meta.uuid, /^[0-9a-f-]{36}$/);
  assert.equal(meta.hostname, "web1");
  for (const c of calls) assert.ok(!c.argv.join(" ").includes("secret-user-data"));
  // the staging directory is gone
  await assert.rejects(stat(mcopy.argv[4] as string));
});

test("a failing command ends the run with a failed event naming the step, and later steps never start", async () => {
  const target = await mkdtemp(join(tmpdir(), "byol-install-"));
  const { ctx, calls, events } = fakeContext("mkfs.ext4");
  await assert.rejects(runSteps(ctx, diskSteps(target), inputs()), CommandError);
  assert.equal(calls.at(-1)?.argv[0], "mkfs.ext4");
  const last = events.at(-1);
  assert.equal(last?.phase, "failed");
  assert.equal(last?.step, "mkfs:/dev/vdb2");
  assert.ok(!events.some((e) => e.step.startsWith("mount")));
});

test("install refuses --stop-after disks for byoi_64: exit 2, result line, no command, no state file", async () => {
  const runDir = await mkdtemp(join(tmpdir(), "byol-run-"));
  const chunks: string[] = [];
  const out = { write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WritableStream;
  const code = await install({
    request: { ...request, operatingSystem: "byoi_64" },
    inventory,
    plan: {
      ...plan([{ kind: "move-backup-gpt", id: "move-backup-gpt", title: "m", commands: [], disk: "/dev/vdb" }]),
      operatingSystem: "byoi_64",
    },
    json: true,
    noReboot: true,
    bootOrder: "keep",
    stopAfter: "disks",
    runDir,
    out,
  });
  assert.equal(code, 2);
  const lines = chunks
    .join("")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].phase, "result");
  assert.equal(lines[0].ok, false);
  assert.equal(lines[0].exitCode, 2);
  assert.match(lines[0].error.message, /--stop-after disks does not apply to byoi_64/);
  const files = await readdir(runDir);
  assert.ok(!files.includes("journal.jsonl"));
  assert.ok(!files.includes("current.json"));
  assert.ok(!(await readFile(join(runDir, "byol.log"), "utf8")).includes("s3cr3t-token"));
});
