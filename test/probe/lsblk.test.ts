import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InstallError } from "../../agent/errors.ts";
import { LSBLK_ARGV, parseLsblk } from "../../agent/probe/lsblk.ts";
import { fixture } from "./helpers.ts";

describe("parseLsblk", () => {
  it("asks lsblk for JSON, bytes and the documented columns", () => {
    assert.deepEqual(LSBLK_ARGV, [
      "lsblk",
      "-J",
      "-b",
      "-o",
      "NAME,PATH,TYPE,SIZE,LOG-SEC,PHY-SEC,ROTA,RM,RO,HOTPLUG,TRAN,MODEL,SERIAL,WWN,UUID,PARTUUID,FSTYPE,LABEL,MOUNTPOINTS",
    ]);
  });

  it("reads util-linux 2.38.1 output captured on this host (JSON numbers and booleans)", () => {
    const devices = parseLsblk(fixture("lsblk", "firecracker-host-2.38.1.json"));
    assert.deepEqual(devices, [
      {
        name: "zram0",
        path: "/dev/zram0",
        type: "disk",
        sizeBytes: 0,
        logicalSectorSize: 4096,
        physicalSectorSize: 4096,
        rotational: false,
        removable: false,
        readOnly: false,
        hotplug: false,
        mountpoints: [],
        children: [],
      },
      {
        name: "vda",
        path: "/dev/vda",
        type: "disk",
        sizeBytes: 274877906944,
        logicalSectorSize: 512,
        physicalSectorSize: 4096,
        rotational: true,
        removable: false,
        readOnly: false,
        hotplug: false,
        mountpoints: ["/"],
        children: [],
      },
    ]);
  });

  it("nests partitions and md holders under their disk", () => {
    const [sda] = parseLsblk(fixture("md-leftovers", "lsblk.json"));
    assert.deepEqual(
      sda?.children.map((c) => [c.name, c.type, c.label, c.children.map((h) => h.name)]),
      [
        ["sda1", "part", "EFI_SYSPART", []],
        ["sda2", "part", "md2", ["md2"]],
        ["sda3", "part", "swap-sda3", []],
        ["sda4", "part", "config-2", []],
      ],
    );
  });

  it("reads the older form: numbers and flags as strings, a single MOUNTPOINT, padded model", () => {
    const [sda, sdb] = parseLsblk(fixture("lsblk", "legacy-2.34.json"));
    assert.equal(sda?.sizeBytes, 500107862016);
    assert.equal(sda?.rotational, false);
    assert.equal(sda?.model, "Samsung SSD 860 EVO 500GB");
    assert.deepEqual(sda?.children[0]?.mountpoints, ["/"]);
    assert.equal(sda?.children[0]?.partuuid, "8e2a1c3b-01");
    assert.deepEqual(sdb?.mountpoints, []);
  });

  it("fills PATH from NAME when lsblk is too old to print it", () => {
    const [disk] = parseLsblk(
      JSON.stringify({
        blockdevices: [
          { name: "sda", type: "disk", size: 1, "log-sec": 512, "phy-sec": 512, rota: false, rm: false, ro: false },
        ],
      }),
    );
    assert.equal(disk?.path, "/dev/sda");
  });

  it("fails with the field that does not fit, rather than guessing", () => {
    assert.throws(() => parseLsblk("lsblk: unknown column: PATH"), InstallError);
    assert.throws(
      () => parseLsblk(JSON.stringify({ blockdevices: [{ name: "sda", type: "disk", size: -1 }] })),
      (error: InstallError) => error.code === "probe" && /blockdevices\.0\.size/.test(error.message),
    );
  });
});
