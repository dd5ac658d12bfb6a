// Network interfaces from /sys/class/net, for the config drive's network_data.json.

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { compareDiskNames } from "./natural-order.ts";
import type { Nic } from "./types.ts";

// One sysfs attribute, trimmed; undefined when the file is missing or unreadable.
async function attribute(dir: string, name: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, name), "utf8")).trim();
  } catch {
    return undefined;
  }
}

// Every interface except loopback and those without a MAC address (sit/ip6tnl tunnels show zeros).
export async function readNics(sysClassNet: string): Promise<Nic[]> {
  const names = (await readdir(sysClassNet)).filter((n) => n !== "lo").sort(compareDiskNames);
  const nics: Nic[] = [];
  for (const name of names) {
    const dir = join(sysClassNet, name);
    const mac = (await attribute(dir, "address"))?.toLowerCase();
    if (!mac || /^00(:00)*$/.test(mac)) continue;
    const nic: Nic = { name, mac };
    const mtu = Number(await attribute(dir, "mtu"));
    if (Number.isInteger(mtu) && mtu > 0) nic.mtu = mtu;
    const operstate = await attribute(dir, "operstate");
    if (operstate !== undefined) nic.up = operstate === "up";
    nics.push(nic);
  }
  return nics;
}
