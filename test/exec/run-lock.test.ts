// The run lock is atomic: of many processes taking it at once exactly one gets it; a lock whose
// owner is gone (or whose pid now belongs to another process) is taken over.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { InstallError } from "../../agent/errors.ts";
import { acquireRunLock, lockOwner, processStart, RUN_LOCK } from "../../agent/exec/run-lock.ts";

const dir = () => mkdtempSync(join(tmpdir(), "byol-lock-"));
const deadPid = () => spawnSync("true").pid as number;

test("a held lock refuses a second taker, naming the owner, and is gone once released", () => {
  const d = dir();
  const lock = acquireRunLock(d, "install");
  assert.throws(
    () => acquireRunLock(d, "cleanup"),
    (e: unknown) => e instanceof InstallError && e.code === "busy" && /byol install \(pid \d+\)/.test(e.message),
  );
  assert.equal(lockOwner(d)?.pid, process.pid);
  lock[Symbol.dispose]();
  assert.equal(existsSync(join(d, RUN_LOCK)), false);
  acquireRunLock(d, "install")[Symbol.dispose]();
});

const STALE: { name: string; owner: (d: string) => string }[] = [
  { name: "its owner died", owner: () => JSON.stringify({ pid: deadPid(), start: "1", what: "install" }) },
  {
    name: "its pid now belongs to another process (start time differs)",
    owner: () => JSON.stringify({ pid: process.pid, start: `${processStart(process.pid)}0`, what: "install" }),
  },
  { name: "it was left half-written", owner: () => "" },
];
for (const c of STALE) {
  test(`a stale lock is taken over: ${c.name}`, () => {
    const d = dir();
    writeFileSync(join(d, RUN_LOCK), c.owner(d));
    const lock = acquireRunLock(d, "install");
    assert.equal(lockOwner(d)?.pid, process.pid);
    lock[Symbol.dispose]();
  });
}

test("of eight processes taking the lock at the same moment, exactly one gets it", async () => {
  const d = dir();
  const module = join(import.meta.dirname, "../../agent/exec/run-lock.ts");
  // each waits for the same moment, tries once, says how it went, and holds what it got until its stdin closes
  const script = `
    const { acquireRunLock } = await import(${JSON.stringify(module)});
    const go = Number(process.argv[1]);
    while (Date.now() < go) {}
    try { acquireRunLock(${JSON.stringify(d)}, "install"); console.log("got"); }
    catch (e) { console.log(e.code ?? e.message); }
    process.stdin.resume();`;
  const go = Date.now() + 3000;
  const children = Array.from({ length: 8 }, () =>
    spawn(process.execPath, ["--input-type=module", "-e", script, String(go)], { stdio: "pipe" }),
  );
  const outputs = await Promise.all(
    children.map(
      (child) =>
        new Promise<string>((resolve) => {
          let out = "";
          child.stdout.on("data", (b) => {
            out += b;
            if (out.includes("\n")) resolve(out.trim());
          });
          child.on("close", () => resolve(out.trim()));
        }),
    ),
  );
  for (const child of children) child.stdin.end();
  assert.equal(outputs.filter((o) => o === "got").length, 1, outputs.join(","));
  assert.equal(outputs.filter((o) => o === "busy").length, 7, outputs.join(","));
});
