// The pure parsers of agent/image/ on hand-made bytes: qcow2 header and extensions, format magic,
// GPT and MBR, superblock magic, qemu-img info JSON, and the refusal messages they lead to.

import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "node:zlib";
import { detectFileSystem, SUPERBLOCK_BYTES } from "../../agent/image/filesystem.ts";
import { detectFormat } from "../../agent/image/format.ts";
import { parsePartitionTable } from "../../agent/image/partitions.ts";
import { parseQcow2Header, QCOW2_EXT_BACKING_FORMAT, QCOW2_EXT_DATA_FILE } from "../../agent/image/qcow2.ts";
import { parseQemuInfo } from "../../agent/image/qemu-info.ts";
import { partitionRefusal, qcow2Refusal, qemuInfoRefusal, scriptRefusal } from "../../agent/image/refusals.ts";

// A qcow2 v3 header (cluster 64 KiB) with optional backing file, extensions and incompatible bits.
function qcow2(o: { backing?: string; ext?: [number, string][]; incompatible?: bigint; crypt?: number } = {}) {
  const b = Buffer.alloc(65536);
  b.write("QFI\xfb", 0, "latin1");
  b.writeUInt32BE(3, 4);
  b.writeUInt32BE(16, 20);
  b.writeBigUInt64BE(64n * 1024n * 1024n, 24);
  b.writeUInt32BE(o.crypt ?? 0, 32);
  b.writeBigUInt64BE(o.incompatible ?? 0n, 72);
  b.writeUInt32BE(112, 100);
  let at = 112;
  for (const [type, data] of o.ext ?? []) {
    b.writeUInt32BE(type, at);
    b.writeUInt32BE(data.length, at + 4);
    b.write(data, at + 8, "latin1");
    at += 8 + Math.ceil(data.length / 8) * 8;
  }
  at += 8; // end marker
  if (o.backing !== undefined) {
    b.writeBigUInt64BE(BigInt(at), 8);
    b.writeUInt32BE(o.backing.length, 16);
    b.write(o.backing, at, "latin1");
  }
  return b;
}

test("qcow2 header: size, cluster, backing file and its format, data file, bits", () => {
  const plain = parseQcow2Header(qcow2());
  assert.equal(plain.virtualSize, 64 * 1024 * 1024);
  assert.equal(plain.clusterSize, 65536);
  assert.equal(qcow2Refusal(plain), undefined);

  const backed = parseQcow2Header(qcow2({ backing: "/etc/shadow", ext: [[QCOW2_EXT_BACKING_FORMAT, "raw"]] }));
  assert.equal(backed.backingFile, "/etc/shadow");
  assert.equal(backed.backingFormat, "raw");
  assert.equal(
    qcow2Refusal(backed),
    "image provided has a backing file (/etc/shadow): refused, qemu could be made to read files of this server",
  );

  const data = parseQcow2Header(qcow2({ ext: [[QCOW2_EXT_DATA_FILE, "/dev/sda"]], incompatible: 4n }));
  assert.equal(data.dataFile, "/dev/sda");
  assert.match(qcow2Refusal(data) ?? "", /^image provided has an external data file \(\/dev\/sda\): refused/);
  // the bit without the name is refused too
  assert.match(qcow2Refusal(parseQcow2Header(qcow2({ incompatible: 4n }))) ?? "", /no name in the header/);
  assert.match(qcow2Refusal(parseQcow2Header(qcow2({ crypt: 2 }))) ?? "", /encrypted/);
  assert.match(qcow2Refusal(parseQcow2Header(qcow2({ incompatible: 1n << 40n }))) ?? "", /0x10000000000/);
  // a control character in a name is not printed as is
  assert.match(qcow2Refusal(parseQcow2Header(qcow2({ backing: "a\nb" }))) ?? "", /\(a\?b\)/);
});

test("qcow2 header: damage is an error, not a guess", () => {
  assert.throws(() => parseQcow2Header(Buffer.alloc(50)), /truncated/);
  const bad = qcow2();
  bad.writeUInt32BE(30, 20);
  assert.throws(() => parseQcow2Header(bad), /cluster_bits 30/);
  const runaway = qcow2();
  runaway.writeUInt32BE(0x1234, 112);
  runaway.writeUInt32BE(70000, 116);
  assert.throws(() => parseQcow2Header(runaway), /truncated/);
});

test("format magic: qcow2, vmdk, vhdx, luks, otherwise raw", () => {
  assert.equal(detectFormat(qcow2()), "qcow2");
  assert.equal(detectFormat(Buffer.from("KDMV\x01\x00\x00\x00", "latin1")), "vmdk");
  assert.equal(detectFormat(Buffer.from("vhdxfile", "latin1")), "vhdx");
  assert.equal(detectFormat(Buffer.from("LUKS\xba\xbe\x00\x01", "latin1")), "luks");
  assert.equal(detectFormat(Buffer.alloc(4096)), "raw");
});

test("qemu-img info: backing and data file are refused, a size disagreement too", () => {
  const h = parseQcow2Header(qcow2());
  const info = (extra: object, data: object = {}) =>
    parseQemuInfo(
      JSON.stringify({
        format: "qcow2",
        "virtual-size": 64 * 1024 * 1024,
        "format-specific": { type: "qcow2", data },
        ...extra,
      }),
    );
  assert.equal(qemuInfoRefusal(info({}), h), undefined);
  assert.match(qemuInfoRefusal(info({ "backing-filename": "x" }), h) ?? "", /backing file \(x\)/);
  assert.match(qemuInfoRefusal(info({}, { "data-file": "/y" }), h) ?? "", /external data file \(\/y\)/);
  assert.match(qemuInfoRefusal(info({ "virtual-size": 1 }), h) ?? "", /virtual size of 1 bytes/);
});

// A GPT disk head (first MiB) with the given partitions [firstLba, lastLba], CRCs right.
function gpt(parts: [number, number][], sector = 512) {
  const b = Buffer.alloc(1024 * 1024);
  b.writeUInt16LE(0xaa55, 510);
  b[446 + 4] = 0xee;
  const entries = Buffer.alloc(128 * 128);
  parts.forEach(([first, last], i) => {
    entries.write("0fc63daf84834772", i * 128, "hex"); // any non-zero type
    entries.writeBigUInt64LE(BigInt(first), i * 128 + 32);
    entries.writeBigUInt64LE(BigInt(last), i * 128 + 40);
  });
  entries.copy(b, 2 * sector);
  const h = b.subarray(sector, sector + 92);
  h.write("EFI PART", 0, "latin1");
  h.writeUInt32LE(92, 12);
  h.writeBigUInt64LE(2n, 72);
  h.writeUInt32LE(128, 80);
  h.writeUInt32LE(128, 84);
  h.writeUInt32LE(crc32(entries), 88);
  h.writeUInt32LE(crc32(h), 16);
  return b;
}

test("partition tables: GPT with 512 and 4096-byte sectors, MBR, none, damaged", () => {
  const one = parsePartitionTable(gpt([[2048, 4095]]));
  assert.equal(one.table, "gpt");
  assert.deepEqual(
    one.partitions.map((p) => [p.number, p.offset, p.size]),
    [[1, 1048576, 1048576]],
  );
  assert.equal(partitionRefusal(one, 8 * 1048576), undefined);
  assert.match(partitionRefusal(one, 1048576) ?? "", /past the end/);
  const fourK = parsePartitionTable(gpt([[256, 511]], 4096));
  assert.deepEqual([fourK.sectorSize, fourK.partitions[0]?.offset], [4096, 1048576]);
  const two = parsePartitionTable(
    gpt([
      [2048, 4095],
      [4096, 8191],
    ]),
  );
  assert.equal(partitionRefusal(two, 1e9), "image provided must have exactly one partition, found 2 partitions (GPT)");
  const damaged = gpt([[2048, 4095]]);
  damaged[512 + 40] = 1;
  assert.throws(() => parsePartitionTable(damaged), /GPT header checksum/);

  const mbr = Buffer.alloc(1024 * 1024);
  mbr.writeUInt16LE(0xaa55, 510);
  mbr[446 + 4] = 0x83;
  mbr.writeUInt32LE(2048, 446 + 8);
  mbr.writeUInt32LE(2048, 446 + 12);
  assert.deepEqual(parsePartitionTable(mbr).partitions, [{ number: 1, offset: 1048576, size: 1048576, type: "83" }]);
  assert.equal(parsePartitionTable(Buffer.alloc(1024 * 1024)).table, "none");
  assert.equal(
    partitionRefusal(parsePartitionTable(Buffer.alloc(4096)), 1e9),
    "image provided must have exactly one partition, found no partition table",
  );
});

test("superblock magic: ext4, xfs, btrfs accepted; swap, LVM and md named", () => {
  const at = (offset: number, bytes: Buffer) => {
    const b = Buffer.alloc(SUPERBLOCK_BYTES);
    bytes.copy(b, offset);
    return b;
  };
  assert.equal(detectFileSystem(at(1080, Buffer.from([0x53, 0xef]))), "ext4");
  assert.equal(detectFileSystem(at(0, Buffer.from("XFSB"))), "xfs");
  assert.equal(detectFileSystem(at(0x10040, Buffer.from("_BHRfS_M"))), "btrfs");
  assert.equal(detectFileSystem(at(4086, Buffer.from("SWAPSPACE2"))), "swap");
  assert.equal(detectFileSystem(at(512, Buffer.from(`LABELONE${"\0".repeat(16)}LVM2 001`))), "LVM2_member");
  assert.equal(detectFileSystem(at(4096, Buffer.from([0xfc, 0x4e, 0x2b, 0xa9]))), "linux_raid_member");
  assert.equal(detectFileSystem(Buffer.alloc(SUPERBLOCK_BYTES)), undefined);
});

test("script refusal: OVH's sentence, then what was found", () => {
  const missing = "The '/root/.ovh/make_image_bootable.sh' file does not exist.";
  const path = "/root/.ovh/make_image_bootable.sh";
  assert.equal(scriptRefusal({ kind: "missing", path }), missing);
  assert.equal(scriptRefusal({ kind: "executable", path, mode: 0o700 }), undefined);
  assert.equal(
    scriptRefusal({ kind: "not-executable", path, mode: 0o600 }),
    `${missing} (it is there, but not executable: mode 0600)`,
  );
  assert.equal(scriptRefusal({ kind: "loop", path }), `${missing} (${path} is a loop of symbolic links)`);
});
