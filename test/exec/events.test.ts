import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { eventSchema } from "../../agent/exec/event-schema.ts";
import { createEventSink, EVENTS_SCHEMA_VERSION } from "../../agent/exec/events.ts";
import { Redactor } from "../../agent/redact.ts";
import { formatSeconds, progressLine } from "../../agent/view/progress-line.ts";
import { tempDir } from "./helpers.ts";

const MiB = 1024 * 1024;

// A clock the test moves by hand.
function clock(start = Date.parse("2025-01-01T00:00:00Z")) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

test("--json: one line per event with ts, schemaVersion, runId, step and phase, and the result line last", () => {
  const out = new PassThrough();
  const file = join(tempDir(), "run", "events.jsonl");
  const c = clock();
  const runId = "20250101T000000Z-abcdef";
  const sink = createEventSink({ json: true, out, redactor: new Redactor(), file, now: c.now, runId });
  sink.emit({ step: "download", phase: "start", title: "Download" });
  sink.emit({ step: "download", phase: "progress", bytes: 512, total: 2048 });
  sink.emit({ step: "download", phase: "done", durationMs: 1200 });
  sink.result({ ok: false, exitCode: 3, error: { code: "checksum", message: "checksum mismatch" } });
  const lines = String(out.read())
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const head = { ts: "2025-01-01T00:00:00.000Z", schemaVersion: EVENTS_SCHEMA_VERSION, runId };
  assert.deepEqual(lines[0], { ...head, step: "download", phase: "start", title: "Download" });
  assert.deepEqual(Object.keys(lines[1]), ["ts", "schemaVersion", "runId", "step", "phase", "bytes", "total"]);
  for (const l of lines) eventSchema.parse(l);
  assert.deepEqual(lines.at(-1), {
    ...head,
    phase: "result",
    ok: false,
    exitCode: 3,
    error: { code: "checksum", message: "checksum mismatch" },
  });
  assert.equal(readFileSync(file, "utf8").trim().split("\n").length, 4, "events.jsonl has every line");
});

test("terminal view: titles, durations, failures in full, one updating progress line on a TTY", () => {
  const out = Object.assign(new PassThrough(), { isTTY: true });
  const c = clock();
  const sink = createEventSink({ json: false, out, redactor: new Redactor(), now: c.now });
  sink.emit({ step: "download", phase: "start", title: "Download" });
  sink.emit({ step: "download", phase: "progress", bytes: 0, total: 2048 * MiB });
  c.advance(4000);
  sink.emit({ step: "download", phase: "progress", bytes: 512 * MiB, total: 2048 * MiB });
  sink.emit({ step: "download", phase: "done", durationMs: 1234 });
  sink.emit({ step: "wipe", phase: "start", title: "Wipe /dev/sda" });
  sink.emit({ step: "wipe", phase: "failed", durationMs: 300, error: { code: "x", message: "line one\nline two" } });
  sink.result({ ok: false, exitCode: 4, error: { code: "x", message: "line one" } });
  assert.equal(
    String(out.read()),
    "==> Download\n" +
      "\rDownload 0 MiB/2048 MiB (0%)\x1b[K" +
      "\rDownload 512 MiB/2048 MiB (25%) 128 MiB/s ETA 12s\x1b[K" +
      "\n    done in 1.2s\n" +
      "==> Wipe /dev/sda\n" +
      "    failed after 0.3s: line one\nline two\n" +
      "==> failed (exit 4): line one\n",
  );
});

test("terminal view without a TTY: a progress line every 5 s, and the last one", () => {
  const out = new PassThrough();
  const c = clock();
  const sink = createEventSink({ json: false, out, redactor: new Redactor(), now: c.now });
  for (let s = 0; s <= 12; s++) {
    sink.emit({ step: "copy", phase: "progress", bytes: s * MiB, total: 12 * MiB, message: "Copy" });
    c.advance(1000);
  }
  const lines = String(out.read()).trim().split("\n");
  assert.deepEqual(
    lines.map((l) => l.trim().split(" (")[0]),
    ["Copy 0 MiB/12 MiB", "Copy 5 MiB/12 MiB", "Copy 10 MiB/12 MiB", "Copy 12 MiB/12 MiB"],
  );
});

test("progress line parts that cannot be known are left out", () => {
  assert.equal(progressLine({ label: "Read", bytes: 3 * MiB, total: null, elapsedMs: 0 }), "Read 3 MiB");
  assert.equal(
    progressLine({ label: "Read", bytes: 100 * MiB, total: null, elapsedMs: 2000 }),
    "Read 100 MiB 50 MiB/s",
  );
  assert.equal(formatSeconds(75), "1m15s");
  assert.equal(formatSeconds(3725), "1h02m");
});
