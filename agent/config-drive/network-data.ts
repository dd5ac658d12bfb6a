// openstack/latest/network_data.json: one link per probed NIC, matched by MAC address
// (interface names differ between the rescue system and the installed OS), and DHCPv4
// on the NICs that have a link. cloud-init turns this into the installed system's network config.

import type { Nic } from "../probe/types.ts";

export interface NetworkData {
  links: { id: string; type: "phy"; ethernet_mac_address: string; mtu?: number }[];
  networks: { id: string; type: "ipv4_dhcp"; link: string; network_id: string }[];
  services: never[];
}

export function buildNetworkData(nics: readonly Nic[]): NetworkData {
  const usable = nics.filter((n) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(n.mac) && n.mac !== "00:00:00:00:00:00");
  // DHCP on a NIC without carrier only delays boot; when no NIC reports its state, use them all
  const withLink = usable.filter((n) => n.up === true);
  const dhcp = withLink.length > 0 ? withLink : usable;
  return {
    links: usable.map((n) => ({
      id: n.name,
      type: "phy",
      ethernet_mac_address: n.mac,
      ...(n.mtu !== undefined ? { mtu: n.mtu } : {}),
    })),
    networks: dhcp.map((n, i) => ({ id: `network${i}`, type: "ipv4_dhcp", link: n.name, network_id: `network${i}` })),
    services: [],
  };
}
