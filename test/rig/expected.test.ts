import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeUserData, defaultEntries, expectedSystem, groupDiskCount } from "../../scripts/rig/expected.ts";
import type { ScenarioMachine } from "../../scripts/rig/scenario.ts";

const machine = (n: number, firmware: "uefi" | "bios" = "uefi"): ScenarioMachine => ({
  firmware,
  memoryMiB: 4096,
  cpus: 2,
  disks: Array.from({ length: n }, () => ({ sizeGiB: 5 })),
});

describe("expectedSystem", () => {
  it("uses OVH's default layout without storage: RAID1 and swap on every disk with two disks", () => {
    const e = expectedSystem({ operatingSystem: "byolinux_64", customizations: { hostname: "h" } }, machine(2));
    assert.deepEqual(e.entries, [
      { mountPoint: "/boot", fileSystem: "ext4", raidLevel: 1, swapDevices: 0 },
      { mountPoint: "swap", fileSystem: "swap", swapDevices: 2 },
      { mountPoint: "/", fileSystem: "ext4", raidLevel: 1, swapDevices: 0 },
    ]);
    assert.equal(e.hostname, "h");
    assert.equal(e.diskCount, 2);
  });

  it("uses the default layout without RAID on one disk", () => {
    assert.deepEqual(
      defaultEntries(1).map((e) => e.raidLevel),
      [undefined, undefined, undefined],
    );
  });

  it("takes the layout as given: RAID levels, LVM names, one swap device per swap entry", () => {
    const request = {
      operatingSystem: "byolinux_64",
      customizations: { configDriveUserData: "I2Nsb3VkLWNvbmZpZwo=", sshKey: " ssh-ed25519 AAAA k \n" },
      storage: [
        {
          partitioning: {
            disks: 3,
            layout: [
              { mountPoint: "/", fileSystem: "xfs", size: 0, raidLevel: 5 },
              { mountPoint: "swap", fileSystem: "swap", size: 512 },
              { mountPoint: "/var", fileSystem: "ext4", size: 1024, raidLevel: 1, extras: { lv: { name: "var" } } },
            ],
          },
        },
      ],
    };
    const e = expectedSystem(request, machine(4));
    assert.deepEqual(e.entries, [
      { mountPoint: "/", fileSystem: "xfs", raidLevel: 5, swapDevices: 0 },
      { mountPoint: "swap", fileSystem: "swap", swapDevices: 1 },
      { mountPoint: "/var", fileSystem: "ext4", raidLevel: 1, lvName: "var", swapDevices: 0 },
    ]);
    assert.equal(e.diskCount, 3, "partitioning.disks wins over the machine's disk count");
    assert.equal(e.userData, "#cloud-config\n");
    assert.equal(e.sshKey, "ssh-ed25519 AAAA k");
  });

  it("expects no layout of its own for byoi_64 (the image brings it)", () => {
    const e = expectedSystem({ operatingSystem: "byoi_64", customizations: {} }, machine(1, "bios"));
    assert.deepEqual(e.entries, []);
    assert.equal(e.firmware, "bios");
  });
});

describe("groupDiskCount", () => {
  it("counts the disks of the first disk's size and sector size", () => {
    const m: ScenarioMachine = {
      ...machine(0),
      disks: [{ sizeGiB: 4 }, { sizeGiB: 4 }, { sizeGiB: 4, logicalBlockSize: 4096 }, { sizeGiB: 8 }],
    };
    assert.equal(groupDiskCount(m), 2);
  });
});

describe("decodeUserData", () => {
  it("decodes strict base64 of text and keeps plain text as it is", () => {
    assert.equal(decodeUserData(Buffer.from("#!/bin/sh\necho hi\n").toString("base64")), "#!/bin/sh\necho hi\n");
    assert.equal(decodeUserData("#cloud-config\nruncmd: []\n"), "#cloud-config\nruncmd: []\n");
    assert.equal(decodeUserData("abcd"), "abcd", "not UTF-8 once decoded");
    assert.equal(decodeUserData("AAAA"), "AAAA", "control characters once decoded");
  });
});
