import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RequestError } from "../../agent/errors.ts";
import { parseInventory, readInventoryFile } from "../../agent/probe/inventory-file.ts";
import { expectedInventory, FIXTURES, MACHINES } from "./helpers.ts";

// The problem lines parseInventory throws for an input.
function problems(input: unknown): string[] {
  try {
    parseInventory(input);
  } catch (error) {
    assert.ok(error instanceof RequestError);
    return error.problems;
  }
  assert.fail("expected a RequestError");
}

describe("parseInventory", () => {
  it("fills every default from the minimal file", () => {
    const minimal = {
      firmware: "bios",
      memoryBytes: 8589934592,
      disks: [{ path: "/dev/nvme0n1", sizeBytes: 1000204886016, logicalSectorSize: 4096 }],
    };
    const inventory = parseInventory(minimal);
    assert.deepEqual(inventory, {
      firmware: "bios",
      memoryBytes: 8589934592,
      gptBoot: true,
      disks: [
        {
          path: "/dev/nvme0n1",
          name: "nvme0n1",
          sizeBytes: 1000204886016,
          logicalSectorSize: 4096,
          physicalSectorSize: 4096,
          rotational: false,
          removable: false,
          readOnly: false,
          hotplug: false,
        },
      ],
      mdArrays: [],
      mounts: [],
      nics: [],
      excluded: [],
    });
    assert.deepEqual(Object.keys(inventory.disks[0]!).slice(0, 5), [
      "path",
      "name",
      "sizeBytes",
      "logicalSectorSize",
      "physicalSectorSize",
    ]);
  });

  it("keeps what the file gives, and fills md array members", () => {
    const inventory = parseInventory({
      firmware: "uefi",
      memoryBytes: 1,
      gptBoot: false,
      disks: [{ path: "/dev/sda", name: "disk0", sizeBytes: 1, logicalSectorSize: 512, rotational: true }],
      mdArrays: [{ device: "/dev/md127" }],
      rescueDisk: "/dev/sdz",
    });
    assert.equal(inventory.gptBoot, false);
    assert.equal(inventory.disks[0]?.name, "disk0");
    assert.equal(inventory.disks[0]?.rotational, true);
    assert.deepEqual(inventory.mdArrays, [{ device: "/dev/md127", members: [] }]);
    assert.equal(inventory.rescueDisk, "/dev/sdz");
  });

  it("accepts every fixture's inventory unchanged", () => {
    for (const machine of MACHINES)
      assert.deepEqual(parseInventory(expectedInventory(machine)), expectedInventory(machine));
  });

  it("names the field, what was expected and what was received, one line per problem", () => {
    const input = {
      firmware: "efi",
      memoryBytes: "8G",
      disks: [{ path: "sda", sizeBytes: -1, logicalSectorSize: 520, rotatonal: true }],
      nics: [{ name: "eth0", mac: "zz" }],
    };
    assert.deepEqual(problems(input), [
      'firmware: expected "uefi" or "bios", received "efi"',
      'memoryBytes: expected a positive integer, received "8G"',
      'disks[0].path: expected a device path such as "/dev/sda", received "sda"',
      "disks[0].sizeBytes: expected a positive integer, received -1",
      "disks[0].logicalSectorSize: expected 512 or 4096, received 520",
      "disks[0].rotatonal: expected no such field (a typo?), received true",
      'nics[0].mac: expected a MAC address such as "aa:bb:cc:dd:ee:ff", received "zz"',
    ]);
  });

  it("says what is missing", () => {
    assert.deepEqual(problems({ firmware: "uefi", disks: [{ path: "/dev/sda" }] }), [
      "memoryBytes: expected a positive integer, received nothing",
      "disks[0].sizeBytes: expected a positive integer, received nothing",
      "disks[0].logicalSectorSize: expected 512 or 4096, received nothing",
    ]);
    assert.deepEqual(problems(null), ["inventory: expected an inventory object, received null"]);
  });

  it("refuses the same disk twice", () => {
    const disk = { path: "/dev/sda", sizeBytes: 1, logicalSectorSize: 512 };
    assert.deepEqual(problems({ firmware: "bios", memoryBytes: 1, disks: [disk, disk] }), [
      'disks[1].path: expected a path not listed before, received "/dev/sda"',
    ]);
  });
});

describe("readInventoryFile", () => {
  it("reads a fixture inventory", async () => {
    const inventory = await readInventoryFile(join(FIXTURES, "md-leftovers", "inventory.json"));
    assert.deepEqual(inventory, expectedInventory("md-leftovers"));
  });

  it("turns a missing or non-JSON file into a RequestError naming the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "byol-inventory-"));
    const missing = join(dir, "missing.json");
    await assert.rejects(readInventoryFile(missing), (error: RequestError) => {
      return error instanceof RequestError && error.message === `${missing}: cannot read the inventory file (ENOENT)`;
    });
    const broken = join(dir, "broken.json");
    await writeFile(broken, "{ firmware: uefi");
    await assert.rejects(readInventoryFile(broken), (error: RequestError) => {
      return error instanceof RequestError && error.message.startsWith(`${broken}: the inventory file is not JSON (`);
    });
  });
});
