// Copying the run record back: the script waits for the install's process, or, when only the run id is known
// (status --follow --run by hand), for the record to appear; then prints it.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fetchScript } from "../../agent/remote/record.ts";

test("without a pid the copy waits for the record to appear", () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-record-"));
  try {
    const path = join(dir, "r 1.tar");
    const writer = spawn("sh", ["-c", `sleep 1.5; printf record > "${path}.tmp" && mv "${path}.tmp" "${path}"`]);
    const out = execFileSync("sh", ["-c", fetchScript(path, undefined)], { encoding: "utf8" });
    assert.equal(out, "record");
    writer.kill();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with a pid the copy waits for that process to end first", () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-record-"));
  try {
    const path = join(dir, "r1.tar");
    writeFileSync(path, "old");
    // the install runs detached, as on a server: its pid is no child of ours (init reaps it)
    const pid = Number(
      execFileSync("sh", ["-c", `(sleep 1.5; printf new > "${path}") >/dev/null 2>&1 & echo $!`], { encoding: "utf8" }),
    );
    const started = Date.now();
    const out = execFileSync("sh", ["-c", fetchScript(path, pid)], { encoding: "utf8" });
    assert.ok(Date.now() - started < 30_000, "it ended with the process, not after the minute");
    assert.equal(out, "new");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
