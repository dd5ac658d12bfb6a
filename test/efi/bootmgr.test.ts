// efibootmgr output parsing on the samples in fixtures/efibootmgr (see its README).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseBootMgr } from "../../agent/efi/bootmgr.ts";

// As the runner reads every output: UTF-8, whatever the bytes are.
const sample = (name: string) =>
  readFileSync(new URL(`../../fixtures/efibootmgr/${name}`, import.meta.url)).toString("utf8");

test("plain efibootmgr: BootCurrent, BootOrder and labels (trailing blanks trimmed)", () => {
  const s = parseBootMgr(sample("ovmf.txt"));
  assert.equal(s.bootCurrent, "0002");
  assert.deepEqual(s.bootOrder, ["0001", "0002", "0003", "0000", "0004"]);
  assert.deepEqual(
    s.entries.map((e) => [e.num, e.label, e.active]),
    [
      ["0000", "UiApp", true],
      ["0001", "UEFI QEMU HARDDISK QM00001", true],
      ["0002", "UEFI PXEv4 (MAC:525400123456)", true],
      ["0003", "UEFI PXEv6 (MAC:525400123456)", true],
      ["0004", "EFI Internal Shell", true],
    ],
  );
  assert.equal(s.entries[0]?.path, undefined);
});

test("-v: device paths, partuuid and loader of disk entries", () => {
  const s = parseBootMgr(sample("ovmf-v-after-create.txt"));
  assert.deepEqual(s.bootOrder, ["0006", "0005", "0001", "0002", "0003", "0000", "0004"]);
  const sda = s.entries.find((e) => e.num === "0005");
  assert.deepEqual(sda, {
    num: "0005",
    label: "byol web1 (sda)",
    active: true,
    path: "HD(1,GPT,4f0e7b1c-2a1d-4c3e-9a55-0b8c1a52d001,0x800,0x100000)/File(\\EFI\\debian\\shimx64.efi)",
    partuuid: "4f0e7b1c-2a1d-4c3e-9a55-0b8c1a52d001",
    loader: "\\EFI\\debian\\shimx64.efi",
  });
  const pxe = s.entries.find((e) => e.num === "0002");
  assert.equal(pxe?.label, "UEFI PXEv4 (MAC:525400123456)");
  assert.match(pxe?.path ?? "", /^PciRoot\(0x0\)\/Pci\(0x2,0x0\)\/MAC\(525400123456,1\)\/IPv4\(/);
});

test("efibootmgr 18's path form without File(): the loader is still found", () => {
  const s = parseBootMgr(
    "Boot0007* debian\tHD(1,GPT,AB0E7B1C-2A1D-4C3E-9A55-0B8C1A52D001,0x800,0x100000)/\\EFI\\debian\\shimx64.efi\n",
  );
  assert.equal(s.entries[0]?.loader, "\\EFI\\debian\\shimx64.efi");
  assert.equal(s.entries[0]?.partuuid, "ab0e7b1c-2a1d-4c3e-9a55-0b8c1a52d001");
});

test("UTF-16LE output read as UTF-8 parses like the plain text", () => {
  assert.deepEqual(parseBootMgr(sample("ovmf-v-utf16le.bin")), parseBootMgr(sample("ovmf-v.txt")));
});

test("a real-server-like NVRAM: inactive entries, garbled labels and optional data, duplicates", () => {
  const s = parseBootMgr(sample("server-v.bin"));
  assert.deepEqual(s.bootOrder, ["0003", "0004", "0007", "0009", "0008", "0000", "0001", "0002", "000A", "000B"]);
  assert.deepEqual(
    s.entries.map((e) => `${e.num}${e.active ? "*" : " "} ${e.label}`),
    [
      "0000* Windows Boot Manager",
      "0001* debian",
      "0002  UEFI: Built-in EFI Shell",
      "0003* UEFI: PXE IPv4 Intel(R) Ethernet Controller X710 for 10GbE SFP+",
      "0004* UEFI: IPv6 Intel(R) Ethernet Controller X710 for 10GbE SFP+",
      "0005  iPXE",
      "0007* byol web1 (sda)",
      "0008* byol web1 (sdb)",
      "0009* byol web1 (sda)",
      "000A* UEFI OS",
      "000B* UEFI: SanDisk Cruzer Blade 1.00",
    ],
  );
  assert.equal(s.entries.find((e) => e.num === "000A")?.loader, "\\EFI\\BOOT\\BOOTX64.EFI");
  assert.equal(s.entries.find((e) => e.num === "0000")?.loader, "\\EFI\\Microsoft\\Boot\\bootmgfw.efi");
  for (const e of s.entries) {
    const text = `${e.label}${e.path ?? ""}`;
    assert.ok(!text.includes("\0") && !text.includes("\uFFFD"), text);
  }
});

test("no entries, no BootOrder, noise lines: an empty state, never an error", () => {
  assert.deepEqual(parseBootMgr(""), { bootOrder: [], entries: [] });
  assert.deepEqual(parseBootMgr("EFI variables are not supported on this system.\nBootOrder: \n"), {
    bootOrder: [],
    entries: [],
  });
});
