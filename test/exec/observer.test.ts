// An install outlives its observer, on the host: a real `byol install` process downloads from an
// in-process server that stalls mid-image; meanwhile its stdout pipe is closed, or it gets SIGHUP,
// or it was started with --detach and is followed by `byol status --follow`. Each run goes on and
// ends exactly as an undisturbed one: the checksum does not match, exit 3, before any disk step.
// The inventory's disk is /dev/byol-test-nonexistent-a, and the checksum never matches, so no
// disk step can run on this host whatever happens.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { EXIT_DIED } from "../../agent/status/follow.ts";
import { type Served, serve } from "../support/image-server.ts";

const byol = join(import.meta.dirname, "../../bin/byol.mjs");
const SECRET = "Bearer observer-test-secret";
const SIZE = 4 * 1024 * 1024;
const FIRST = 1024 * 1024; // sent at once; the rest waits for release()

const dir = mkdtempSync(join(tmpdir(), "byol-observer-"));
let server: Served;
const started: number[] = []; // detached pids, killed at the end whatever happened

// The server's gate for the current run: `requested` once the first MiB is out, the rest on `release()`.
function stall() {
  const gate = Promise.withResolvers<void>();
  const requested = Promise.withResolvers<void>();
  return {
    gate: gate.promise,
    release: () => gate.resolve(),
    sent: () => requested.resolve(),
    requested: requested.promise,
  };
}

let stalled = stall();

before(async () => {
  writeFileSync(
    join(dir, "inventory.json"),
    JSON.stringify({
      firmware: "uefi",
      memoryBytes: 8 * 1024 ** 3,
      disks: [{ path: "/dev/byol-test-nonexistent-a", sizeBytes: 16 * 1024 ** 3, logicalSectorSize: 512 }],
    }),
  );
  server = await serve((_req, res: ServerResponse) => {
    const gate = stalled;
    res.writeHead(200, { "content-length": SIZE });
    res.write(Buffer.alloc(FIRST, 1), () => gate.sent());
    void gate.gate.then(() => res.end(Buffer.alloc(SIZE - FIRST, 2)));
  });
});

after(async () => {
  stalled.release();
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }
  await server[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
});

function request(): string {
  return JSON.stringify({
    operatingSystem: "byolinux_64",
    customizations: {
      hostname: "observed",
      imageURL: `${server.url}/image.qcow2`,
      imageType: "qcow2",
      imageCheckSum: "0".repeat(64), // never matches: the run ends before the disks
      imageCheckSumType: "sha256",
      httpHeaders: { Authorization: SECRET },
    },
  });
}

// A fresh state dir and report dir per run.
function env(): { env: NodeJS.ProcessEnv; runDir: string } {
  const runDir = mkdtempSync(join(dir, "run-"));
  return {
    runDir,
    env: {
      ...process.env,
      BYOL_RUN_DIR: runDir,
      BYOL_REPORT_DIR: join(runDir, "reports"),
      BYOL_TEST_INVENTORY: join(dir, "inventory.json"),
    },
  };
}

function byolProcess(args: string[], e: NodeJS.ProcessEnv, input?: string): ChildProcess {
  const child = spawn(process.execPath, [byol, ...args], { env: e, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin?.end(input ?? "");
  return child;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

function collect(stream: NodeJS.ReadableStream | null): { text: () => string } {
  let text = "";
  stream?.on("data", (d) => {
    text += d;
  });
  return { text: () => text };
}

type Line = { phase: string; step?: string; exitCode?: number; error?: { code: string }; message?: string };

function lines(text: string): Line[] {
  return text
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Line);
}

// The run record of the one run in this state dir.
function recorded(runDir: string) {
  const state = JSON.parse(readFileSync(join(runDir, "current.json"), "utf8")) as {
    runId: string;
    finished?: { exitCode: number };
  };
  const events = lines(readFileSync(join(runDir, state.runId, "events.jsonl"), "utf8"));
  const reports = existsSync(join(runDir, "reports")) ? readdirSync(join(runDir, "reports")) : [];
  return { state, events, reports };
}

// The end every run here must reach: the download failed on its checksum, exit 3, nothing after it.
function assertEndedAsUndisturbed(runDir: string) {
  const { state, events, reports } = recorded(runDir);
  const result = events.at(-1);
  assert.equal(result?.phase, "result");
  assert.equal(result?.exitCode, 3);
  assert.equal(result?.error?.code, "checksum");
  assert.equal(state.finished?.exitCode, 3);
  const stepsRun = events.filter((e) => e.phase === "start").map((e) => e.step);
  assert.deepEqual(stepsRun, ["download"], "no step after the download started");
  assert.deepEqual(reports, [`${state.runId}.tar`], "the run record was written at the end");
  for (const file of ["events.jsonl", "byol.log", "journal.jsonl"]) {
    const path = join(runDir, state.runId, file);
    if (existsSync(path)) assert.ok(!readFileSync(path, "utf8").includes("observer-test-secret"), file);
  }
  return { state, events };
}

// `byol install --json` in a fresh state dir, once the server has sent the first MiB and stalls.
async function installStalled() {
  stalled = stall();
  const { env: e, runDir } = env();
  const child = byolProcess(["install", "--request", "-", "--json", "--no-reboot"], e, request());
  const exited = exitOf(child);
  await stalled.requested;
  return { child, runDir, exited };
}

describe("an install outlives its observer", { concurrency: 1 }, () => {
  it("its stdout pipe closed mid-download: it goes on, records everything and exits 3", async () => {
    const { child, runDir, exited } = await installStalled();
    const err = collect(child.stderr);
    await sleep(300); // the download's start event is out
    child.stdout?.destroy(); // the reader goes away: every later write gets EPIPE
    stalled.release();
    const { code, signal } = await exited;
    assert.deepEqual({ code, signal }, { code: 3, signal: null }, err.text());
    const { events } = assertEndedAsUndisturbed(runDir);
    assert.ok(
      events.some((l) => l.step === "output" && /EPIPE/.test(l.message ?? "")),
      "events.jsonl notes that the output went away",
    );
  });

  it("SIGHUP mid-download: ignored, the install goes on and exits 3 with its result on stdout", async () => {
    const { child, runDir, exited } = await installStalled();
    const out = collect(child.stdout);
    child.kill("SIGHUP");
    await sleep(300); // SIGHUP handled (or, were it not, the process gone) before the rest arrives
    stalled.release();
    const { code, signal } = await exited;
    assert.deepEqual({ code, signal }, { code: 3, signal: null });
    assertEndedAsUndisturbed(runDir);
    assert.equal(lines(out.text()).at(-1)?.exitCode, 3);
  });

  it("--detach returns at once; status --follow re-attaches, prints the same lines and exits 3", async () => {
    stalled = stall();
    const { env: e, runDir } = env();
    const parent = byolProcess(["install", "--detach", "--json", "--request", "-", "--no-reboot"], e, request());
    const parentOut = collect(parent.stdout);
    const parentErr = collect(parent.stderr);
    assert.equal((await exitOf(parent)).code, 0, parentErr.text());
    const printed = JSON.parse(parentOut.text()) as { runId: string; pid: number; runDir: string; record: string };
    started.push(printed.pid);
    assert.deepEqual(Object.keys(printed), ["runId", "pid", "runDir", "record"]);
    assert.equal(printed.runDir, join(runDir, printed.runId));
    assert.equal(printed.record, join(runDir, "reports", `${printed.runId}.tar`));
    const argv = readFileSync(`/proc/${printed.pid}/cmdline`, "utf8").split("\0");
    assert.ok(argv.includes("--run-id") && argv.includes("-"), argv.join(" "));
    assert.ok(!argv.join(" ").includes("observer-test-secret"), "the request never goes through argv");
    assert.ok(!parentOut.text().includes("observer-test-secret"));

    const follower = byolProcess(["status", "--follow", "--json", "--run", printed.runId], e);
    const followed = collect(follower.stdout);
    const followerExit = exitOf(follower);
    await stalled.requested;
    const human = byolProcess(["status", "--wait"], e); // the alias, the terminal view, the current run
    const humanOut = collect(human.stdout);
    const humanExit = exitOf(human);
    stalled.release();
    assert.equal((await followerExit).code, 3);
    assert.equal((await humanExit).code, 3);
    const { events } = assertEndedAsUndisturbed(runDir);
    assert.deepEqual(lines(followed.text()), events, "the same lines as events.jsonl, result last");
    assert.match(humanOut.text(), /^==> downloading /m);
    assert.match(humanOut.text(), /==> failed \(exit 3\): Bad sha256 for downloaded file/);
    const logs = readdirSync(printed.runDir);
    assert.ok(logs.includes("stdout.log") && logs.includes("stderr.log"), logs.join(" "));
    assert.ok(!readFileSync(join(printed.runDir, "detached.json"), "utf8").includes("observer-test-secret"));
    // the record is written after the result line: it turns up where --detach said
    for (let i = 0; i < 300 && !existsSync(printed.record); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(printed.record), `no run record at ${printed.record}`);
  });

  it("a detached install killed with SIGKILL: status --follow says so in one line and exits 5", async () => {
    stalled = stall();
    const { env: e } = env();
    const parent = byolProcess(["install", "--detach", "--json", "--request", "-", "--no-reboot"], e, request());
    const parentOut = collect(parent.stdout);
    assert.equal((await exitOf(parent)).code, 0);
    const { runId, pid } = JSON.parse(parentOut.text()) as { runId: string; pid: number };
    started.push(pid);
    await stalled.requested;
    process.kill(pid, "SIGKILL");
    const follower = byolProcess(["status", "--follow", "--run", runId], e);
    const followed = collect(follower.stdout);
    assert.equal((await exitOf(follower)).code, EXIT_DIED);
    const last = followed.text().trimEnd().split("\n").at(-1) ?? "";
    assert.match(last, new RegExp(`^byol status: run ${runId} \\(pid ${pid}\\) ended without a result`));
    assert.match(last, /no disk was written.*byol cleanup/);
    stalled.release();
  });

  it("a detached install with an invalid request: exit 2 as install, nothing started", async () => {
    const { env: e, runDir } = env();
    const parent = byolProcess(["install", "--detach", "--request", "-"], e, '{"operatingSystem":"nope"}');
    const err = collect(parent.stderr);
    assert.equal((await exitOf(parent)).code, 2);
    assert.ok(err.text().length > 0);
    assert.deepEqual(readdirSync(runDir), []);
  });
});
