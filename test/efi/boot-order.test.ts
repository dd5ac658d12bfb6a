import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { isNetworkEntry, nextBootOrder } from "../../agent/efi/boot-order.ts";
import { parseBootMgr } from "../../agent/efi/bootmgr.ts";

const sample = (name: string) =>
  parseBootMgr(readFileSync(new URL(`../../fixtures/efibootmgr/${name}`, import.meta.url)).toString("utf8"));

// After `efibootmgr -c` for sda (0005) and sdb (0006): BootOrder 0006,0005,0001,0002,0003,0000,0004.
const ovmf = sample("ovmf-v-after-create.txt");

test("disk-first: the new entries in disk order, then the rest as it was", () => {
  assert.deepEqual(nextBootOrder(ovmf, ["0005", "0006"], "disk-first"), [
    "0005",
    "0006",
    "0001",
    "0002",
    "0003",
    "0000",
    "0004",
  ]);
});

test("network-first: PXE entries ahead of the new disk entries, then the rest", () => {
  assert.deepEqual(nextBootOrder(ovmf, ["0005", "0006"], "network-first"), [
    "0002",
    "0003",
    "0005",
    "0006",
    "0001",
    "0000",
    "0004",
  ]);
});

test("keep: the order from before the creation, the new entries appended", () => {
  assert.deepEqual(nextBootOrder(ovmf, ["0005", "0006"], "keep"), [
    "0001",
    "0002",
    "0003",
    "0000",
    "0004",
    "0005",
    "0006",
  ]);
});

test("a real-server-like NVRAM: network entries found by label or device path; no duplicates", () => {
  const server = sample("server-v-after-create.bin");
  assert.deepEqual(nextBootOrder(server, ["0006", "0007"], "network-first"), [
    "0003",
    "0004",
    "0006",
    "0007",
    "0000",
    "0001",
    "0002",
    "000A",
    "000B",
  ]);
  const doubled = { ...server, bootOrder: [...server.bootOrder, "0003", "0006"] };
  assert.deepEqual(nextBootOrder(doubled, ["0006", "0007"], "disk-first").slice(0, 4), [
    "0006",
    "0007",
    "0003",
    "0004",
  ]);
  assert.equal(new Set(nextBootOrder(doubled, ["0006", "0007"], "disk-first")).size, 9);
});

test("network entries: PXE, iPXE, Network, HTTP labels; MAC(/IPv4(/IPv6( paths", () => {
  const e = (label: string, path?: string) => ({ num: "0001", label, active: true, ...(path && { path }) });
  assert.equal(isNetworkEntry(e("UEFI PXEv4 (MAC:525400123456)")), true);
  assert.equal(isNetworkEntry(e("iPXE")), true);
  assert.equal(isNetworkEntry(e("Network Boot")), true);
  assert.equal(isNetworkEntry(e("UEFI HTTPv4: Intel Network 00 at Baseboard")), true);
  assert.equal(isNetworkEntry(e("UEFI: IPv6 Intel(R) X710", "PciRoot(0x0)/MAC(3cecef123456,1)/IPv6([::])")), true);
  assert.equal(isNetworkEntry(e("UEFI QEMU HARDDISK QM00001", "PciRoot(0x0)/Pci(0x1f,0x2)/Sata(0,65535,0)")), false);
  assert.equal(isNetworkEntry(e("byol web1 (sda)")), false);
});
