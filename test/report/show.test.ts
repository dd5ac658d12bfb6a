// byol report show: the failing step and command, the script's output, the killed step.

import assert from "node:assert/strict";
import { test } from "node:test";
import { failingCommand, formatReport } from "../../agent/report/show.ts";
import { recordOf } from "./helpers.ts";

test("a failed run: header, steps, the failing command with its output, the script's tail", async () => {
  const record = await recordOf("failed");
  const text = formatReport(record);
  const lines = text.split("\n");
  assert.match(
    lines[0]!,
    /^run 20250301T030000Z-bbbbbb: byolinux_64, failed \(exit 4\): make_image_bootable\.sh failed/,
  );
  assert.match(text, /✓ download\s+\d+\.\ds/);
  assert.match(text, /✗ bootable-script\s+\d+\.\ds {2}failed\n/);
  assert.match(text, /\(not run: boot-entries, finish\)/);
  assert.match(
    text,
    /failing command \(step bootable-script, exit 1, after [\d.]+s\):\n {2}\$ chroot \/tmp\/a \/root\/\.ovh\/make_image_bootable\.sh/,
  );
  assert.match(text, /stderr:\n {2}\| grub-install: error: cannot find EFI directory\./);
  assert.match(text, /make_image_bootable\.sh output:\n {2}\| Generating grub configuration file \.\.\./);
  // the failing command is the script, not the umount of the teardown that failed after it
  assert.deepEqual(failingCommand(record)?.argv, ["chroot", "/tmp/a", "/root/.ovh/make_image_bootable.sh"]);
});

test("a run killed during rsync names the copy step and the killed rsync", async () => {
  const text = formatReport(await recordOf("killed"));
  assert.match(text, /failed \(exit 130\): interrupted by SIGTERM/);
  assert.match(text, /! copy\s+[\d.]+s {2}interrupted\n/);
  assert.match(text, /failing command \(step copy, killed by SIGTERM/);
  assert.match(text, /\$ rsync -aHAXS/);
});

test("a successful run has no failing command", async () => {
  const record = await recordOf("ok");
  const text = formatReport(record);
  assert.match(text, /^run 20250301T030000Z-aaaaaa: byolinux_64, done\n/);
  assert.doesNotMatch(text, /failing command|not run/);
  assert.equal(failingCommand(record), undefined);
  assert.match(text, /make_image_bootable\.sh output:\n {2}\| update-grub: done/);
});
