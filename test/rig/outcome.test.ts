import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allZero, type DiskEnds, fingerprint, partitionTableSigns } from "../../scripts/rig/disk-state.ts";
import { diskChecks, exitChecks, makeVerdict, parseResult } from "../../scripts/rig/outcome.ts";

const MiB = 1048576;
const zero = (): DiskEnds => ({ first: Buffer.alloc(MiB), last: Buffer.alloc(MiB) });

// A disk's ends with a protective MBR and both GPT headers, for the sector size.
function gpt(sector: 512 | 4096): DiskEnds {
  const ends = zero();
  ends.first[510] = 0x55;
  ends.first[511] = 0xaa;
  ends.first[446 + 4] = 0xee;
  ends.first.write("EFI PART", sector, "latin1");
  ends.last.write("EFI PART", MiB - sector, "latin1");
  return ends;
}

describe("parseResult", () => {
  it("takes the last result line, skipping other lines and broken JSON", () => {
    const out = [
      '{"ts":"t","step":"download","phase":"start","title":"x"}',
      "not json",
      '{"ts":"t","phase":"result","ok":false,"exitCode":3,"error":{"code":"checksum","message":"Bad sha512"}}',
      "{broken",
      "",
    ].join("\n");
    assert.deepEqual(parseResult(out), {
      ts: "t",
      phase: "result",
      ok: false,
      exitCode: 3,
      error: { code: "checksum", message: "Bad sha512" },
    });
    assert.equal(parseResult('{"phase":"start"}\n'), undefined);
  });
});

describe("exitChecks", () => {
  const result = {
    ok: false,
    exitCode: 3,
    error: { code: "checksum", message: "Bad sha512 for downloaded file, got: 1 while expecting 2." },
  };

  it("passes the expected code and error substring", () => {
    const checks = exitChecks({ exitCode: 3, error: "Bad sha512 for downloaded file" }, result, 3);
    assert.deepEqual(
      checks.map((c) => [c.name, c.ok]),
      [
        ["exit code", true],
        ["error message", true],
      ],
    );
  });

  it("fails another code, a process exit that disagrees, a missing substring and a missing result line", () => {
    assert.equal(exitChecks({ exitCode: 4 }, result, 3)[0]!.ok, false);
    assert.equal(exitChecks({ exitCode: 3 }, result, 1)[0]!.ok, false);
    assert.equal(exitChecks({ exitCode: 3, error: "Bad md5" }, result, 3)[1]!.ok, false);
    assert.deepEqual(exitChecks({ exitCode: 0 }, undefined, 255), [
      { name: "exit code", ok: false, detail: "byol printed no result line (ssh exit 255)" },
    ]);
  });
});

describe("disk state", () => {
  it("sees GPT headers for both sector sizes, and an MBR only with partition entries", () => {
    assert.deepEqual(partitionTableSigns(gpt(512)), [
      "primary GPT header (512-byte sectors)",
      "backup GPT header (512-byte sectors)",
      "MBR with partition entries",
    ]);
    assert.deepEqual(partitionTableSigns(gpt(4096)).slice(0, 2), [
      "primary GPT header (4096-byte sectors)",
      "backup GPT header (4096-byte sectors)",
    ]);
    const bootCodeOnly = zero();
    bootCodeOnly.first.write("GRUB", 0x180, "latin1");
    bootCodeOnly.first[510] = 0x55;
    bootCodeOnly.first[511] = 0xaa;
    assert.deepEqual(partitionTableSigns(bootCodeOnly), []);
    assert.deepEqual(partitionTableSigns(zero()), []);
    assert.equal(allZero(zero()), true);
    assert.equal(allZero(bootCodeOnly), false);
  });

  it("exit 3: every disk's ends are as before", () => {
    const checks = diskChecks(3, [
      { name: "disk b", before: zero(), after: zero() },
      { name: "disk c", before: zero(), after: gpt(512) },
    ]);
    assert.deepEqual(
      checks.map((c) => [c.name, c.ok]),
      [
        ["disk untouched disk b", true],
        ["disk untouched disk c", false],
      ],
    );
    assert.equal(checks[1]!.detail, `${fingerprint(zero())} -> ${fingerprint(gpt(512))}`);
  });

  it("exit 4: no partition table is left", () => {
    const checks = diskChecks(4, [
      { name: "disk b", before: zero(), after: zero() },
      { name: "disk c", before: zero(), after: gpt(4096) },
    ]);
    assert.deepEqual(
      checks.map((c) => c.ok),
      [true, false],
    );
    assert.match(checks[1]!.detail, /^found primary GPT header \(4096-byte sectors\)/);
  });
});

describe("makeVerdict", () => {
  it("is ok only with at least one check and every check passed", () => {
    assert.equal(makeVerdict("s", [], {}, "/o").ok, false);
    assert.equal(makeVerdict("s", [{ name: "a", ok: true, detail: "" }], {}, "/o").ok, true);
    assert.equal(
      makeVerdict(
        "s",
        [
          { name: "a", ok: true, detail: "" },
          { name: "b", ok: false, detail: "" },
        ],
        {},
        "/o",
      ).ok,
      false,
    );
    assert.deepEqual(Object.keys(makeVerdict("s", [], { total: 1 }, "/o")), [
      "scenario",
      "ok",
      "checks",
      "timings",
      "outDir",
    ]);
  });
});
