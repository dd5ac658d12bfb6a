import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { probe } from "../../agent/probe/index.ts";
import { parseInventory } from "../../agent/probe/inventory-file.ts";
import { LSBLK_ARGV } from "../../agent/probe/lsblk.ts";
import { expectedInventory, FIXTURES, lsblkRunner, MACHINES } from "./helpers.ts";

describe("probe", () => {
  for (const machine of MACHINES) {
    it(`probes the ${machine} fixture to exactly its inventory.json`, async () => {
      const runner = lsblkRunner(machine);
      const inventory = await probe(runner, { root: join(FIXTURES, machine) });
      assert.deepEqual(inventory, expectedInventory(machine));
    });

    it(`prints an inventory for ${machine} that reads back unchanged as an inventory file`, async () => {
      const inventory = await probe(lsblkRunner(machine), { root: join(FIXTURES, machine) });
      assert.deepEqual(parseInventory(JSON.parse(JSON.stringify(inventory))), inventory);
    });
  }

  it("runs lsblk once, through the runner, as step probe", async () => {
    const runner = lsblkRunner("qemu-virtio");
    await probe(runner, { root: join(FIXTURES, "qemu-virtio") });
    assert.deepEqual(runner.calls, [{ argv: LSBLK_ARGV, options: { step: "probe" } }]);
  });

  it("reports legacy BIOS when /sys/firmware/efi is absent and no md arrays when /proc/mdstat is", async () => {
    const inventory = await probe(lsblkRunner("sata-usb-live"), { root: join(FIXTURES, "sata-usb-live") });
    assert.equal(inventory.firmware, "bios");
    assert.deepEqual(inventory.mdArrays, []);
  });
});
