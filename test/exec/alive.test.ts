import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { isAlive } from "../../agent/exec/alive.ts";

test("isAlive: this process is; a child that exited and was reaped is not", () => {
  assert.equal(isAlive(process.pid), true);
  const child = spawnSync("true");
  assert.equal(child.status, 0);
  assert.equal(isAlive(child.pid), false);
});

test("isAlive: a process of another user (EPERM) counts as alive", { skip: process.getuid?.() === 0 }, () => {
  assert.equal(isAlive(1), true); // init, owned by root
});
