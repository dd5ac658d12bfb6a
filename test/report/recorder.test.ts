// The install's recorder: final files collected while mounted, one bundle written once, after
// the result line; never throwing; uploaded with --report-url.

import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { pino } from "pino";
import { RunStateStore } from "../../agent/exec/state.ts";
import { readRunRecord } from "../../agent/report/read.ts";
import { collectFinalFiles, defaultReportFile, RunRecorder } from "../../agent/report/recorder.ts";
import { fakeRunner } from "../support/fake-runner.ts";
import { fabricateRun, tempDir } from "./run-fixture.ts";

const log = pino({ level: "silent" });

// sgdisk -p answers for /dev/sda and fails for /dev/sdb.
const sgdiskRunner = () =>
  fakeRunner(({ argv }) => {
    if (argv[2] === "/dev/sdb") throw new Error("sgdisk -p /dev/sdb: exit 2");
    return `Disk ${argv[2]}: 937703088 sectors\n`;
  });

function runWithTarget() {
  const run = fabricateRun("failed");
  const root = tempDir();
  mkdirSync(join(root, "etc/mdadm"), { recursive: true });
  writeFileSync(join(root, "etc/fstab"), "UUID=1234 / ext4 defaults 0 1\n");
  writeFileSync(join(root, "etc/mdadm/mdadm.conf"), "ARRAY /dev/md0 UUID=aa:bb\n");
  return { ...run, plan: { ...run.plan, targetRoot: root } };
}

test("collectFinalFiles: fstab and mdadm.conf from the target, sgdisk -p of each disk (a failure is recorded)", async () => {
  const run = runWithTarget();
  const runner = sgdiskRunner();
  const files = await collectFinalFiles({ runner, log }, run.plan);
  assert.deepEqual(
    files.map((f) => f.name),
    ["fstab", "mdadm.conf", "sgdisk-p/sda.txt", "sgdisk-p/sdb.txt"],
  );
  assert.equal(files[2]?.content, "Disk /dev/sda: 937703088 sectors\n");
  assert.match(files[3]?.content ?? "", /^sgdisk -p \/dev\/sdb failed: /);
  assert.ok(runner.calls.every((c) => c.options.step === "record" && c.options.ignoreAbort === true));
});

test("the recorder writes once, to BYOL_REPORT_DIR/<runId>.tar, with the result line of events.jsonl", async (t) => {
  const dir = tempDir();
  process.env["BYOL_REPORT_DIR"] = dir;
  t.after(() => delete process.env["BYOL_REPORT_DIR"]);
  const run = runWithTarget();
  const stateDir = tempDir();
  RunStateStore.start({ runId: run.runId, targetDisks: ["/dev/sda", "/dev/sdb"], dir: stateDir }).finish(false, 4);
  const announced: string[] = [];
  const recorder = new RunRecorder({ ...run, stateDir, log, announce: (l) => announced.push(l) });
  assert.equal(recorder.file, defaultReportFile(run.runId));
  assert.equal(recorder.file, join(dir, `${run.runId}.tar`));
  await recorder.collect({
    runner: sgdiskRunner(),
    log,
    state: { runId: run.runId, targetDisks: ["/dev/sda", "/dev/sdb"], disksWritten: true },
  });
  // the bundle is written after the finish step or the teardown unmounted the target
  rmSync(join(run.plan.targetRoot, "etc"), { recursive: true });
  const first = recorder.write();
  assert.equal(recorder.write({ ok: true, exitCode: 0 }), first, "a second write is the first one");
  assert.equal(await first, recorder.file);
  assert.deepEqual(announced, [`run record: ${recorder.file}`]);
  const record = await readRunRecord(recorder.file);
  assert.equal(record.summary.exitCode, 4);
  assert.equal(record.summary.error?.code, "script");
  assert.equal(record.files.get("fstab"), "UUID=1234 / ext4 defaults 0 1\n");
  assert.equal(record.files.get("mdadm.conf"), "ARRAY /dev/md0 UUID=aa:bb\n");
  assert.match(record.files.get("state.json") ?? "", /"exitCode": 4/);
});

test("a record that cannot be written is a warning, never an exception", async () => {
  const run = fabricateRun("ok");
  const blocker = join(tempDir(), "file");
  writeFileSync(blocker, "");
  const announced: string[] = [];
  const recorder = new RunRecorder({ ...run, log, report: join(blocker, "x.tar"), announce: (l) => announced.push(l) });
  assert.equal(await recorder.write(run.result), undefined);
  assert.match(announced[0] ?? "", /^warning: writing the run record /);
});

test("--report-url uploads the written record; an upload failure is a warning", async () => {
  const bodies: number[] = [];
  const srv = createServer(async (req, res) => {
    let n = 0;
    for await (const c of req) n += (c as Buffer).length;
    bodies.push(n);
    res.writeHead(req.url === "/fail" ? 500 : 204).end();
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  try {
    const run = fabricateRun("ok");
    const report = join(tempDir(), "r.tar");
    const ok = new RunRecorder({ ...run, log, report, reportUrl: `http://127.0.0.1:${port}/ok` });
    assert.equal(await ok.write(run.result), report);
    assert.equal(bodies.length, 1);
    assert.ok((bodies[0] ?? 0) > 1024);
    const announced: string[] = [];
    const failing = new RunRecorder({
      ...run,
      log,
      report: join(tempDir(), "r.tar"),
      reportUrl: `http://127.0.0.1:${port}/fail`,
      announce: (l) => announced.push(l),
    });
    assert.ok((await failing.write(run.result)) !== undefined, "the bundle is still there");
    assert.match(announced.at(-1) ?? "", /^warning: uploading the run record to .*\/fail: HTTP 500$/);
  } finally {
    await new Promise<void>((r) => srv.close(() => r()));
  }
});
