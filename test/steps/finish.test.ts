// The finish step: a real tmpfs released by the stack (root only), the summary, and the reboot
// sequence with a fake runner, so no test ever reboots the host.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { RunContext } from "../../agent/exec/context.ts";
import { Journal } from "../../agent/exec/journal.ts";
import { createRunner } from "../../agent/exec/runner.ts";
import { mountHandle } from "../../agent/exec/teardown.ts";
import type { Runner, StepEvent } from "../../agent/exec/types.ts";
import { createLogger } from "../../agent/log.ts";
import type { FinishStep } from "../../agent/plan/types.ts";
import { Redactor } from "../../agent/redact.ts";
import * as finish from "../../agent/steps/finish.ts";
import { fakeRunner } from "../support/fake-runner.ts";

const skip = process.getuid?.() === 0 ? false : "needs root: mounts a tmpfs";

function context(dir: string, runner?: Runner) {
  const events: StepEvent[] = [];
  const sink = { emit: (e: StepEvent) => void events.push(e) };
  const redactor = new Redactor();
  const log = createLogger({ file: join(dir, "byol.log"), redactor });
  const ctx: RunContext = {
    runner: runner ?? createRunner({ journal: new Journal(join(dir, "journal.jsonl")), redactor, log, events: sink }),
    events: sink,
    log,
    redactor,
    stack: new AsyncDisposableStack(),
    state: { runId: "t", targetDisks: ["/dev/sda", "/dev/sdb"], disksWritten: true, step: "finish" },
    signal: new AbortController().signal,
    runDir: dir,
  };
  return { ctx, events };
}

// Records argv; `failing` programs exit 1; `efibootmgr -v` answers with `listing`.
const finishRunner = (failing: string[], listing = "") =>
  fakeRunner(({ argv }) => {
    if (failing.includes(argv[0] ?? "")) throw new Error(`${argv[0]} exited with code 1`);
    return argv[0] === "efibootmgr" ? listing : "";
  });

const step = (unmount: string[]): FinishStep => ({
  kind: "finish",
  id: "finish",
  title: "unmounting, syncing and rebooting",
  commands: [],
  unmount,
});

const mounted = (target: string) =>
  readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .some((l) => l.split(" ")[1] === target);

test(
  "--no-reboot: syncs, releases the stack (a real tmpfs), summarises; disposing again is harmless",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "byol-finish-"));
    const target = join(dir, "a");
    const { ctx, events } = context(dir);
    try {
      await ctx.runner.run(["mkdir", target], { step: "t" });
      await ctx.runner.run(["mount", "-t", "tmpfs", "tmpfs", target], { step: "t" });
      mountHandle(ctx, target);
      await finish.run(ctx, step([target]), { settings: { noReboot: true }, plan: { firmware: "bios" } });
      assert.equal(mounted(target), false);
      assert.equal(ctx.stack.disposed, true);
      await ctx.stack.disposeAsync(); // what install.ts does after the steps today
      assert.deepEqual(events, [
        {
          step: "finish",
          phase: "log",
          level: "info",
          message: "installed on /dev/sda /dev/sdb (legacy BIOS); not rebooting (--no-reboot)",
        },
      ]);
      const journal = readFileSync(join(dir, "journal.jsonl"), "utf8");
      assert.match(journal, /"argv":\["sync"\]/);
      assert.match(journal, /"argv":\["umount",/);
    } finally {
      if (mounted(target)) await ctx.runner.run(["umount", "-l", target], { step: "t" });
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("UEFI summary from efibootmgr; reboot: the caller's hook, systemctl, then reboot -f", async () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-finish-"));
  const listing = readFileSync(new URL("../../fixtures/efibootmgr/ovmf-v-after-create.txt", import.meta.url), "utf8");
  const runner = finishRunner(["systemctl"], listing);
  const { ctx, events } = context(dir, runner);
  const order: string[] = [];
  try {
    await finish.run(ctx, step([]), {
      settings: { noReboot: false, beforeReboot: () => void order.push(`hook after ${runner.argv.length} commands`) },
      plan: { firmware: "uefi" },
    });
    assert.deepEqual(runner.argv, [["sync"], ["efibootmgr", "-v"], ["systemctl", "reboot"], ["reboot", "-f"]]);
    assert.deepEqual(order, ["hook after 2 commands"]);
    assert.deepEqual(events, [
      {
        step: "finish",
        phase: "log",
        level: "info",
        message:
          'installed on /dev/sda /dev/sdb (UEFI); boot entries Boot0005 "byol web1 (sda)" \\EFI\\debian\\shimx64.efi, Boot0006 "byol web1 (sdb)" \\EFI\\debian\\shimx64.efi; BootOrder 0006,0005,0001,0002,0003,0000,0004; rebooting',
      },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("systemctl reboot works: no reboot -f; a target still mounted after the teardown is reported", async () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-finish-"));
  const runner = finishRunner(["efibootmgr"]);
  const { ctx, events } = context(dir, runner);
  try {
    await finish.run(ctx, step(["/proc"]), { settings: { noReboot: false }, plan: { firmware: "uefi" } });
    assert.deepEqual(runner.argv, [["sync"], ["efibootmgr", "-v"], ["systemctl", "reboot"]]);
    assert.deepEqual(
      events.map((e) => (e.phase === "log" ? `${e.level}: ${e.message}` : e.phase)),
      [
        "warn: /proc is still mounted after the teardown",
        "info: installed on /dev/sda /dev/sdb (UEFI; efibootmgr could not be read); rebooting",
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("neither systemctl nor reboot -f works: a warning, never an error that would undo the install", async () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-finish-"));
  const runner = finishRunner(["systemctl", "reboot"]);
  const { ctx, events } = context(dir, runner);
  try {
    await finish.run(ctx, step([]), { settings: { noReboot: false }, plan: { firmware: "bios" } });
    assert.deepEqual(runner.argv, [["sync"], ["systemctl", "reboot"], ["reboot", "-f"]]);
    assert.deepEqual(events.at(-1), {
      step: "finish",
      phase: "log",
      level: "warn",
      message:
        "the install is complete but the server could not be rebooted (reboot exited with code 1); reboot it by hand",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
