// The TTY progress line is cut to the terminal's width and drawn again, cut to the new width,
// when the terminal is resized.

import assert from "node:assert/strict";
import { test } from "node:test";
import { createHumanView } from "../../agent/view/human-view.ts";
import { fitColumns } from "../../agent/view/progress-line.ts";

const MiB = 1024 * 1024;

test("fitColumns leaves one column spare and marks a cut with …", () => {
  const line = "Download 512 MiB/2048 MiB (25%) 120 MiB/s ETA 12s";
  assert.equal(fitColumns(line, undefined), line);
  assert.equal(fitColumns(line, 200), line);
  assert.equal(fitColumns(line, line.length + 1), line);
  assert.equal(fitColumns(line, line.length), `${line.slice(0, line.length - 2)}…`);
  for (const width of [2, 10, 20, 40]) {
    const cut = fitColumns(line, width);
    assert.equal([...cut].length, width - 1, `width ${width}`);
    assert.ok(cut.endsWith("…"));
  }
  assert.equal([...fitColumns("é".repeat(30), 11)].length, 10, "counted in characters, not bytes");
});

test("a TTY view draws each progress line within the width, and again on resize", () => {
  const written: string[] = [];
  let columns = 30;
  let resize = () => {};
  const view = createHumanView({
    write: (t) => written.push(t),
    tty: true,
    now: () => 0,
    columns: () => columns,
    onResize: (redraw) => {
      resize = redraw;
    },
  });
  view.show({ step: "download", phase: "start", title: "downloading a very long image name.qcow2" });
  view.show({ step: "download", phase: "progress", bytes: 512 * MiB, total: 2048 * MiB });
  const drawn = written.at(-1)!;
  assert.ok(drawn.startsWith("\r") && drawn.endsWith("\x1b[K"), JSON.stringify(drawn));
  assert.equal([...drawn.slice(1, -3)].length, 29);
  columns = 60;
  resize();
  const redrawn = written.at(-1)!;
  assert.notEqual(redrawn, drawn);
  assert.equal([...redrawn.slice(1, -3)].length, 59);
  view.show({ step: "download", phase: "done", durationMs: 1000 });
  const count = written.length;
  resize(); // no progress line open: nothing to draw
  assert.equal(written.length, count);
});
