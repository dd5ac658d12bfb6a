// The zpool and zfs-target steps with a fake runner: the pool is held from `zpool create` on and
// exported by the run's stack (also when a later command fails, and when it is already gone); the
// target gets an /etc/hostid (the image's kept, else the rescue's copied, else a new non-zero one)
// and loses a stale zpool.cache.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { RunContext } from "../../agent/exec/context.ts";
import type { HeldKind, Runner, StepEvent } from "../../agent/exec/types.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import type { ZfsTargetStep, ZpoolStep } from "../../agent/plan/types.ts";
import { Redactor } from "../../agent/redact.ts";
import * as zfsTarget from "../../agent/steps/zfs-target.ts";
import * as zpool from "../../agent/steps/zpool.ts";
import { inventory, withLayout } from "../plan/builders.ts";
import { commandFailure, fakeRunner } from "../support/fake-runner.ts";

function context(runner: Runner) {
  const events: StepEvent[] = [];
  const held: Record<string, string[]> = {};
  const ctx: RunContext = {
    runner,
    events: { emit: (e: StepEvent) => void events.push(e) },
    log: pino({ level: "silent" }),
    redactor: new Redactor(),
    stack: new AsyncDisposableStack(),
    state: { runId: "t", targetDisks: ["/dev/sda", "/dev/sdb"], disksWritten: false },
    signal: new AbortController().signal,
    runDir: "/nonexistent",
    held: {
      hold: (kind: HeldKind, v: string) => {
        held[kind] = [...(held[kind] ?? []), v];
      },
      drop: (kind: HeldKind, v: string) => {
        held[kind] = (held[kind] ?? []).filter((x) => x !== v);
      },
      save: () => {},
    },
  };
  return { ctx, events, held };
}

const plan = buildPlan(
  withLayout([
    { mountPoint: "/", fileSystem: "ext4", sizeMiB: 20480, raidLevel: 1 },
    { mountPoint: "/data", fileSystem: "zfs", sizeMiB: 0 },
  ]),
  inventory("uefi-2disks"),
);
const zpoolStep = plan.steps.find((s): s is ZpoolStep => s.kind === "zpool")!;

describe("the zpool step", () => {
  it("marks the disks written, runs the plan's commands and exports the pool when the run ends", async () => {
    const runner = fakeRunner();
    const { ctx, held } = context(runner);
    await zpool.run(ctx, zpoolStep);
    assert.equal(ctx.state.disksWritten, true);
    assert.deepEqual(runner.argv, zpoolStep.commands);
    assert.deepEqual(held["zpool"], ["zp"]);
    await ctx.stack.disposeAsync();
    assert.deepEqual(runner.argv.at(-1), ["zpool", "export", "zp"]);
    assert.deepEqual(held["zpool"], []);
  });

  it("a failing zfs create after zpool create still leaves the pool to be exported", async () => {
    const runner = fakeRunner((call) => {
      if (call.argv[0] === "zfs") throw commandFailure(call, { exitCode: 1, stderr: "cannot create 'zp/data'" });
      return "";
    });
    const { ctx } = context(runner);
    await assert.rejects(zpool.run(ctx, zpoolStep), /zfs create/);
    await ctx.stack.disposeAsync();
    assert.deepEqual(runner.argv.at(-1), ["zpool", "export", "zp"]);
  });

  it("a failing zpool create holds nothing", async () => {
    const runner = fakeRunner((call) => {
      throw commandFailure(call, { exitCode: 1, stderr: "invalid vdev specification" });
    });
    const { ctx, held } = context(runner);
    await assert.rejects(zpool.run(ctx, zpoolStep));
    await ctx.stack.disposeAsync();
    assert.equal(runner.argv.length, 1);
    assert.equal(held["zpool"], undefined);
  });

  it("a busy export is forced; a pool already gone counts as released", async () => {
    for (const [stderr, last] of [
      ["cannot export 'zp': pool is busy", ["zpool", "export", "-f", "zp"]],
      ["cannot open 'zp': no such pool", ["zpool", "export", "zp"]],
    ] as const) {
      const runner = fakeRunner((call) => {
        if (call.argv[1] === "export" && call.argv[2] !== "-f") throw commandFailure(call, { exitCode: 1, stderr });
        return "";
      });
      const { ctx, held } = context(runner);
      await zpool.run(ctx, zpoolStep);
      await ctx.stack.disposeAsync();
      assert.deepEqual(runner.argv.at(-1), last);
      assert.deepEqual(held["zpool"], [], stderr);
    }
  });
});

describe("the zfs-target step", () => {
  const root = () => mkdtempSync(join(tmpdir(), "byol-zfs-"));
  const stepIn = (dir: string): ZfsTargetStep => ({
    ...plan.steps.find((s): s is ZfsTargetStep => s.kind === "zfs-target")!,
    hostidFile: join(dir, "etc/hostid"),
    cacheFile: join(dir, "etc/zfs/zpool.cache"),
  });

  it("runs canmount=on, then copies the rescue's hostid and removes the image's zpool.cache", async () => {
    const dir = root();
    mkdirSync(join(dir, "etc/zfs"), { recursive: true });
    writeFileSync(join(dir, "etc/zfs/zpool.cache"), "stale");
    writeFileSync(join(dir, "rescue-hostid"), Buffer.from([1, 2, 3, 4]));
    const runner = fakeRunner();
    const { ctx, events } = context(runner);
    await zfsTarget.run(ctx, stepIn(dir), join(dir, "rescue-hostid"));
    assert.deepEqual(runner.argv, [["zfs", "set", "canmount=on", "zp/data"]]);
    assert.deepEqual([...readFileSync(join(dir, "etc/hostid"))], [1, 2, 3, 4]);
    assert.equal(existsSync(join(dir, "etc/zfs/zpool.cache")), false);
    assert.ok(events.some((e) => e.phase === "log" && /copied from the rescue's/.test(e.message)));
  });

  it("keeps the image's hostid, or writes a new non-zero one", async () => {
    const kept = root();
    mkdirSync(join(kept, "etc"));
    writeFileSync(join(kept, "etc/hostid"), Buffer.from([9, 9, 9, 9]));
    await zfsTarget.run(context(fakeRunner()).ctx, stepIn(kept), join(kept, "none"));
    assert.deepEqual([...readFileSync(join(kept, "etc/hostid"))], [9, 9, 9, 9]);

    const fresh = root();
    await zfsTarget.run(context(fakeRunner()).ctx, stepIn(fresh), join(fresh, "none"));
    const id = readFileSync(join(fresh, "etc/hostid"));
    assert.equal(id.length, 4);
    assert.notEqual(id.readUInt32LE(0), 0);
  });
});
