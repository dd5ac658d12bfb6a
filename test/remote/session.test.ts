// The detach and re-attach state machine against a fake transport: each `status --follow` call is
// scripted (lines it prints, then how it ends), so drops, replays and give-ups are exact.

import assert from "node:assert/strict";
import { test } from "node:test";
import { RemoteError } from "../../agent/errors.ts";
import { follow, parseStarted, startDetached } from "../../agent/remote/session.ts";
import type { CallOptions, CallResult, Transport } from "../../agent/remote/ssh.ts";

interface Scripted {
  lines: string[];
  exitCode: number;
  stderr?: string;
  chunked?: boolean; // deliver lines split mid-line
}

class FakeTransport implements Transport {
  readonly where = "root@rescue";
  readonly calls: { command: string; input: string | undefined }[] = [];
  readonly script: Scripted[];
  constructor(script: Scripted[]) {
    this.script = script;
  }
  async call(command: string, opts: CallOptions = {}): Promise<CallResult> {
    this.calls.push({ command, input: typeof opts.input === "string" ? opts.input : undefined });
    const next = this.script.shift();
    if (next === undefined) throw new Error(`unexpected call ${command}`);
    const out = next.lines.map((l) => `${l}\n`).join("");
    if (opts.onStdout !== undefined) {
      if (next.chunked) for (let i = 0; i < out.length; i += 7) opts.onStdout(Buffer.from(out.slice(i, i + 7)));
      else opts.onStdout(Buffer.from(out));
    }
    return { exitCode: next.exitCode, stdout: opts.onStdout === undefined ? out : "", stderr: next.stderr ?? "" };
  }
}

const ev = (n: number) => JSON.stringify({ ts: "t", step: "copy", phase: "progress", bytes: n, total: 9 });
const result = (code: number) =>
  JSON.stringify({ ts: "t", step: "result", phase: "result", ok: code === 0, exitCode: code });
const DROP = "client_loop: send disconnect: Broken pipe\n";

function run(script: Scripted[], retries = 3) {
  const t = new FakeTransport(script);
  const shown: string[] = [];
  const slept: number[] = [];
  const retried: number[] = [];
  const outcome = follow(t, {
    command: "byol status --follow --json --run r1",
    onLine: (l) => shown.push(l),
    retries,
    delayMs: (attempt) => attempt * 100,
    sleep: async (ms) => void slept.push(ms),
    onRetry: (attempt) => retried.push(attempt),
  });
  return { t, shown, slept, retried, outcome };
}

test("a follow that sees the result: every line once, the install's exit code", async () => {
  const r = run([{ lines: [ev(1), ev(2), result(4)], exitCode: 4, chunked: true }]);
  assert.deepEqual(await r.outcome, { kind: "result", exitCode: 4 });
  assert.deepEqual(r.shown, [ev(1), ev(2), result(4)]);
});

test("a drop mid-install: attach again, the replayed lines are not shown twice", async () => {
  const r = run([
    { lines: [ev(1), ev(2)], exitCode: 255, stderr: DROP },
    { lines: [ev(1), ev(2), ev(3), result(0)], exitCode: 0 },
  ]);
  assert.deepEqual(await r.outcome, { kind: "result", exitCode: 0 });
  assert.deepEqual(r.shown, [ev(1), ev(2), ev(3), result(0)]);
  assert.deepEqual(r.slept, [100]);
  assert.equal(r.t.calls.length, 2);
  assert.ok(r.t.calls.every((c) => c.command === "byol status --follow --json --run r1"));
});

test("the server unreachable for a while: backoff grows, then the attach works", async () => {
  const refused = { lines: [], exitCode: 255, stderr: "ssh: connect to host h port 22: Connection refused\n" };
  const r = run([
    { lines: [ev(1)], exitCode: 255, stderr: DROP },
    refused,
    refused,
    { lines: [ev(1), result(3)], exitCode: 3 },
  ]);
  assert.deepEqual(await r.outcome, { kind: "result", exitCode: 3 });
  assert.deepEqual(r.slept, [100, 200, 300]);
  assert.deepEqual(r.shown, [ev(1), result(3)]);
});

test("bounded: after the retries, exit 16 saying the install goes on", async () => {
  const refused = { lines: [], exitCode: 255, stderr: "ssh: connect to host h port 22: Connection refused\n" };
  const r = run([{ lines: [ev(1)], exitCode: 255, stderr: DROP }, refused, refused, refused], 3);
  await assert.rejects(r.outcome, (e: unknown) => {
    assert.ok(e instanceof RemoteError);
    assert.equal(e.exitCode, 16);
    assert.match(e.message, /after 3 tries .* the install goes on there/);
    return true;
  });
  assert.deepEqual(r.retried, [1, 2, 3]);
});

test("a changed host key while re-attaching is not retried", async () => {
  const r = run([
    { lines: [ev(1)], exitCode: 255, stderr: DROP },
    { lines: [], exitCode: 255, stderr: "Host key verification failed.\n" },
  ]);
  await assert.rejects(r.outcome, (e: unknown) => e instanceof RemoteError && e.exitCode === 11);
});

test("status ends without a result line (no such run): its code and stderr, no retry", async () => {
  const r = run([{ lines: [], exitCode: 3, stderr: "byol status: no run r1\n" }]);
  assert.deepEqual(await r.outcome, { kind: "ended", exitCode: 3, stderr: "byol status: no run r1\n" });
});

test("start: the request goes on stdin, the run comes back; a refusal keeps its code and output", async () => {
  const started = { runId: "r1", pid: 42, runDir: "/run/byol/r1" };
  const t = new FakeTransport([
    { lines: ["noise", JSON.stringify(started)], exitCode: 0 },
    { lines: [result(2)], exitCode: 2, stderr: "request: imageURL: expected a URL\n" },
  ]);
  assert.deepEqual(await startDetached(t, "byol install --request - --detach --json", '{"secret":1}'), {
    kind: "started",
    run: started,
  });
  assert.equal(t.calls[0]?.input, '{"secret":1}');
  assert.ok(!t.calls[0]?.command.includes("secret"), "never in argv");
  const refused = await startDetached(t, "byol install --request - --detach --json", "{}");
  assert.equal(refused.kind, "refused");
  assert.equal(refused.kind === "refused" && refused.exitCode, 2);
  assert.equal(parseStarted('{"runId":"x"}'), undefined);
});
