// The validation rules at their edges, with inline payloads.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accepted, byolinux, problems, SHA256, storage } from "./fixture.ts";

const L = "storage[0].partitioning.layout";

describe("RAID needs enough disks when disks is given", () => {
  const cases: [number, number, number][] = [
    [0, 1, 2],
    [1, 1, 2],
    [5, 2, 3],
    [6, 3, 4],
    [10, 3, 4],
  ];
  for (const [level, disks, min] of cases) {
    it(`RAID ${level} on ${disks} disk(s) is refused, on ${min} accepted`, () => {
      const rows = (n: number) => byolinux({}, storage(n, [["/", "ext4", 0, level]]));
      assert.deepEqual(problems(rows(disks)), [
        `${L}[0].raidLevel: expected at least ${min} disks for RAID ${level}, received ${disks} (storage[0].partitioning.disks)`,
      ]);
      assert.equal(accepted(rows(min)).storage[0]?.layout[0]?.raidLevel, level);
    });
  }

  it("is not judged without disks (the planner knows the group)", () => {
    assert.equal(accepted(byolinux({}, storage(undefined, [["/", "ext4", 0, 6]]))).storage[0]?.disks, undefined);
  });
});

describe("checksums", () => {
  const lengths = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };
  for (const [type, length] of Object.entries(lengths)) {
    it(`${type} takes ${length} hex characters`, () => {
      const sum = "a".repeat(length);
      const ok = accepted(byolinux({ imageCheckSum: sum, imageCheckSumType: type }));
      assert.deepEqual(ok.image.checksum, { type, value: sum });
      assert.deepEqual(problems(byolinux({ imageCheckSum: `${sum}0`, imageCheckSumType: type })), [
        `customizations.imageCheckSum: expected ${length} hexadecimal characters for ${type}, received ${length + 1} characters`,
      ]);
    });
  }

  it("lower-cases the value and accepts the type in any case", () => {
    const ok = accepted(byolinux({ imageCheckSum: SHA256.toUpperCase(), imageCheckSumType: "SHA256" }));
    assert.deepEqual(ok.image.checksum, { type: "sha256", value: SHA256 });
  });

  it("a type without a checksum is the OVH pair message", () => {
    assert.deepEqual(problems(byolinux({ imageCheckSumType: "sha256" })), [
      "Please provide checkSum AND checkSumType or none of them",
    ]);
  });
});

describe("hostname (RFC 1123)", () => {
  const label63 = "a".repeat(63);
  it("accepts 63-character labels and 253 characters in all", () => {
    const name = [label63, label63, label63, "a".repeat(61)].join(".");
    assert.equal(name.length, 253);
    assert.equal(accepted(byolinux({ hostname: name })).hostname, name);
    assert.equal(accepted(byolinux({ hostname: "0rigin-1.example" })).hostname, "0rigin-1.example");
  });

  for (const bad of [`${label63}a`, [label63, label63, label63, "a".repeat(62)].join("."), "a..b", "a-", "a.", "é"]) {
    it(`refuses ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 8)}…(${bad.length})` : bad)}`, () => {
      const [problem] = problems(byolinux({ hostname: bad }));
      assert.match(problem ?? "", /^customizations\.hostname: expected a host name \(RFC 1123/);
    });
  }
});

describe("storage shape", () => {
  it("several groups each need a layout, and a group id is used once", () => {
    const group = { diskGroupId: 1, partitioning: { layout: [{ mountPoint: "/", fileSystem: "ext4", size: 0 }] } };
    assert.deepEqual(problems(byolinux({}, { storage: [group, { diskGroupId: 1 }] })), [
      "storage[1].diskGroupId: expected each disk group once, received 1 again",
      "storage[1].partitioning.layout: expected a layout for each disk group when several groups are given, received nothing",
    ]);
  });

  it("a group without layout gets the default layout on its disks", () => {
    const request = accepted(byolinux({}, { storage: [{ diskGroupId: 2, partitioning: { disks: 2 } }] }));
    assert.deepEqual(request.storage[0], {
      diskGroupId: 2,
      disks: 2,
      defaultLayout: true,
      layout: [
        { mountPoint: "/boot", fileSystem: "ext4", sizeMiB: 1024 },
        { mountPoint: "swap", fileSystem: "swap", sizeMiB: 1024 },
        { mountPoint: "/", fileSystem: "ext4", sizeMiB: 0 },
      ],
    });
  });

  it("keeps raidLevel and lvName as given, and leaves raidLevel undefined when absent", () => {
    const request = accepted(
      byolinux(
        {},
        storage(2, [
          ["/boot", "ext4", 1024],
          ["/", "ext4", 0, 1, "root"],
        ]),
      ),
    );
    assert.deepEqual(request.storage[0]?.layout, [
      { mountPoint: "/boot", fileSystem: "ext4", sizeMiB: 1024 },
      { mountPoint: "/", fileSystem: "ext4", sizeMiB: 0, raidLevel: 1, lvName: "root" },
    ]);
    assert.equal(request.storage[0]?.defaultLayout, false);
  });

  it("refuses an empty layout, an empty storage list and a bad LV name", () => {
    assert.deepEqual(problems(byolinux({}, { storage: [] })), [
      "storage: expected at least one disk group, received a list of 0",
    ]);
    assert.deepEqual(problems(byolinux({}, { storage: [{ partitioning: { layout: [] } }] })), [
      `${L}: expected at least one partition, received a list of 0`,
    ]);
    assert.deepEqual(problems(byolinux({}, storage(1, [["/", "ext4", 0, undefined, "-root"]]))), [
      `${L}[0].extras.lv.name: expected an LVM name (letters, digits and _ . + -, not starting with - or ., 1-64 characters), received "-root"`,
    ]);
  });

  it("byoi_64 takes one disk group, without partitioning", () => {
    const byoi = {
      operatingSystem: "byoi_64",
      customizations: {
        imageURL: "http://127.0.0.1/disk.raw",
        imageType: "raw",
        efiBootloaderPath: "\\efi\\boot\\bootx64.efi",
      },
    };
    assert.equal(accepted({ ...byoi, storage: [{ diskGroupId: 2 }] }).storage[0]?.diskGroupId, 2);
    assert.deepEqual(problems({ ...byoi, storage: [{ diskGroupId: 1 }, { diskGroupId: 2 }] }), [
      "storage: expected one disk group for byoi_64, received 2",
    ]);
  });
});

describe("input forms", () => {
  it("refuses what is not an object", () => {
    assert.deepEqual(problems([1, 2]), ["request: expected a JSON object, received a list of 2"]);
    assert.deepEqual(problems("x"), ['request: expected a JSON object, received "x"']);
    assert.deepEqual(problems(null), ["request: expected a JSON object, received null"]);
  });

  it("treats null and blank customizations as absent, and defaults imageType to qcow2", () => {
    const request = accepted(byolinux({ imageType: "", imageCheckSum: "", imageCheckSumType: null, sshKey: "" }));
    assert.equal(request.image.type, "qcow2");
    assert.equal(request.image.checksum, undefined);
    assert.equal(request.sshKey, undefined);
    assert.deepEqual(request.image.httpHeaders, {});
    assert.deepEqual(request.configDriveMetadata, {});
  });

  it("accepts imageType qcow2 given explicitly for byolinux_64", () => {
    assert.equal(accepted(byolinux({ imageType: "qcow2" })).image.type, "qcow2");
  });

  it("a missing customizations object and operatingSystem are named", () => {
    assert.deepEqual(problems({}), [
      "operatingSystem: expected byolinux_64 or byoi_64, received nothing",
      "customizations: expected an object, received nothing",
    ]);
  });
});
