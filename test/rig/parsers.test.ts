import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collectScript, parseSections, SECTION_MARK } from "../../scripts/rig/collect.ts";
import { judgeBootEntries, parseEfibootmgr } from "../../scripts/rig/efi.ts";
import { parseFindmnt, parseLsblk, parseLvs, parseMdstat, parseSwaps, pathsTo } from "../../scripts/rig/parsers.ts";
import { EFIBOOTMGR, ESP_A, FINDMNT, LSBLK, MDSTAT, SWAPS } from "./samples.ts";

describe("collect script and sections", () => {
  it("marks every section and always exits 0", () => {
    const script = collectScript();
    for (const name of [
      "hostname",
      "findmnt",
      "lsblk",
      "swaps",
      "mdstat",
      "lvs",
      "cloud-init",
      "cloud-init-status",
      "user-data",
      "efibootmgr",
    ]) {
      assert.ok(script.includes(`${SECTION_MARK} %s\\n' '${name}'`), name);
    }
    assert.match(script, /exit 0\n$/);
  });

  it("splits output into sections, ignoring what comes before the first marker", () => {
    const s = parseSections(`motd\n${SECTION_MARK} a\r\n x \n\n${SECTION_MARK} b\n${SECTION_MARK} c\n1\n2\n`);
    assert.deepEqual(s, { a: "x", b: "", c: "1\n2" });
  });
});

describe("parsers", () => {
  it("findmnt: drops a btrfs subvolume suffix", () => {
    const rows = parseFindmnt(
      JSON.stringify({ filesystems: [{ target: "/", source: "/dev/vda2[/@]", fstype: "btrfs" }] }),
    );
    assert.deepEqual(rows, [{ target: "/", source: "/dev/vda2", fstype: "btrfs" }]);
    assert.equal(parseFindmnt(FINDMNT).length, 4);
  });

  it("lsblk: an array is found once under each member, with the path from its disk", () => {
    const paths = pathsTo(parseLsblk(LSBLK), (n) => n.mountpoint === "/");
    assert.deepEqual(
      paths.map((p) => p.map((n) => n.name)),
      [
        ["/dev/vda", "/dev/vda4", "/dev/md126"],
        ["/dev/vdb", "/dev/vdb4", "/dev/md126"],
      ],
    );
  });

  it("mdstat: level, members, status and a running resync", () => {
    assert.deepEqual(parseMdstat(MDSTAT), [
      {
        name: "md126",
        active: true,
        level: "raid1",
        members: ["vdb4", "vda4"],
        status: "[2/2] [UU]",
        degraded: false,
        syncing: "resync = 38.2%",
      },
      { name: "md127", active: true, level: "raid1", members: ["vda2", "vdb2"], status: "[2/2] [UU]", degraded: false },
    ]);
  });

  it("mdstat: a RAID5 being built is degraded with a recovery, an auto-read-only array is active, spares lose their flag", () => {
    const text = `Personalities : [raid6] [raid5] [raid4]
md0 : active (auto-read-only) raid5 vdc3[3] vdb3[1](S) vda3[0]
      4190208 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/2] [UU_]
      [>....................]  recovery =  2.5% (52736/2095104) finish=1.2min speed=26368K/sec

md1 : inactive vdd1[0](S)
      1046528 blocks super 1.2
`;
    const [a, b] = parseMdstat(text);
    assert.deepEqual(a, {
      name: "md0",
      active: true,
      level: "raid5",
      members: ["vdc3", "vdb3", "vda3"],
      status: "[3/2] [UU_]",
      degraded: true,
      syncing: "recovery = 2.5%",
    });
    assert.equal(b!.active, false);
    assert.equal(b!.level, "");
  });

  it("swaps and lvs", () => {
    assert.deepEqual(parseSwaps(SWAPS), [
      { device: "/dev/vda3", type: "partition" },
      { device: "/dev/vdb3", type: "partition" },
    ]);
    assert.deepEqual(parseSwaps("Filename\tType\tSize\tUsed\tPriority"), []);
    const lvs = `  {\n      "report": [\n          {\n              "lv": [\n                  {"lv_name":"var", "vg_name":"vg", "lv_path":"/dev/vg/var"}\n              ]\n          }\n      ]\n  }\n`;
    assert.deepEqual(parseLvs(lvs), [{ lv: "var", vg: "vg", path: "/dev/vg/var" }]);
    assert.deepEqual(parseLvs(""), []);
  });
});

describe("efibootmgr", () => {
  it("reads BootCurrent, BootOrder and each entry's partition and file", () => {
    const v = parseEfibootmgr(EFIBOOTMGR);
    assert.equal(v.current, "0004");
    assert.deepEqual(v.order, ["0004", "0005", "0001", "0000", "0002"]);
    const e = v.entries.find((x) => x.num === "0004")!;
    assert.deepEqual(e, {
      num: "0004",
      active: true,
      label: "byol rig-raid1 (vda)",
      path: `HD(1,GPT,${ESP_A},0x800,0x100000)/File(\\EFI\\debian\\grubx64.efi)`,
      partuuid: ESP_A,
      file: "\\EFI\\debian\\grubx64.efi",
    });
    assert.equal(v.entries.find((x) => x.num === "0001")!.partuuid, undefined);
  });

  it("reads entries printed without a tab before the device path", () => {
    const v = parseEfibootmgr(
      `BootCurrent: 0003\nBoot0003* debian HD(1,GPT,${ESP_A.toUpperCase()},0x800,0x100000)/File(\\EFI\\debian\\shimx64.efi)`,
    );
    assert.equal(v.entries[0]!.label, "debian");
    assert.equal(v.entries[0]!.partuuid, ESP_A);
  });

  it("wants the request's loader exactly when one is given (BYOI)", () => {
    const tree = parseLsblk(LSBLK);
    const v = parseEfibootmgr(EFIBOOTMGR);
    assert.equal(judgeBootEntries(v, tree, "\\efi\\debian\\grubx64.efi").ok, true);
    const other = judgeBootEntries(v, tree, "\\efi\\debian\\shimx64.efi");
    assert.equal(other.ok, false);
    assert.match(
      other.detail,
      /^booted \\EFI\\debian\\grubx64\.efi, expected the request's \\efi\\debian\\shimx64\.efi/,
    );
  });

  it("refuses the removable fallback path and entries of disks that are not there", () => {
    const tree = parseLsblk(LSBLK);
    const fallback = parseEfibootmgr(EFIBOOTMGR.replaceAll("\\EFI\\debian\\grubx64.efi", "\\EFI\\BOOT\\BOOTX64.EFI"));
    assert.match(judgeBootEntries(fallback, tree).detail, /^booted the removable fallback path/);
    const foreign = parseEfibootmgr(EFIBOOTMGR.replaceAll("1111111", "9999999"));
    assert.match(
      judgeBootEntries(foreign, tree).detail,
      /^no boot entry names an ESP of the disks \(\/dev\/vda1, \/dev\/vdb1\)/,
    );
    assert.equal(judgeBootEntries(parseEfibootmgr(EFIBOOTMGR), []).detail, "no ESP on any disk");
  });
});
