// The tool -> Debian package map, read from packages.json (bundled into byol; the rescue build's
// package list, scripts/rescue/packages.txt, is generated from the same file).

import list from "./packages.json" with { type: "json" };

export interface PackageEntry {
  package: string;
  rescue: boolean; // part of the rescue system's list
  tools: string[]; // programs byol runs from it
  modules?: string[]; // kernel modules it provides (built by dkms)
  headers?: boolean; // dkms: needs the running kernel's headers to build its modules
}

export const PACKAGES: readonly PackageEntry[] = list.packages;

const byTool = new Map(PACKAGES.flatMap((p) => p.tools.map((t) => [t, p.package] as const)));
const byModule = new Map(PACKAGES.flatMap((p) => (p.modules ?? []).map((m) => [m, p] as const)));

// The packages that provide a kernel module on a kernel of this release: zfs -> zfs-dkms and the
// kernel's headers; empty for a module byol knows no package for (those come with the kernel).
export function packagesOfModule(module: string, kernelRelease: string): string[] {
  const entry = byModule.get(module);
  if (entry === undefined) return [];
  return entry.headers === true ? [entry.package, `linux-headers-${kernelRelease}`] : [entry.package];
}

// The Debian package that provides `tool`; undefined for a program byol does not know.
export function packageOf(tool: string): string | undefined {
  return byTool.get(tool);
}

// The rescue system's packages, in order.
export function rescuePackages(): string[] {
  return PACKAGES.filter((p) => p.rescue).map((p) => p.package);
}

// scripts/rescue/packages.txt, as generated from this list.
export function packagesTxt(): string {
  const head = [
    "# Debian bookworm packages of the byol rescue system, one per line.",
    "# Used by scripts/rescue/build.ts (mmdebstrap, VM image) and Dockerfile.rescue (container image).",
    "# Installed without Recommends, into --variant=minbase.",
  ];
  return `${[...head, ...rescuePackages()].join("\n")}\n`;
}
