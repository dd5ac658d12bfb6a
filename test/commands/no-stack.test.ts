// Issue 15 items 9 and 16: no command prints a stack trace, whatever the input; read-only commands
// with a missing or malformed file exit 2 with one line; --json always prints JSON, errors included.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type Ran, runByolMany, STACK_FRAME } from "./run.ts";

const REQUESTS = "fixtures/requests";
const INVENTORIES = "fixtures/inventories";
const requests = readdirSync(REQUESTS, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".json"))
  .map((f) => join(REQUESTS, f));
const inventories = readdirSync(INVENTORIES).map((f) => join(INVENTORIES, f));
const tmp = mkdtempSync(join(tmpdir(), "byol-no-stack-"));

function write(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

// `[[[...]]]` `levels` deep, as the value of an extra key of a valid request.
function nested(levels: number, open = "[", close = "]"): string {
  return `${open.repeat(levels)}1${close.repeat(levels)}`;
}
const base = readFileSync(join(REQUESTS, "ovh-byolinux-reinstall.json"), "utf8").trim();
const deep = {
  "deep-array.json": base.replace(/\}$/, `,"storage":${nested(5000)}}`),
  "deep-object.json": base.replace(
    /\}$/,
    `,"x":${nested(5000, '{"a":', "}").replace(/^(\{"a":)+1/, (m) => m.slice(0, -1) + "1")}}`,
  ),
  "deep-header.json": base.replace(/"httpHeaders": \{/, `"httpHeaders": {"X-A": ${nested(3000)},`),
  "deep-legacy.json": `{"templateName":"byolinux_64","userMetadata":${nested(4000)}}`,
  "deep-top.json": nested(100_000),
};
const deepFiles = Object.entries(deep).map(([name, text]) => write(name, text));

// One line per problem, no stack frame, and with --json only JSON lines on stdout.
function assertClean(r: Ran): void {
  const what = r.argv.join(" ");
  const json = r.argv.includes("--json");
  assert.doesNotMatch(r.stdout + r.stderr, STACK_FRAME, `${what}: ${r.stderr}`);
  assert.ok([0, 2].includes(r.code), `${what}: exit ${r.code}: ${r.stderr}`);
  if (!json) return;
  assert.notEqual(r.stdout.trim(), "", `${what}: nothing on stdout`);
  try {
    JSON.parse(r.stdout); // the plan, pretty-printed
  } catch {
    for (const line of r.stdout.trim().split("\n")) JSON.parse(line); // JSON lines
  }
}

describe("validate and plan never print a stack trace (fixtures and generated inputs)", () => {
  it("validate, every request in fixtures/ and every deep one, text and --json", async () => {
    const argvs = [...requests, ...deepFiles].flatMap((file) => [
      ["validate", "--request", file],
      ["validate", "--request", file, "--json"],
    ]);
    for (const r of await runByolMany(argvs)) assertClean(r);
  });

  it("plan, every request on every inventory, text and --json", async () => {
    const argvs = [...requests, ...deepFiles].flatMap((file) =>
      inventories.flatMap((inventory) => [
        ["plan", "--request", file, "--inventory", inventory],
        ["plan", "--request", file, "--inventory", inventory, "--json"],
      ]),
    );
    for (const r of await runByolMany(argvs)) assertClean(r);
  });

  it("deeply nested JSON is exit 2 with one line, for validate, plan, install and the inventory file", async () => {
    const deepInventory = write("deep-inventory.json", `{"firmware":"uefi","x":${nested(20_000)}}`);
    const cases = [
      ...deepFiles.map((f) => ["validate", "--request", f]),
      ...deepFiles.map((f) => ["plan", "--request", f, "--inventory", inventories[0]!]),
      ...deepFiles.map((f) => ["install", "--request", f, "--no-reboot"]),
      ["plan", "--request", join(REQUESTS, "byolinux-1disk.json"), "--inventory", deepInventory],
    ];
    for (const r of await runByolMany(cases)) {
      const argv = r.argv;
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /nested at most 64 levels deep/);
    }
  });
});

describe("read-only commands on a missing or malformed file: exit 2, one line, JSON with --json", () => {
  const stateDir = join(tmp, "run");
  mkdirSync(stateDir);
  writeFileSync(join(stateDir, "current.json"), JSON.stringify({ version: 99, runId: "x", pid: 1 }));
  const cases: [string, string[]][] = [
    ["report show of a missing file", ["report", "show", join(tmp, "missing.tar")]],
    ["report show of a file that is not a record", ["report", "show", write("not-a-tar.tar", "hello")]],
    ["report diff of a missing file", ["report", "diff", join(tmp, "a.tar"), join(tmp, "b.tar")]],
    ["status with an unknown state version", ["status", "--run-dir", stateDir]],
    ["replay of a missing file", ["replay", join(tmp, "missing.tar"), "--dry-run"]],
  ];
  for (const [what, argv] of cases) {
    it(what, async () => {
      const [text, json] = await runByolMany([argv, [...argv, "--json"]]);
      if (text === undefined || json === undefined) assert.fail("no result");
      assert.equal(text.code, 2, text.stderr);
      assert.equal(text.stderr.trimEnd().split("\n").length, 1, text.stderr);
      assert.doesNotMatch(text.stderr, STACK_FRAME);
      assert.equal(json.code, 2, json.stderr);
      const last = JSON.parse(json.stdout.trim().split("\n").at(-1)!);
      assert.deepEqual([last.phase, last.ok, last.exitCode], ["result", false, 2]);
    });
  }

  it("a directory given as the request file is one line too", async () => {
    // a directory where a request file is expected: readFile fails with EISDIR
    const [r] = await runByolMany([["plan", "--request", tmp, "--inventory", inventories[0]!]]);
    if (r === undefined) assert.fail("no result");
    assert.doesNotMatch(r.stderr, STACK_FRAME);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  });
});
