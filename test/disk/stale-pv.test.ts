// Before pvcreate, a new device that shows an earlier install's PV label is cleared: udev settled, the
// old volume group deactivated, the signatures wiped; pvcreate is retried only while the device is
// busy (udev's probe), and any other failure stops at once.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import { clearStalePv, pvcreate } from "../../agent/disk/stale-pv.ts";
import type { StepEvent } from "../../agent/exec/types.ts";
import { type Call, commandFailure, fakeRunner } from "../support/fake-runner.ts";

function ctxWith(answers: (line: string, call: Call) => string | undefined) {
  const events: StepEvent[] = [];
  const runner = fakeRunner((call) => answers(call.argv.join(" "), call));
  return {
    runner,
    log: pino({ level: "silent" }),
    events: { emit: (e: StepEvent) => void events.push(e) },
    seen: events,
  };
}

describe("clearing a stale PV", () => {
  it("a device with no PV: settle, look, wipe, settle", async () => {
    // pvs prints nothing (the real one exits 5, which the step accepts; the fake runner only has exit 0)
    const ctx = ctxWith(() => "");
    await clearStalePv(ctx, "lvm:vg0", "/dev/md1");
    assert.deepEqual(
      ctx.runner.argv.map((a) => a.join(" ")),
      ["udevadm settle", "pvs --noheadings -o vg_name /dev/md1", "wipefs -a -f /dev/md1", "udevadm settle"],
    );
    assert.equal(ctx.seen.length, 0, "nothing to say");
  });

  it("a device whose old PV udev (or systemd) brought back: its group is deactivated first, and said", async () => {
    const ctx = ctxWith((line) => (line.startsWith("pvs") ? "  vg0\n" : ""));
    await clearStalePv(ctx, "lvm:vg0", "/dev/md1");
    const lines = ctx.runner.argv.map((a) => a.join(" "));
    assert.ok(lines.indexOf("vgchange -an vg0") > lines.indexOf("pvs --noheadings -o vg_name /dev/md1"));
    assert.ok(lines.indexOf("vgchange -an vg0") < lines.indexOf("wipefs -a -f /dev/md1"));
    assert.match(String((ctx.seen[0] as { message?: string }).message), /\/dev\/md1 .* earlier volume group vg0/);
  });
});

describe("pvcreate", () => {
  const ARGV = ["pvcreate", "-ff", "-y", "/dev/md1"];
  const BUSY = "Can't open /dev/md1 exclusively.  Mounted filesystem?";

  it("is tried again while the device is busy, and succeeds", async () => {
    let tries = 0;
    const ctx = ctxWith((line, call) => {
      if (line === ARGV.join(" ") && ++tries < 3) throw commandFailure(call, { exitCode: 5, stderr: BUSY });
      return "";
    });
    await pvcreate(ctx, "lvm:vg0", ARGV);
    assert.equal(tries, 3);
  });

  it("stops at once on any other failure", async () => {
    let tries = 0;
    const ctx = ctxWith((_line, call) => {
      tries++;
      throw commandFailure(call, { exitCode: 3, stderr: "Device /dev/md1 excluded by a filter." });
    });
    await assert.rejects(pvcreate(ctx, "lvm:vg0", ARGV), /exited with code 3/);
    assert.equal(tries, 1);
  });
});
