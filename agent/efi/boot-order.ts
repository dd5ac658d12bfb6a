// The BootOrder byol sets after creating its entries. Pure.

import type { BootEntry, BootMgrState } from "./bootmgr.ts";

// disk-first: the new disk entries, then everything else.
// network-first: every network entry (PXE, iPXE, HTTP boot) ahead of the new disk entries, as
//   OVHcloud servers need to reach their netboot first; then everything else.
// keep: the order as it was, the new entries at the end (`efibootmgr -c` itself puts a new
//   entry first, so keeping the order needs `-o` too).
export const BOOT_ORDERS = ["network-first", "disk-first", "keep"] as const;
export type BootOrderPolicy = (typeof BOOT_ORDERS)[number];

// OVHcloud servers boot from the network first, and the netboot setting decides between rescue
// and disk: a disk ahead of the network would lock the server out of rescue. So the default keeps
// the network first; a machine without netboot (the QEMU rig) asks for disk-first.
export const DEFAULT_BOOT_ORDER: BootOrderPolicy = "network-first";

// `current` is read after the new entries were created; `created` are their numbers, in disk order.
export function nextBootOrder(current: BootMgrState, created: readonly string[], policy: BootOrderPolicy): string[] {
  const fresh = new Set(created.map((n) => n.toUpperCase()));
  const rest = unique(current.bootOrder.map((n) => n.toUpperCase())).filter((n) => !fresh.has(n));
  const mine = unique(created.map((n) => n.toUpperCase()));
  switch (policy) {
    case "disk-first":
      return [...mine, ...rest];
    case "keep":
      return [...rest, ...mine];
    case "network-first": {
      const byNum = new Map(current.entries.map((e) => [e.num.toUpperCase(), e]));
      const network = rest.filter((n) => {
        const e = byNum.get(n);
        return e !== undefined && isNetworkEntry(e);
      });
      const others = rest.filter((n) => !network.includes(n));
      return [...network, ...mine, ...others];
    }
    default:
      throw new Error(`unknown boot order policy ${JSON.stringify(policy satisfies never)}`);
  }
}

// A network boot entry, by its label or, with -v, by its device path.
export function isNetworkEntry(entry: BootEntry): boolean {
  if (/pxe|ipxe|network|http/i.test(entry.label)) return true;
  return entry.path !== undefined && /MAC\(|IPv4\(|IPv6\(|Uri\(/i.test(entry.path);
}

function unique(nums: readonly string[]): string[] {
  return [...new Set(nums)];
}
