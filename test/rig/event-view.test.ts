import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEventView, lineSplitter } from "../../scripts/rig/event-view.ts";

describe("event view", () => {
  it("shows starts, ends, failures, logs and the result in one line each", () => {
    const v = createEventView(() => 0);
    const show = (e: object) => v.line(JSON.stringify({ ts: "t", ...e }));
    assert.deepEqual(show({ step: "wipe", phase: "start", title: "Wiping /dev/vdb" }), ["  > wipe: Wiping /dev/vdb"]);
    assert.deepEqual(show({ step: "wipe", phase: "done", durationMs: 1234 }), ["  ok wipe (1.2 s)"]);
    assert.deepEqual(
      show({ step: "download", phase: "failed", durationMs: 500, error: { code: "checksum", message: "Bad sha512" } }),
      ["  FAILED download (0.5 s): Bad sha512"],
    );
    assert.deepEqual(
      show({ step: "script", phase: "log", level: "info", message: "make_image_bootable: + update-grub" }),
      ["    info: make_image_bootable: + update-grub"],
    );
    assert.deepEqual(
      show({ phase: "result", ok: false, exitCode: 3, error: { code: "checksum", message: "Bad sha512" } }),
      ["  ==> install failed (exit 3): Bad sha512"],
    );
    assert.deepEqual(v.line("node: some warning"), ["    | node: some warning"]);
    assert.deepEqual(v.line("   "), []);
  });

  it("shows progress at most every few seconds per step, and always its end", () => {
    let now = 10_000;
    const v = createEventView(() => now, 3000);
    const p = (bytes: number) =>
      v.line(JSON.stringify({ step: "download", phase: "progress", bytes, total: 100 * 1048576 }));
    assert.deepEqual(p(10 * 1048576), ["    download 10 MiB/100 MiB (10%)"]);
    now += 1000;
    assert.deepEqual(p(20 * 1048576), []);
    now += 2500;
    assert.deepEqual(p(50 * 1048576), ["    download 50 MiB/100 MiB (50%)"]);
    now += 10;
    assert.deepEqual(p(100 * 1048576), ["    download 100 MiB/100 MiB (100%)"]);
  });
});

describe("lineSplitter", () => {
  it("joins lines split across chunks and strips carriage returns", () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('{"a"');
    s.push(":1}\r\nsecond\nthi");
    s.end();
    s.end();
    assert.deepEqual(lines, ['{"a":1}', "second", "thi"]);
  });
});
