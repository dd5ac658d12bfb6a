// LVM's reserved logical volume names (issue 15 item 6), generated from the lists LVM documents
// (lvm(8) VALID NAMES): each reserved string at the start, middle and end of a name, each reserved
// prefix alone and extended; every name refused by validate, its neighbours accepted.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LV_RESERVED_PREFIXES, LV_RESERVED_STRINGS } from "../../agent/request/fields.ts";
import { parseRequest } from "../../agent/request/index.ts";
import { byolinux, storage } from "./fixture.ts";

function verdict(lv: string): string[] {
  const result = parseRequest(
    byolinux(
      {},
      storage(1, [
        ["/", "ext4", 0],
        ["/srv", "ext4", 1024, undefined, lv],
      ]),
    ),
  );
  return result.ok ? [] : result.problems;
}

// Written out as lvm(8) lists them, so that a change of the lists in fields.ts is seen here.
const DOCUMENTED =
  "_cdata _cmeta _corig _iorig _mimage _mlog _pmspare _rimage _rmeta _tdata _tmeta _vdata _vorigin _wcorig".split(" ");

describe("LVM's reserved logical volume names", () => {
  it("covers every string lvm(8) lists", () => {
    for (const s of DOCUMENTED) assert.ok((LV_RESERVED_STRINGS as readonly string[]).includes(s), s);
  });

  const refused = [
    "snapshot",
    "pvmove",
    ...LV_RESERVED_PREFIXES.flatMap((p) => [p, `${p}0`, `${p}_data`, `${p}.x`]),
    ...LV_RESERVED_STRINGS.flatMap((s) => [`data${s}`, `data${s}_0`, `x${s}y`, s.slice(1) === "" ? s : `a${s}`]),
    `a${"-".repeat(63)}`, // 127 characters for device-mapper
  ];
  for (const lv of refused) {
    it(`refuses ${JSON.stringify(lv)}, naming the field`, () => {
      const problems = verdict(lv);
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(
        problems[0]!,
        /^storage\[0\]\.partitioning\.layout\[1\]\.extras\.lv\.name: expected a logical volume name LVM does not reserve/,
      );
    });
  }

  const accepted = [
    "data",
    "srv",
    "my-snapshot", // only the prefix is reserved
    "xpvmove",
    "cdata",
    "data_c",
    "mlog",
    "rimage0",
    "tmeta_", // "_tmeta" needs the underscore first
    "a".repeat(64),
    `a${"-".repeat(50)}`,
  ];
  for (const lv of accepted) {
    it(`accepts ${JSON.stringify(lv)}`, () => assert.deepEqual(verdict(lv), []));
  }
});
