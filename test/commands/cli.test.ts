// The command-line contract, end to end: the real `byol` process, its stdout, stderr and exit code.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildPlan, formatPlan } from "../../agent/plan/index.ts";
import { readInventoryFile } from "../../agent/probe/inventory-file.ts";
import { parseRequest } from "../../agent/request/index.ts";
import { byolRun } from "../support/byol-run.ts";

const byol = join(import.meta.dirname, "../../bin/byol.mjs");

const seeds = ["ovh-byolinux-reinstall.json", "ovh-legacy-install-start.json", "ovh-byoi.json"];
const invalidDir = "fixtures/requests/invalid";

describe("byol validate", { concurrency: 4 }, () => {
  for (const seed of seeds) {
    it(`accepts OVH's documented payload ${seed}`, async () => {
      const r = await byolRun("validate", "--request", `fixtures/requests/${seed}`);
      assert.equal(r.code, 0, r.stderr);
    });
  }

  for (const file of readdirSync(invalidDir)) {
    it(`rejects ${file} with exit 2 and one line per problem`, async () => {
      const expected = parseRequest(JSON.parse(readFileSync(join(invalidDir, file), "utf8")));
      assert.equal(expected.ok, false);
      const r = await byolRun("validate", "--request", join(invalidDir, file));
      assert.equal(r.code, 2);
      assert.deepEqual(r.stderr.trimEnd().split("\n"), expected.ok ? [] : expected.problems);
      assert.equal(r.stdout, "");
    });
  }

  it("reads the request from stdin with --request -", async () => {
    const child = execFile(process.execPath, [byol, "validate", "--request", "-", "--json"]);
    child.stdin?.end(readFileSync("fixtures/requests/ovh-byoi.json"));
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out), { ok: true, problems: [] });
  });

  it("never prints the Authorization value of an invalid request", async () => {
    const r = await byolRun("validate", "--request", join(invalidDir, "several-problems.json"), "--json");
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stdout + r.stderr, /bG9naW46cGFzc3dvcmQ=/);
  });
});

describe("byol plan", { concurrency: 4 }, () => {
  const cases: [string, string][] = [
    ["byolinux-1disk.json", "uefi-1disk.json"],
    ["byolinux-raid1.json", "uefi-2disks.json"],
    ["byolinux-raid5.json", "bios-3disks.json"],
    ["byolinux-raid10-lvm.json", "uefi-4disks.json"],
    ["byolinux-raid1.json", "uefi-nvme-2disks.json"],
    ["byolinux-raid1.json", "uefi-4kn-2disks.json"],
    ["ovh-byoi.json", "uefi-1disk.json"],
  ];
  for (const [request, inventory] of cases) {
    it(`prints the plan of ${request} on ${inventory}, text and JSON`, async () => {
      const args = ["--request", `fixtures/requests/${request}`, "--inventory", `fixtures/inventories/${inventory}`];
      const parsed = parseRequest(JSON.parse(readFileSync(`fixtures/requests/${request}`, "utf8")));
      assert.ok(parsed.ok);
      const plan = buildPlan(parsed.request, await readInventoryFile(`fixtures/inventories/${inventory}`));
      const text = await byolRun("plan", ...args);
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout, formatPlan(plan));
      const json = await byolRun("plan", ...args, "--json");
      assert.deepEqual(JSON.parse(json.stdout), JSON.parse(JSON.stringify(plan)));
    });
  }

  it("fails with OVH's MBR message for a 3 TiB disk whose firmware cannot boot GPT", async () => {
    const r = await byolRun(
      "plan",
      "--request",
      "fixtures/requests/byolinux-mbr-data.json",
      "--inventory",
      "fixtures/inventories/bios-3tib-mbr.json",
    );
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "Error with MBR partition table: Partition /data is larger than 2TiB and this server does not support GPT\n",
    );
  });

  it("--image-staging: byoi_64 raw streams by default; ram downloads into RAM first; anything else is exit 2", async () => {
    const args = [
      "plan",
      "--request",
      "fixtures/requests/ovh-byoi.json",
      "--inventory",
      "fixtures/inventories/uefi-1disk.json",
    ];
    const kinds = async (...extra: string[]) => {
      const r = await byolRun(...args, "--json", ...extra);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout).steps as { kind: string }[]).map((s) => s.kind);
    };
    assert.deepEqual((await kinds()).slice(0, 2), ["write-image", "move-backup-gpt"]);
    assert.deepEqual(await kinds(), await kinds("--image-staging", "stream"));
    assert.deepEqual((await kinds("--image-staging", "ram")).slice(0, 4), [
      "download",
      "byoi-inspect",
      "wipe",
      "write-image",
    ]);
    const bad = await byolRun(...args, "--image-staging", "disk");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--image-staging: expected stream or ram, got 'disk'/);
  });

  it("rejects an unknown flag with exit 2 and a pointer to --help", async () => {
    const r = await byolRun("plan", "--bogus");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--bogus'[\s\S]*byol plan --help/);
  });
});

describe("byol --help", () => {
  it("lists every command of the contract and the exit codes", async () => {
    const r = await byolRun("--help");
    assert.equal(r.code, 0);
    for (const c of ["validate", "inventory", "plan", "install", "cleanup", "status", "130"])
      assert.match(r.stdout, new RegExp(c));
  });
  it("has a page per command", async () => {
    const r = await byolRun("install", "--help");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--boot-order/);
    assert.match(r.stdout, /--image-staging MODE/);
    assert.match(r.stdout, /ERASES/);
    assert.match((await byolRun("plan", "--help")).stdout, /--image-staging stream\|ram/);
  });
  it("install --stop-after disks is refused for byoi_64 before anything is probed: exit 2", async () => {
    const r = await byolRun(
      "install",
      "--request",
      "fixtures/requests/ovh-byoi.json",
      "--stop-after",
      "disks",
      "--json",
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--stop-after disks does not apply to byoi_64/);
    const last = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}");
    assert.deepEqual([last.phase, last.ok, last.exitCode], ["result", false, 2]);
  });
  it("fails on an unknown command with exit 2", async () => {
    const r = await byolRun("frobnicate");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
  });
  it("with no arguments or an unknown help topic: usage on stderr, exit 2", async () => {
    for (const args of [[], ["help", "frobnicate"]]) {
      const r = await byolRun(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.stdout, "");
      assert.match(
        r.stderr,
        /^byol: (no command given|unknown help topic 'frobnicate')\n\nbyol - [\s\S]*Usage: byol <command>/,
      );
    }
    const topic = await byolRun("help", "report");
    assert.equal(topic.code, 0);
    assert.match(topic.stdout, /byol report diff A B \[--json\]/);
  });
});
