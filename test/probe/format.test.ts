import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatInventory, formatSize } from "../../agent/probe/format.ts";
import { expectedInventory } from "./helpers.ts";

describe("formatSize", () => {
  it("uses GiB below one TiB and TiB above", () => {
    assert.equal(formatSize(480103981056), "447.1 GiB");
    assert.equal(formatSize(4000787030016), "3.6 TiB");
    assert.equal(formatSize(2 ** 40), "1.0 TiB");
  });
});

describe("formatInventory", () => {
  it("prints disks, groups, firmware, RAM and md arrays", () => {
    assert.equal(
      formatInventory(expectedInventory("md-leftovers")),
      [
        "PATH      SIZE       LOG/PHY   ROTA  TRAN  MODEL                      SERIAL",
        "/dev/sda  447.1 GiB  512/4096  no    sata  Micron_5300_MTFDDAK480TDS  2049293A1B2C",
        "/dev/sdb  447.1 GiB  512/4096  no    sata  Micron_5300_MTFDDAK480TDS  2049293A1B3D",
        "/dev/sdc  1.8 TiB    512/512   yes   sata  ST2000NM0055-1V4104        ZC2ABCDE",
        "",
        "Disk groups:",
        "  1: /dev/sda /dev/sdb (2 x 447.1 GiB, ssd, sata, 512 B sectors)",
        "  2: /dev/sdc (1 x 1.8 TiB, hdd, sata, 512 B sectors)",
        "",
        "Firmware: UEFI",
        "RAM: 125.5 GiB",
        "",
        "md arrays:",
        "  /dev/md127: inactive /dev/sdc1",
        "  /dev/md2: raid1 /dev/sda2 /dev/sdb2",
        "",
      ].join("\n"),
    );
  });

  it("names the rescue disk and shows missing model and transport as -", () => {
    const text = formatInventory(expectedInventory("qemu-virtio"));
    assert.match(text, /^\/dev\/vde {2}20\.0 GiB {2}4096\/4096 {2}yes {3}- {5}- {6}byol-4kn$/m);
    assert.match(text, /^\(\/dev\/vda holds the rescue system and is not a target\)$/m);
    assert.match(text, /^ {2}3: \/dev\/vde \(1 x 20\.0 GiB, hdd, 4096 B sectors\)$/m);
  });

  it("says so when there is no target disk", () => {
    const inventory = { ...expectedInventory("nvme-2disk"), disks: [] };
    assert.match(formatInventory(inventory), /^no target disks found\n\nDisk groups:\n {2}none\n/);
  });
});
