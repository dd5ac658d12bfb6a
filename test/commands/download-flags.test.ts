import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFlags } from "../../agent/commands/args.ts";
import { DOWNLOAD_FLAGS, downloadTuning } from "../../agent/commands/download-flags.ts";

const tuning = (...args: string[]) => downloadTuning(parseFlags(args, DOWNLOAD_FLAGS));

test("the download flags become the download's options; absent flags leave the defaults", () => {
  assert.deepEqual(tuning(), {});
  assert.deepEqual(
    tuning(
      ...["--connections", "1", "--allow-insecure-redirect"],
      ...["--download-idle-timeout", "15", "--download-deadline", "1800"],
    ),
    { connections: 1, allowInsecureRedirect: true, idleTimeoutMs: 15_000, deadlineMs: 1_800_000 },
  );
});

test("a bad download flag is a usage error naming the flag and the value", () => {
  for (const [flag, value, expected] of [
    ["--connections", "0", /--connections: expected a whole number from 1 to 16, got '0'/],
    ["--connections", "2.5", /got '2\.5'/],
    ["--connections", "17", /got '17'/],
    ["--download-deadline=-1", undefined, /--download-deadline: expected a number of seconds above 0, got .-1./],
    ["--download-idle-timeout", "soon", /--download-idle-timeout: .* got 'soon'/],
  ] as const) {
    const args = value === undefined ? [flag] : [flag, value];
    assert.throws(() => tuning(...args), { name: "UsageError", message: expected });
  }
});
