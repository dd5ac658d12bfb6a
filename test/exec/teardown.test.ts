import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createEventSink } from "../../agent/exec/events.ts";
import { RunStateStore } from "../../agent/exec/state.ts";
import { deferRelease, mdHandle, mountHandle, retry } from "../../agent/exec/teardown.ts";
import type { StepEvent } from "../../agent/exec/types.ts";
import { setup } from "./helpers.ts";

// The run context pieces a handle needs, with events collected for assertions.
function context() {
  const base = setup();
  const events: StepEvent[] = [];
  const stack = new AsyncDisposableStack();
  const held = RunStateStore.start({ dir: join(base.dir, "state"), runId: "t", targetDisks: [] });
  return { ...base, stack, held, events: { emit: (e: StepEvent) => events.push(e) }, emitted: events };
}

function mounted(target: string): boolean {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .some((l) => l.split(" ")[1] === target);
}

test("releases run in reverse order; a failing one is logged and never hides the original error", async () => {
  const ctx = context();
  const order: string[] = [];
  deferRelease(ctx, "first", async () => void order.push("first"));
  deferRelease(ctx, "busy thing", () => Promise.reject(new Error("device busy")), { attempts: 2, delayMs: 1 });
  deferRelease(ctx, "last", async () => void order.push("last"));
  const original = new Error("mkfs failed");
  const run = async () => {
    await using _ = ctx.stack;
    throw original;
  };
  await assert.rejects(run(), (e) => e === original);
  assert.deepEqual(order, ["last", "first"]);
  const log = readFileSync(join(ctx.dir, "byol.log"), "utf8");
  assert.equal(log.match(/releasing busy thing failed/g)?.length, 2, "each attempt is logged");
  assert.match(log, /could not release busy thing: device busy/);
  assert.deepEqual(ctx.emitted, [
    { step: "teardown", phase: "log", level: "warn", message: "could not release busy thing: device busy" },
  ]);
});

test("retry returns the first success and rethrows the last error", async () => {
  let calls = 0;
  const seen: number[] = [];
  const value = await retry(
    async () => {
      if (++calls < 3) throw new Error(`try ${calls}`);
      return "ok";
    },
    { attempts: 5, delayMs: 1, onError: (_e, attempt) => seen.push(attempt) },
  );
  assert.equal(value, "ok");
  assert.deepEqual(seen, [1, 2]);
  await assert.rejects(
    retry(() => Promise.reject(new Error("always")), { attempts: 2, delayMs: 1 }),
    /always/,
  );
});

test("releasing early runs the release once", async () => {
  const ctx = context();
  let count = 0;
  const release = deferRelease(ctx, "x", async () => void count++);
  await release();
  await ctx.stack.disposeAsync();
  assert.equal(count, 1);
});

test("a handle whose command fails stays recorded in the state file, and nothing throws", async () => {
  const ctx = context();
  mdHandle(ctx, "/dev/md-test-missing", { attempts: 1 });
  assert.deepEqual(ctx.held.state.md, ["/dev/md-test-missing"]);
  await ctx.stack.disposeAsync();
  assert.deepEqual(ctx.held.state.md, ["/dev/md-test-missing"]);
  const event = ctx.emitted[0];
  assert.ok(event?.phase === "log");
  assert.match(event.message, /^could not release md \/dev\/md-test-missing: teardown: /);
});

test("mountHandle unmounts a tmpfs and forgets it in the state file", async (t) => {
  const ctx = context();
  const target = join(ctx.dir, "a");
  mkdirSync(target);
  try {
    await ctx.runner.run(["mount", "-t", "tmpfs", "tmpfs", target], { step: "mount" });
  } catch {
    return t.skip("needs root to mount a tmpfs");
  }
  mountHandle(ctx, target);
  assert.deepEqual(ctx.held.state.mounts, [target]);
  await ctx.stack.disposeAsync();
  assert.equal(mounted(target), false);
  assert.deepEqual(ctx.held.state.mounts, []);
});

test("mountHandle falls back to a lazy umount when the mount stays busy", async (t) => {
  const ctx = context();
  const target = join(ctx.dir, "busy");
  mkdirSync(target);
  try {
    await ctx.runner.run(["mount", "-t", "tmpfs", "tmpfs", target], { step: "mount" });
  } catch {
    return t.skip("needs root to mount a tmpfs");
  }
  const squatter = spawn("sleep", ["30"], { cwd: target, stdio: "ignore" });
  try {
    mountHandle(ctx, target, { attempts: 2, delayMs: 10 });
    await ctx.stack.disposeAsync();
    assert.equal(mounted(target), false);
    assert.deepEqual(ctx.held.state.mounts, []);
    const journal = ctx.journal.entries().map((e) => e.argv.join(" "));
    assert.deepEqual(journal.slice(1), [`umount ${target}`, `umount ${target}`, `umount -l ${target}`]);
  } finally {
    squatter.kill("SIGKILL");
  }
});

test("teardown events pass through a real event sink", async () => {
  const ctx = context();
  const lines: string[] = [];
  const sink = createEventSink({
    json: true,
    out: { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream,
    redactor: ctx.redactor,
  });
  deferRelease({ ...ctx, events: sink }, "x", () => Promise.reject(new Error("nope")), { attempts: 1 });
  await ctx.stack.disposeAsync();
  assert.equal(JSON.parse(lines[0]!).message, "could not release x: nope");
});
