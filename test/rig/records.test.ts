// The rig's run-record checks: the secrets it puts in every request and the scan of a record's files, the
// judgement of the status poll, and the comparison of a replay with the recorded run.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import tar from "tar-stream";
import { serveImage } from "../../scripts/rig/image-server.ts";
import { imageNameOf, outcomeOf, replayChecks } from "../../scripts/rig/replay.ts";
import {
  findSecrets,
  RIG_AUTHORIZATION,
  RIG_URL_PASSWORD,
  RIG_USER_DATA_MARKER,
  secretsCheck,
  secretsOf,
  withRigSecrets,
} from "../../scripts/rig/secrets.ts";
import { parsePollLine, type StatusSample, startStatusPoll, statusPollChecks } from "../../scripts/rig/status-poll.ts";

const scenarioRequest = () => ({
  operatingSystem: "byolinux_64",
  customizations: {
    hostname: "h",
    imageURL: "http://10.0.2.100/byolinux-debian12.qcow2",
    sshKey: "ssh-ed25519 AAAA k",
  },
});

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, text] of Object.entries(files)) pack.entry({ name }, text);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe("rig secrets", () => {
  it("every request gets the header, a URL password and, when it has none, user data with the marker", () => {
    const r = withRigSecrets(scenarioRequest());
    const c = r["customizations"] as Record<string, unknown>;
    assert.deepEqual(c["httpHeaders"], { Authorization: RIG_AUTHORIZATION });
    assert.equal(c["imageURL"], `http://byol:${RIG_URL_PASSWORD}@10.0.2.100/byolinux-debian12.qcow2`);
    assert.match(String(c["configDriveUserData"]), new RegExp(RIG_USER_DATA_MARKER));
    const own = withRigSecrets({ customizations: { ...scenarioRequest().customizations, configDriveUserData: "x" } });
    assert.equal((own["customizations"] as Record<string, unknown>)["configDriveUserData"], "x");
    assert.deepEqual(secretsOf(r), [
      RIG_AUTHORIZATION,
      RIG_AUTHORIZATION.split(" ")[1],
      RIG_URL_PASSWORD,
      RIG_USER_DATA_MARKER,
    ]);
  });

  it("a scenario's own user data: its base64 and its longer lines are the secrets", () => {
    const ud = "#cloud-config\nwrite_files:\n  - path: /root/byol-marker\n";
    const s = secretsOf(
      withRigSecrets({
        customizations: { imageURL: "http://h/i.qcow2", configDriveUserData: Buffer.from(ud).toString("base64") },
      }),
    );
    assert.ok(s.includes(Buffer.from(ud).toString("base64")));
    assert.ok(s.includes("- path: /root/byol-marker"));
    assert.ok(!s.includes("#cloud-config"));
  });

  it("the scan names the file holding a secret, and passes a clean record", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rig-secrets-"));
    try {
      const request = withRigSecrets(scenarioRequest());
      const clean = join(dir, "clean.tar");
      await writeFile(clean, await tarOf({ "r/summary.json": "{}", "r/request.json": '{"Authorization":"***"}' }));
      const ok = await secretsCheck(clean, request);
      assert.equal(ok.ok, true, ok.detail);
      const leaky = join(dir, "leaky.tar");
      await writeFile(
        leaky,
        await tarOf({ "r/summary.json": "{}", "r/journal.jsonl": `curl -u byol:${RIG_URL_PASSWORD}` }),
      );
      const bad = await secretsCheck(leaky, request);
      assert.equal(bad.ok, false);
      assert.match(bad.detail, /r\/journal\.jsonl holds rig-ur…/);
      const missing = await secretsCheck(join(dir, "none.tar"), request);
      assert.equal(missing.ok, false);
      assert.deepEqual(findSecrets(Buffer.from("x"), new Map([["a", Buffer.from("no")]]), ["secret"]), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the image server answers 401 without the Authorization header", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rig-auth-"));
    try {
      await writeFile(join(dir, "img"), "data");
      await using server = await serveImage(join(dir, "img"), "/img.qcow2", RIG_AUTHORIZATION);
      const url = `http://127.0.0.1:${server.port}/img.qcow2`;
      assert.equal((await fetch(url)).status, 401);
      const good = await fetch(url, { headers: { authorization: RIG_AUTHORIZATION } });
      assert.equal(good.status, 200);
      assert.equal(await good.text(), "data");
      assert.deepEqual(server.requests, ["GET 401 no Authorization", "GET 200 4"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const sample = (atMs: number, ovhStep: string | null, progress?: number, runId = "r1"): StatusSample => ({
  atMs,
  status: {
    runId,
    state: "running",
    step: ovhStep,
    ovhStep,
    ...(progress !== undefined && { progress: { bytes: progress, total: 100 } }),
    steps: [],
  },
});

describe("status poll checks", () => {
  it("passes the steps in order with download progress", () => {
    const samples = [
      sample(0, null, undefined, "old"),
      sample(1000, "download", 10),
      sample(2000, "download", 60),
      sample(3000, "partitioning"),
      sample(4000, "configdrive"),
      sample(5000, "deploy"),
      sample(6000, "make_image_bootable"),
    ];
    const [order, progress] = statusPollChecks(samples, "r1");
    assert.equal(order?.ok, true, order?.detail);
    assert.match(order!.detail, /seen: download > partitioning > configdrive > deploy > make_image_bootable/);
    assert.equal(progress?.ok, true, progress?.detail);
  });

  it("fails a missed step, a step going back, and no progress", () => {
    const missed = statusPollChecks([sample(0, "download", 5), sample(1, "deploy"), sample(2, "make_image_bootable")]);
    assert.equal(missed[0]?.ok, false);
    assert.match(missed[0]!.detail, /never seen: partitioning/);
    const back = statusPollChecks([
      sample(0, "download", 5),
      sample(1, "partitioning"),
      sample(2, "deploy"),
      sample(3, "partitioning"),
      sample(4, "make_image_bootable"),
    ]);
    assert.equal(back[0]?.ok, false);
    assert.match(back[0]!.detail, /went back/);
    const still = statusPollChecks([sample(0, "download"), sample(1, "partitioning")]);
    assert.equal(still[1]?.ok, false);
  });

  const ended = (steps: [string, string][], atMs = 9): StatusSample => ({
    atMs,
    status: {
      runId: "r1",
      state: "failed",
      step: null,
      ovhStep: null,
      steps: steps.map(([name, status]) => ({ name, status })),
    },
  });

  it("holds a run that ended at the download (exit 3) to the download only", () => {
    const todo: [string, string][] = [
      ["partitioning", "todo"],
      ["deploy", "todo"],
      ["make_image_bootable", "todo"],
    ];
    const bad = statusPollChecks([sample(0, "download", 5), ended([["download", "error"], ...todo])], "r1");
    assert.equal(bad[0]?.ok, true, bad[0]?.detail);
    assert.match(bad[0]!.detail, /the run reached download of them/);
    assert.equal(bad[1]?.ok, true, bad[1]?.detail);
    const early = statusPollChecks([ended([["download", "error"], ...todo])], "r1");
    assert.equal(early[0]?.ok, false, "the download was never seen running");
    assert.equal(early[1]?.ok, true, "no progress is required from a download that did not complete");
  });

  it("excuses a step that began and ended between two consecutive polls, not one hidden for longer", () => {
    const at = (atMs: number, ovhStep: string, states: string[], progress?: number): StatusSample => {
      const s = sample(atMs, ovhStep, progress);
      const names = ["download", "partitioning", "deploy", "make_image_bootable"];
      s.status!.steps = names.map((name, i) => ({ name, status: states[i]! }));
      return s;
    };
    const run = (gapMs: number, between: StatusSample[] = []) =>
      statusPollChecks([
        at(0, "download", ["doing", "todo", "todo", "todo"], 40),
        at(3000, "download", ["doing", "todo", "todo", "todo"], 90),
        ...between,
        at(3000 + gapMs, "deploy", ["done", "done", "doing", "todo"]),
        at(7000 + gapMs, "make_image_bootable", ["done", "done", "done", "doing"]),
      ])[0]!;
    const short = run(3600);
    assert.equal(short.ok, true, short.detail);
    assert.match(short.detail, /partitioning began and ended between two polls 3\.6 s apart/);
    const long = run(60_000);
    assert.equal(long.ok, false, "a minute between polls does not show the step was short");
    assert.match(long.detail, /never seen: partitioning/);
    const hidden = run(3600, [{ atMs: 4000, error: "exit 1: status failed" }]);
    assert.equal(hidden.ok, false, "an unreadable poll in between may have been the one that showed the step");
  });

  it("holds a streamed byoi_64 run to deploy, with the stream's progress", () => {
    const steps: [string, string][] = [
      ["deploy", "done"],
      ["configdrive", "done"],
      ["reboot", "done"],
    ];
    const ok = statusPollChecks([sample(0, "deploy", 50), sample(1, "configdrive"), ended(steps)], "r1");
    assert.equal(ok[0]?.ok, true, ok[0]?.detail);
    assert.equal(ok[1]?.ok, true, ok[1]?.detail);
    assert.match(ok[1]!.detail, /deploy progress/);
    const none = statusPollChecks([sample(0, "deploy"), ended(steps)], "r1");
    assert.equal(none[1]?.ok, false);
    const tooBig = statusPollChecks(
      [
        sample(0, "deploy"),
        ended([
          ["deploy", "error"],
          ["configdrive", "todo"],
        ]),
      ],
      "r1",
    );
    assert.equal(tooBig[0]?.ok, true, tooBig[0]?.detail);
    assert.equal(tooBig[1]?.ok, true, "a stream refused at once has no progress to show");
    assert.match(tooBig[1]!.detail, /not required: the deploy did not complete/);
  });
});

describe("status poll loop", () => {
  it("parses the loop's lines: a status, a failed poll, and anything else ignored", () => {
    const ok = parsePollLine('@@byol-status-poll 1500 0 {"runId":"r1","ovhStep":"download"}', 1000);
    assert.deepEqual(ok, { atMs: 500, status: { runId: "r1", ovhStep: "download" } });
    const failed = parsePollLine("@@byol-status-poll 2000 1 byol: no run", 1000);
    assert.deepEqual(failed, { atMs: 1000, error: "exit 1: byol: no run" });
    assert.equal(parsePollLine("Warning: Permanently added '[127.0.0.1]'", 1000), undefined);
  });

  it("runs the guest loop in a real shell about once a second until stopped", async () => {
    const status = { runId: "r1", state: "running", step: "download", ovhStep: "download", steps: [] };
    // A local stand-in for the VM's exec (sh instead of ssh); the loop script is the real one.
    const exec = async (argv: readonly string[] | string, opts?: { onOutput?: (chunk: string) => void }) => {
      const child = spawn(
        typeof argv === "string" ? "sh" : argv[0]!,
        typeof argv === "string" ? ["-c", argv] : argv.slice(1),
      );
      child.stdout.setEncoding("utf8").on("data", (c: string) => opts?.onOutput?.(c));
      const exitCode = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
      return { exitCode, stdout: "", stderr: "", timedOut: false };
    };
    const poll = startStatusPoll(exec, ["sh", "-c", `echo '${JSON.stringify(status)}'`, "byol"]);
    await sleep(2500);
    const samples = await poll.stop();
    assert.ok(samples.length >= 2, `${samples.length} polls in 2.5 s`);
    assert.deepEqual(samples[0], { atMs: 0, status });
    const gaps = samples.slice(1).map((s, i) => s.atMs - (samples[i]?.atMs ?? 0));
    assert.ok(
      gaps.every((g) => g >= 900),
      `the loop waits out the second between polls: ${gaps.join(", ")} ms`,
    );
  });
});

describe("replay verdict", () => {
  const summary = (exitCode: number, steps: [string, "done" | "failed" | "interrupted"][], message?: string) =>
    ({
      ok: exitCode === 0,
      exitCode,
      steps: steps.map(([id, phase]) => ({ id, phase, durationMs: 1 })),
      ...(message !== undefined && { error: { code: "x", message } }),
    }) as never;

  it("the same exit code, step and message pass; another message fails", () => {
    const a = outcomeOf(
      summary(
        4,
        [
          ["copy", "done"],
          ["bootable-script", "failed"],
        ],
        "The script did not end properly\nx",
      ),
    );
    assert.deepEqual(a, { exitCode: 4, step: "bootable-script", message: "The script did not end properly\nx" });
    assert.ok(replayChecks(a, { ...a }).every((c) => c.ok));
    const other = replayChecks(a, { ...a, message: "other" });
    assert.deepEqual(
      other.map((c) => c.ok),
      [true, true, false],
    );
    assert.equal(outcomeOf(summary(0, [["finish", "done"]])).step, "-");
  });

  it("names the fixture image from the recorded URL", () => {
    assert.equal(
      imageNameOf("http://byol:***@10.0.2.100/byolinux-debian12-script-fails.qcow2"),
      "byolinux-debian12-script-fails",
    );
    assert.throws(() => imageNameOf("http://h/"), /no fixture image name/);
  });
});
