import assert from "node:assert/strict";
import { test } from "node:test";
import { buildNetworkData } from "../../agent/config-drive/network-data.ts";

test("one phy link per NIC by MAC, DHCPv4 on the NICs that are up", () => {
  const data = buildNetworkData([
    { name: "eth0", mac: "52:54:00:12:34:56", mtu: 1500, up: true },
    { name: "eth1", mac: "52:54:00:12:34:57", up: false },
  ]);
  assert.deepEqual(data, {
    links: [
      { id: "eth0", type: "phy", ethernet_mac_address: "52:54:00:12:34:56", mtu: 1500 },
      { id: "eth1", type: "phy", ethernet_mac_address: "52:54:00:12:34:57" },
    ],
    networks: [{ id: "network0", type: "ipv4_dhcp", link: "eth0", network_id: "network0" }],
    services: [],
  });
});

test("when no NIC reports a link, DHCP runs on all of them", () => {
  const data = buildNetworkData([
    { name: "eno1", mac: "aa:bb:cc:dd:ee:01" },
    { name: "eno2", mac: "aa:bb:cc:dd:ee:02" },
  ]);
  assert.deepEqual(
    data.networks.map((n) => n.link),
    ["eno1", "eno2"],
  );
});

test("NICs without a usable MAC are left out", () => {
  const data = buildNetworkData([
    { name: "dummy0", mac: "00:00:00:00:00:00" },
    { name: "ib0", mac: "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c" },
    { name: "eth0", mac: "52:54:00:00:00:01" },
  ]);
  assert.deepEqual(
    data.links.map((l) => l.id),
    ["eth0"],
  );
});

test("no NICs: empty but valid network data", () => {
  assert.deepEqual(buildNetworkData([]), { links: [], networks: [], services: [] });
});
