import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CommandError } from "../../agent/errors.ts";
import { setup } from "./helpers.ts";

test("records argv, exit code, duration and output tails in the journal", async () => {
  const { dir, runner, journal } = setup();
  const r = await runner.run(["sh", "-c", "echo out; echo err >&2"], { step: "probe" });
  assert.equal(r.id, 1);
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout, "out\n");
  assert.equal(r.stderr, "err\n");
  const [entry] = journal.entries();
  assert.deepEqual(entry?.argv, ["sh", "-c", "echo out; echo err >&2"]);
  assert.equal(entry?.step, "probe");
  assert.equal(entry?.stdoutTail, "out\n");
  assert.equal(entry?.stderrTail, "err\n");
  assert.ok(typeof entry?.durationMs === "number" && entry.durationMs >= 0);
  const lines = readFileSync(join(dir, "journal.jsonl"), "utf8").trim().split("\n");
  assert.deepEqual(JSON.parse(lines[0]!), entry);
});

test("ids are 1-based per runner and the tail keeps the last 4 KiB", async () => {
  const { runner, journal } = setup();
  await runner.run(["true"], { step: "a" });
  const r = await runner.run(["sh", "-c", "head -c 10000 /dev/zero | tr '\\0' x; echo END"], { step: "b" });
  assert.equal(r.id, 2);
  assert.equal(r.stdout.length, 10004);
  const tail = journal.entries()[1]!.stdoutTail;
  assert.equal(tail.length, 4096);
  assert.ok(tail.endsWith("xEND\n"));
});

test("a non-zero exit throws CommandError naming the step, the command, the code and stderr", async () => {
  const { runner, journal } = setup();
  const err = await runner
    .run(["sh", "-c", "echo first >&2; echo 'Could not create partition 1' >&2; exit 4", "x y"], {
      step: "partition:/dev/sda",
    })
    .catch((e: unknown) => e);
  assert.ok(err instanceof CommandError);
  assert.equal(
    err.message,
    "partition:/dev/sda: sh -c 'echo first >&2; echo '\\''Could not create partition 1'\\'' >&2; exit 4' 'x y' " +
      "exited with code 4: first; Could not create partition 1",
  );
  assert.equal(err.exitCode, 4);
  assert.equal(err.step, "partition:/dev/sda");
  assert.equal(err.timedOut, false);
  assert.match(err.stderrTail, /Could not create partition 1/);
  assert.equal(journal.entries()[0]?.exitCode, 4);
});

test("okExitCodes accepts a documented non-zero code", async () => {
  const { runner } = setup();
  const r = await runner.run(["sh", "-c", "exit 2"], { step: "s", okExitCodes: [0, 2] });
  assert.equal(r.exitCode, 2);
});

test("a missing program is 'command not found'", async () => {
  const { runner, journal } = setup();
  const err = await runner.run(["sgdisk-missing", "-Z", "/dev/sda"], { step: "wipe" }).catch((e: unknown) => e);
  assert.ok(err instanceof CommandError);
  assert.equal(err.message, "wipe: command not found: sgdisk-missing");
  assert.equal(err.exitCode, null);
  assert.equal(journal.entries()[0]?.exitCode, null);
});

test("a timeout stops the command and says so", async () => {
  const { runner, journal } = setup({ graceMs: 200 });
  const t0 = Date.now();
  const err = await runner.run(["sleep", "30"], { step: "script", timeoutMs: 200 }).catch((e: unknown) => e);
  assert.ok(Date.now() - t0 < 5000);
  assert.ok(err instanceof CommandError);
  assert.equal(err.timedOut, true);
  assert.equal(err.message, "script: sleep 30 timed out after 0.2s");
  assert.equal(journal.entries()[0]?.timedOut, true);
});

test("a timeout also stops grandchildren that ignore SIGTERM and hold the pipes", async () => {
  const { runner } = setup({ graceMs: 300 });
  const t0 = Date.now();
  const err = await runner
    .run(["sh", "-c", "trap '' TERM; sh -c 'trap \"\" TERM; sleep 30'; echo never"], { step: "s", timeoutMs: 200 })
    .catch((e: unknown) => e);
  assert.ok(err instanceof CommandError && err.timedOut);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
});

test("abort sends SIGTERM to a running command at once", async () => {
  const ac = new AbortController();
  const { runner, journal } = setup({ signal: ac.signal });
  const t0 = Date.now();
  setTimeout(() => ac.abort(), 100);
  const err = await runner.run(["sleep", "30"], { step: "copy" }).catch((e: unknown) => e);
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  assert.ok(err instanceof CommandError);
  assert.equal(err.signal, "SIGTERM");
  assert.equal(err.message, "copy: sleep 30 was interrupted");
  assert.equal(journal.entries()[0]?.signal, "SIGTERM");
});

test("after abort, new commands do not start unless they are teardown commands", async () => {
  const ac = new AbortController();
  ac.abort();
  const { runner } = setup({ signal: ac.signal });
  await assert.rejects(runner.run(["true"], { step: "format" }), /format: true was interrupted/);
  const r = await runner.run(["true"], { step: "teardown", ignoreAbort: true });
  assert.equal(r.exitCode, 0);
});

test("input goes to stdin, onOutput sees chunks live, env and cwd apply", async () => {
  const { runner, dir } = setup();
  const chunks: string[] = [];
  const r = await runner.run(["sh", "-c", 'cat; echo "$FOO"; pwd; echo e >&2'], {
    step: "s",
    input: "hello\n",
    env: { FOO: "bar" },
    cwd: dir,
    onOutput: (stream, chunk) => chunks.push(`${stream}:${chunk}`),
  });
  assert.equal(r.stdout, `hello\nbar\n${dir}\n`);
  assert.equal(
    chunks
      .filter((c) => c.startsWith("stdout:"))
      .join("")
      .replaceAll("stdout:", ""),
    r.stdout,
  );
  assert.ok(chunks.includes("stderr:e\n"));
});

test("without input, stdin is empty rather than a pipe that never closes", async () => {
  const { runner } = setup();
  const r = await runner.run(["cat"], { step: "s", timeoutMs: 5000 });
  assert.equal(r.stdout, "");
});
