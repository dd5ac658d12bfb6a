import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RESCUE_INPUTS, rescueKey, STOCK_INPUTS, ZFS_INPUTS } from "../../scripts/rescue/build.ts";
import { needsZfs, parseScenario, substitute } from "../../scripts/rig/scenario.ts";

// "${NAME}" without a template literal
const ph = (name: string) => ["$", "{", name, "}"].join("");

const minimal = {
  name: "x",
  machine: { firmware: "uefi", disks: [{ sizeGiB: 4 }] },
  image: "byolinux-debian12",
  request: { operatingSystem: "byolinux_64", customizations: { imageURL: ph("IMAGE_URL") } },
};
const parse = (v: unknown) => parseScenario(JSON.stringify(v), "t.json");
const values = {
  IMAGE_URL: "http://10.0.2.100/i.qcow2",
  IMAGE_SHA512: "5".repeat(128),
  IMAGE_SHA256: "2".repeat(64),
  SSH_PUBKEY: "ssh-ed25519 AAAA k",
};

describe("parseScenario", () => {
  it("fills the defaults: 4096 MiB, 2 cpus, exit 0, no commands", () => {
    const s = parse(minimal);
    assert.equal(s.machine.memoryMiB, 4096);
    assert.equal(s.machine.cpus, 2);
    assert.deepEqual(s.expect, { exitCode: 0, commands: [] });
  });

  it("names every bad field by its path", () => {
    const bad = {
      ...minimal,
      machine: { firmware: "efi", disks: [{ sizeGiB: 0, logicalBlockSize: 1024 }] },
      expect: { exitCode: 1 },
    };
    assert.throws(
      () => parse(bad),
      (e: Error) =>
        /scenario t\.json: 4 problem/.test(e.message) &&
        e.message.includes("machine.firmware") &&
        e.message.includes("machine.disks.0.sizeGiB") &&
        e.message.includes("machine.disks.0.logicalBlockSize") &&
        e.message.includes("expect.exitCode"),
    );
  });

  it("refuses unknown keys (a typo is not silently ignored)", () => {
    assert.throws(() => parse({ ...minimal, expects: {} }), /expects/);
    assert.throws(() => parse({ ...minimal, expect: { exitcode: 3 } }), /exitcode/);
  });

  it("refuses text that is not JSON, naming the file", () => {
    assert.throws(() => parseScenario("{", "broken.json"), /scenario broken\.json: not JSON/);
  });

  it("refuses commands for an install that is expected to fail (it is never booted)", () => {
    assert.throws(
      () => parse({ ...minimal, expect: { exitCode: 3, commands: [{ run: "true", contains: "" }] } }),
      /never booted/,
    );
  });
});

describe("substitute", () => {
  it("replaces the placeholders in every string, also inside longer strings and arrays", () => {
    const out = substitute(
      { a: ph("IMAGE_URL"), b: [`sum ${ph("IMAGE_SHA256")}`], c: { d: ph("SSH_PUBKEY"), n: 3, t: true } },
      values,
    );
    assert.deepEqual(out, {
      a: values.IMAGE_URL,
      b: [`sum ${values.IMAGE_SHA256}`],
      c: { d: values.SSH_PUBKEY, n: 3, t: true },
    });
  });

  it("fails on an unknown placeholder, naming where it is", () => {
    assert.throws(
      () => substitute({ customizations: { imageURL: ph("IMAGE_URI") } }, values),
      /customizations\.imageURL: unknown placeholder \$\{IMAGE_URI\}/,
    );
  });

  it("leaves the input untouched", () => {
    const input = { a: ph("IMAGE_URL") };
    substitute(input, values);
    assert.equal(input.a, ph("IMAGE_URL"));
  });
});

describe("fixtures/scenarios", () => {
  const dir = join(import.meta.dirname, "..", "..", "fixtures", "scenarios");
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));

  it("has the scenarios of issue 5", () => {
    for (const name of [
      "uefi-raid1-default",
      "bios-single-ext4",
      "uefi-raid5-xfs-lvm",
      "uefi-4kn-single",
      "bad-checksum",
      "script-fails",
    ]) {
      assert.ok(files.includes(`${name}.json`), name);
    }
  });

  for (const f of files) {
    it(`${f} parses, is named after its file and uses only known placeholders`, () => {
      const s = parseScenario(readFileSync(join(dir, f), "utf8"), f);
      assert.equal(`${s.name}.json`, f);
      substitute(s.request, values);
    });
  }
});

describe("the rescue with ZFS only where a scenario needs it", () => {
  const dir = join(import.meta.dirname, "..", "..", "fixtures", "scenarios");
  const scenario = (name: string) => parseScenario(readFileSync(join(dir, `${name}.json`), "utf8"), name);

  it("ZFS scenarios need it; CI's scenarios and the other non-ZFS ones do not", () => {
    for (const name of ["uefi-zfs-data-mirror", "bios-zfs-raidz1", "uefi-zfs-root"])
      assert.ok(needsZfs(scenario(name)), name);
    for (const name of [
      "bad-checksum",
      "uefi-raid1-default",
      "bios-single-ext4",
      "uefi-raid5-xfs-lvm",
      "byoi-uefi-raw",
    ]) {
      assert.equal(needsZfs(scenario(name)), false, name);
    }
  });

  it("the ZFS rescue has its own cache key; the plain one does not depend on the ZFS scripts", async () => {
    const node = process.execPath;
    for (const flavour of ["harness", "stock"] as const) {
      assert.notEqual(await rescueKey(node, flavour, false), await rescueKey(node, flavour, true), flavour);
    }
    const inputs = [...RESCUE_INPUTS, ...STOCK_INPUTS];
    for (const zfsScript of ZFS_INPUTS)
      assert.ok(!inputs.includes(zfsScript), `${zfsScript} is not a plain rescue input`);
  });
});
