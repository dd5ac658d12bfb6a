// Request- and record-supplied strings reach a terminal escaped (issue 15 item 17): `byol plan`,
// `byol report show`, `byol status` and the progress view, for every control character, DEL, C1,
// the line/paragraph separators, the bidi marks and a half surrogate pair, planted in each
// string those printers show.

import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { createEventSink } from "../../agent/exec/events.ts";
import { buildPlan, formatPlan } from "../../agent/plan/index.ts";
import { Redactor } from "../../agent/redact.ts";
import { formatReport } from "../../agent/report/show.ts";
import { formatStatus } from "../../agent/status/format.ts";
import { STATUS_SCHEMA_VERSION } from "../../agent/status/read.ts";
import { byolVersion } from "../../agent/version.ts";
import { inventory, withLayout } from "../plan/builders.ts";
import { recordOf } from "../report/helpers.ts";

const NASTY = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).filter((c) => c !== "\n"),
  "\x7f",
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)),
  "\u2028",
  "\u2029",
  ..."\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
  "\ud800",
];
// The same set as a test (the view's own \r and ESC[K on a TTY are removed before it is applied).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is tested
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;
const show = (c: string) => `U+${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

describe("printers escape what requests and records carry", () => {
  it("byol plan: a mount point with each character (planned without validation)", () => {
    for (const c of NASTY) {
      const request = withLayout([
        { mountPoint: "/", fileSystem: "ext4", sizeMiB: 0 },
        { mountPoint: `/srv${c}x`, fileSystem: "ext4", sizeMiB: 1024 },
      ]);
      const text = formatPlan(buildPlan(request, inventory("uefi-1disk")));
      assert.doesNotMatch(text, RAW, show(c));
      assert.match(text, /\/srv\\(x|u|t|r|e)/, show(c));
    }
  });

  it("byol report show: the error, a step's error, the failing command's output and argv, the script's output", async () => {
    const base = await recordOf("failed");
    for (const c of NASTY) {
      const record = structuredClone(base);
      const bad = `evil${c}text`;
      record.summary.error = { code: "x", message: bad };
      record.summary.steps = record.summary.steps.map((st) => ({
        ...st,
        id: `${st.id}${c}`,
        error: { code: "x", message: bad },
      }));
      record.journal = record.journal.map((e) => ({
        ...e,
        step: `${e.step}${c}`,
        argv: [...e.argv, bad],
        stderrTail: bad,
        stdoutTail: bad,
      }));
      record.files.set("make_image_bootable.log", `${bad}\n${bad}\n`);
      const text = formatReport(record);
      assert.doesNotMatch(text, RAW, show(c));
      assert.match(text, /evil\\/, show(c));
    }
  });

  it("byol status: the step and the result's message", () => {
    for (const c of NASTY) {
      const text = formatStatus({
        schemaVersion: STATUS_SCHEMA_VERSION,
        runId: `run${c}`,
        state: "failed",
        step: `copy${c}`,
        ovhStep: null,
        steps: [],
        result: { ok: false, exitCode: 4, error: { code: "x", message: `boom${c}` } },
        byol: byolVersion(),
      });
      assert.doesNotMatch(text, RAW, show(c));
    }
  });

  for (const tty of [true, false]) {
    it(`the progress view${tty ? " on a TTY" : ""}: titles, progress labels, log lines, failures`, () => {
      for (const c of NASTY) {
        const out = Object.assign(new PassThrough(), { isTTY: tty });
        let text = "";
        out.on("data", (d) => {
          text += String(d);
        });
        const sink = createEventSink({ json: false, out, redactor: new Redactor(), now: () => 0 });
        sink.emit({ step: "mount", phase: "start", title: `mounting /dev/sda2 on /tmp/a/srv${c}` });
        sink.emit({ step: "mount", phase: "progress", bytes: 1, total: 2, message: `label${c}` });
        sink.emit({ step: "mount", phase: "log", level: "warn", message: `script says${c}` });
        sink.emit({ step: "mount", phase: "failed", durationMs: 1, error: { code: "x", message: `bad${c}` } });
        sink.result({ ok: false, exitCode: 4, error: { code: "x", message: `bad${c}` } });
        const ours = text.replaceAll("\r", "").replaceAll("\x1b[K", "");
        assert.doesNotMatch(ours, RAW, show(c));
        assert.match(ours, /==> mounting \/dev\/sda2 on \/tmp\/a\/srv\\/, show(c));
      }
    });
  }
});
