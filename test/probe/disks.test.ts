import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cmdlineRoot, selectDisks } from "../../agent/probe/disks.ts";
import { type BlockDevice, parseLsblk } from "../../agent/probe/lsblk.ts";
import { fixture } from "./helpers.ts";

// A block device with the fields selection looks at; the rest are plausible defaults.
function device(name: string, type: string, extra: Partial<BlockDevice> = {}): BlockDevice {
  return {
    name,
    path: `/dev/${name}`,
    type,
    sizeBytes: 10 * 2 ** 30,
    logicalSectorSize: 512,
    physicalSectorSize: 512,
    rotational: false,
    removable: false,
    readOnly: false,
    hotplug: false,
    mountpoints: [],
    children: [],
    ...extra,
  };
}

const names = (devices: BlockDevice[], cmdline = "") => selectDisks(devices, cmdline).disks.map((d) => d.name);

describe("selectDisks", () => {
  it("keeps only real disks: no loop, zram, ram, nbd, md, dm, optical or empty ones", () => {
    const devices = [
      device("loop0", "loop"),
      device("zram0", "disk"),
      device("ram0", "disk"),
      device("nbd0", "disk"),
      device("md0", "raid1"),
      device("md1", "disk"),
      device("dm-0", "lvm"),
      device("sr0", "rom"),
      device("sdz", "disk", { sizeBytes: 0 }),
      device("sdb", "disk"),
      device("sda", "disk"),
    ];
    assert.deepEqual(names(devices), ["sda", "sdb"]);
  });

  it("skips a disk with a partition mounted at /, and reports it", () => {
    const vda = device("vda", "disk", { children: [device("vda1", "part", { mountpoints: ["/"] })] });
    const selection = selectDisks([vda, device("vdb", "disk")], "");
    assert.deepEqual(
      selection.disks.map((d) => d.path),
      ["/dev/vdb"],
    );
    assert.equal(selection.rescueDisk, "/dev/vda");
  });

  it("skips a whole disk mounted at /, and one that provides /run/live", () => {
    const devices = [
      device("sda", "disk", { mountpoints: ["/"] }),
      device("sdb", "disk", { children: [device("sdb1", "part", { mountpoints: ["/run/live/medium"] })] }),
      device("sdc", "disk", { mountpoints: ["/run/live"] }),
      device("sdd", "disk", { children: [device("sdd1", "part", { mountpoints: ["/run/livestock"] })] }),
    ];
    assert.deepEqual(names(devices), ["sdd"]);
  });

  it("skips both disks of an md array mounted at /, and reports the first by name", () => {
    const md = device("md0", "raid1", { mountpoints: ["/"] });
    const devices = [
      device("sdb", "disk", { children: [device("sdb1", "part", { children: [md] })] }),
      device("sda", "disk", { children: [device("sda1", "part", { children: [md] })] }),
      device("sdc", "disk"),
    ];
    assert.deepEqual(selectDisks(devices, "").rescueDisk, "/dev/sda");
    assert.deepEqual(names(devices), ["sdc"]);
  });

  it("skips the disk holding root= from /proc/cmdline, by path, UUID, PARTUUID or LABEL", () => {
    const part = device("sdb1", "part", { uuid: "AB-CD", partuuid: "1234abcd-01", label: "rescue" });
    const devices = [device("sda", "disk"), device("sdb", "disk", { children: [part] })];
    for (const root of ["/dev/sdb1", "UUID=ab-cd", "PARTUUID=1234ABCD-01", "LABEL=rescue"]) {
      assert.deepEqual(names(devices, `BOOT_IMAGE=/vmlinuz root=${root} ro quiet`), ["sda"], root);
    }
  });

  it("ignores a root= that names no disk (ram, nfs, by-id links)", () => {
    const devices = [device("sda", "disk", { children: [device("sda1", "part", { uuid: "x" })] })];
    for (const root of ["/dev/ram0", "/dev/nfs", "/dev/disk/by-id/wwn-0x5000-part1", "UUID=y", "LABEL="]) {
      assert.deepEqual(
        selectDisks(devices, `root=${root}`),
        { disks: selectDisks(devices, "").disks, excluded: [] },
        root,
      );
    }
  });

  it("orders disks naturally", () => {
    const devices = ["nvme10n1", "nvme1n1", "nvme0n1"].map((n) => device(n, "disk"));
    assert.deepEqual(names(devices), ["nvme0n1", "nvme1n1", "nvme10n1"]);
  });

  it("sees the live USB stick of the sata-usb-live fixture as the rescue disk", () => {
    const selection = selectDisks(parseLsblk(fixture("sata-usb-live", "lsblk.json")), "boot=live components");
    assert.equal(selection.rescueDisk, "/dev/sdc");
    assert.deepEqual(
      selection.disks.map((d) => d.path),
      ["/dev/sda", "/dev/sdb"],
    );
  });
});

describe("cmdlineRoot", () => {
  it("finds root= as a whole word only", () => {
    assert.equal(cmdlineRoot("BOOT_IMAGE=/vmlinuz root=UUID=abc ro"), "UUID=abc");
    assert.equal(cmdlineRoot("nfsroot=10.0.0.1:/x ip=dhcp"), undefined);
    assert.equal(cmdlineRoot(""), undefined);
  });
});
