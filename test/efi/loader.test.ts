import assert from "node:assert/strict";
import { test } from "node:test";
import { detectLoader, loaderDistro, toFirmwarePath } from "../../agent/efi/loader.ts";

test("shim in a distribution directory wins over GRUB and the fallback", () => {
  const files = ["EFI/BOOT/BOOTX64.EFI", "EFI/debian/grubx64.efi", "EFI/debian/shimx64.efi", "EFI/debian/mmx64.efi"];
  assert.equal(detectLoader(files), "\\EFI\\debian\\shimx64.efi");
});

test("GRUB when there is no shim; case as on disk, matched case-insensitively", () => {
  assert.equal(detectLoader(["efi/BOOT/bootx64.efi", "efi/Fedora/GRUBX64.EFI"]), "\\efi\\Fedora\\GRUBX64.EFI");
});

test("the removable-media fallback last; BOOT is never taken for a distribution", () => {
  assert.equal(detectLoader(["EFI/BOOT/BOOTX64.EFI", "EFI/BOOT/grubx64.efi"]), "\\EFI\\BOOT\\BOOTX64.EFI");
});

test("several distributions: the first by name, whatever readdir's order", () => {
  const a = ["EFI/ubuntu/shimx64.efi", "EFI/debian/shimx64.efi"];
  assert.equal(detectLoader(a), "\\EFI\\debian\\shimx64.efi");
  assert.equal(detectLoader([...a].reverse()), "\\EFI\\debian\\shimx64.efi");
});

test("nothing bootable: undefined (files at other depths do not count)", () => {
  assert.equal(detectLoader([]), undefined);
  assert.equal(detectLoader(["shimx64.efi", "EFI/debian/x/grubx64.efi", "boot/grub/grub.cfg"]), undefined);
});

test("firmware paths and distributions", () => {
  assert.equal(toFirmwarePath("/efi/debian/grubx64.efi"), "\\efi\\debian\\grubx64.efi");
  assert.equal(toFirmwarePath("\\EFI\\centos\\shimx64.efi"), "\\EFI\\centos\\shimx64.efi");
  assert.equal(loaderDistro("\\EFI\\debian\\shimx64.efi"), "debian");
  assert.equal(loaderDistro("\\EFI\\BOOT\\BOOTX64.EFI"), undefined);
});
