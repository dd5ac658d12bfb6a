// Mount points (issue 15 item 4), generated character by character and length by length: a
// character fstab can carry (with its octal escapes) is accepted and round-trips through the
// installed system's /etc/fstab; a control character, a half surrogate pair, a segment over
// 255 bytes or a path over 4000 bytes is refused by validate with one line, shown escaped.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildFstab } from "../../agent/image/fstab.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import { parseRequest } from "../../agent/request/index.ts";
import { inventory } from "../plan/builders.ts";
import { byolinux, storage } from "./fixture.ts";

const CANDIDATES = [
  ...Array.from({ length: 0x180 }, (_, i) => String.fromCharCode(i)),
  "\u00a0",
  "\u2028",
  "\u202e",
  "\u2066",
  "\ud800",
  "\udc00",
  "\u{1f600}",
  "\u4e2d",
];
// What may never be in a mount point: C0 and C1 controls, DEL, separators and bidi marks, half surrogates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is tested
const REFUSED = /^[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]$/;
const disks = inventory("uefi-1disk");

// fstab(5)'s octal escapes decoded as mount(8) decodes them; written here, not imported, so the
// test does not trust the code it checks.
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function parse(mountPoint: string) {
  return parseRequest(
    byolinux(
      {},
      storage(1, [
        ["/", "ext4", 0],
        [mountPoint, "ext4", 512],
      ]),
    ),
  );
}

// The fstab line the install writes for `mountPoint`, read back the way mount(8) reads it.
function fstabRoundTrip(mountPoint: string): string {
  const parsed = parse(mountPoint);
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  const plan = buildPlan(parsed.request, disks);
  const lines = plan.fstab.map((e, i) => ({ ...e, uuid: `uuid-${i}` }));
  const text = buildFstab(lines, undefined);
  const ours = text.split("\n").filter((l) => l.startsWith("UUID="));
  assert.equal(ours.length, plan.fstab.length, text);
  const line = ours.find((l) =>
    l.startsWith(`UUID=uuid-${plan.fstab.findIndex((e) => e.mountPoint === mountPoint)}\t`),
  );
  const fields = line?.split(/[ \t]+/) ?? [];
  assert.equal(fields.length, 6, `${JSON.stringify(line)} has ${fields.length} fields`);
  return unescapeMountField(fields[1]!);
}

function oneProblem(mountPoint: string): string {
  const parsed = parse(mountPoint);
  assert.equal(parsed.ok, false, `${JSON.stringify(mountPoint)} should be refused`);
  const problems = parsed.ok ? [] : parsed.problems;
  assert.equal(problems.length, 1, problems.join("\n"));
  const line = problems[0]!;
  assert.match(line, /^storage\[0\]\.partitioning\.layout\[1\]\.mountPoint: expected /);
  // shown escaped: nothing a terminal would act on
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is tested
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  return line;
}

const show = (c: string) => `U+${c.codePointAt(0)!.toString(16).padStart(4, "0")}`;

describe("mount points, character by character", () => {
  for (const c of CANDIDATES) {
    if (c === "/") continue; // a separator, not a character of a name
    const mountPoint = `/data${c}x`;
    if (REFUSED.test(c)) {
      it(`refuses ${show(c)} with one escaped line`, () => {
        oneProblem(mountPoint);
      });
    } else {
      it(`accepts ${show(c)}, and fstab carries it`, () => {
        assert.equal(fstabRoundTrip(mountPoint), mountPoint);
      });
    }
  }
});

describe("mount points, length by length", () => {
  const units: [string, number][] = [
    ["a", 1],
    ["\u00e9", 2],
    ["\u4e2d", 3],
    ["\u{1f600}", 4],
  ];
  for (const [unit, bytes] of units) {
    const fits = unit.repeat(Math.floor(255 / bytes));
    const over = unit.repeat(Math.floor(255 / bytes) + 1);
    it(`a segment of ${Buffer.byteLength(fits)} bytes of ${show(unit)} is accepted, one of ${Buffer.byteLength(over)} refused`, () => {
      assert.equal(fstabRoundTrip(`/srv/${fits}`), `/srv/${fits}`);
      assert.match(oneProblem(`/srv/${over}/x`), /path segments of at most 255 bytes \(one has \d+\)/);
    });
  }
  it("a path over 4000 bytes is refused, one of 4000 accepted", () => {
    const segment = "b".repeat(199);
    const at = (n: number) => `/${Array.from({ length: n }, () => segment).join("/")}`;
    assert.equal(at(20).length, 4000);
    assert.equal(parse(at(20)).ok, true);
    assert.match(oneProblem(`${at(20)}/c`), /a mount point of at most 4000 bytes/);
  });
  it("spaces and backslashes are written as fstab's octal escapes", () => {
    const parsed = parse("/my data\\x");
    assert.ok(parsed.ok);
    const plan = buildPlan(parsed.request, disks);
    const text = buildFstab(
      plan.fstab.map((e) => ({ ...e, uuid: "u" })),
      undefined,
    );
    assert.match(text, /\t\/my\\040data\\134x\text4\t/);
  });
});
