// Which EFI boot loader a boot entry should start, from the files on the ESP. Pure.

// shim first (Secure Boot), then GRUB, in a distribution's own directory; the removable-media
// fallback \EFI\BOOT\BOOTX64.EFI last, since every OS may overwrite it.
const PREFERRED = ["shimx64.efi", "grubx64.efi"];
const FALLBACK = "bootx64.efi";

// `files` are paths relative to the ESP's root with "/" separators ("EFI/debian/shimx64.efi").
// Returns the firmware path ("\EFI\debian\shimx64.efi") in the case found on disk, or undefined.
export function detectLoader(files: readonly string[]): string | undefined {
  const candidates = files
    .map((f) => f.replace(/^\/+/, "").split("/"))
    .filter((parts) => parts.length === 3 && parts[0]?.toLowerCase() === "efi")
    .sort((a, b) => compare(a.join("/"), b.join("/"))); // deterministic whatever readdir's order
  for (const name of PREFERRED) {
    const found = candidates.find((p) => p[1]?.toLowerCase() !== "boot" && p[2]?.toLowerCase() === name);
    if (found !== undefined) return toFirmwarePath(found.join("/"));
  }
  const fallback = candidates.find((p) => p[1]?.toLowerCase() === "boot" && p[2]?.toLowerCase() === FALLBACK);
  return fallback === undefined ? undefined : toFirmwarePath(fallback.join("/"));
}

// "EFI/debian/grubx64.efi" or "/efi/debian/grubx64.efi" -> "\EFI\debian\grubx64.efi" (as given in case).
export function toFirmwarePath(path: string): string {
  const trimmed = path.replace(/[\\/]+/g, "\\").replace(/^\\+/, "");
  return `\\${trimmed}`;
}

// The distribution directory of a loader path: "\EFI\debian\shimx64.efi" -> "debian".
export function loaderDistro(loader: string): string | undefined {
  const parts = loader.split("\\").filter((p) => p !== "");
  const dir = parts.length === 3 ? parts[1] : undefined;
  return dir === undefined || dir.toLowerCase() === "boot" ? undefined : dir;
}

function compare(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
