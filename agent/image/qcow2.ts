// The qcow2 header and its extensions (docs/interop/qcow2.txt in QEMU), as far as inspection needs
// them: the virtual size, the cluster size, and everything that makes qemu open another file
// (a backing file, an external data file) or that it cannot read without a key.

import { Qcow2ParseError } from "../errors.ts";

export const QCOW2_EXT_END = 0x00000000;
export const QCOW2_EXT_BACKING_FORMAT = 0xe2792aca;
export const QCOW2_EXT_FEATURE_NAMES = 0x6803f857;
export const QCOW2_EXT_BITMAPS = 0x23852875;
export const QCOW2_EXT_ENCRYPTION = 0x0537be77;
export const QCOW2_EXT_DATA_FILE = 0x44415441; // "DATA"

// incompatible_features bits
export const INCOMPAT_DIRTY = 1n << 0n;
export const INCOMPAT_CORRUPT = 1n << 1n;
export const INCOMPAT_DATA_FILE = 1n << 2n;
export const INCOMPAT_COMPRESSION = 1n << 3n;
export const INCOMPAT_EXTENDED_L2 = 1n << 4n;
const INCOMPAT_KNOWN =
  INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | INCOMPAT_EXTENDED_L2;

export interface Qcow2Header {
  version: number; // 2 or 3
  clusterBits: number; // 9..21
  clusterSize: number;
  virtualSize: number;
  encrypted: boolean; // crypt_method != 0
  backingFile?: string;
  backingFormat?: string;
  dataFileBit: boolean; // incompatible feature "external data file"
  dataFile?: string; // the external data file name extension
  corrupt: boolean;
  unknownIncompatible: bigint; // incompatible feature bits this parser does not know
  headerLength: number;
}

// `head` holds at least the first cluster (where the header and its extensions must be).
export function parseQcow2Header(head: Uint8Array): Qcow2Header {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length < 72) throw new Qcow2ParseError(`qcow2 header truncated: ${b.length} bytes`);
  if (b.readUInt32BE(0) !== 0x514649fb) throw new Qcow2ParseError("not a qcow2 image (bad magic)");
  const version = b.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw new Qcow2ParseError(`unsupported qcow2 version ${version}`);
  const backingOffset = b.readBigUInt64BE(8);
  const backingSize = b.readUInt32BE(16);
  const clusterBits = b.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21) throw new Qcow2ParseError(`bad qcow2 cluster_bits ${clusterBits}`);
  const virtualSize = Number(b.readBigUInt64BE(24));
  const encrypted = b.readUInt32BE(32) !== 0;
  let incompatible = 0n;
  let headerLength = 72;
  if (version === 3) {
    if (b.length < 104) throw new Qcow2ParseError(`qcow2 v3 header truncated: ${b.length} bytes`);
    incompatible = b.readBigUInt64BE(72);
    headerLength = b.readUInt32BE(100);
    if (headerLength < 104 || headerLength % 8 !== 0 || headerLength > b.length) {
      throw new Qcow2ParseError(`bad qcow2 header_length ${headerLength}`);
    }
  }
  const header: Qcow2Header = {
    version,
    clusterBits,
    clusterSize: 2 ** clusterBits,
    virtualSize,
    encrypted,
    dataFileBit: (incompatible & INCOMPAT_DATA_FILE) !== 0n,
    corrupt: (incompatible & INCOMPAT_CORRUPT) !== 0n,
    unknownIncompatible: incompatible & ~INCOMPAT_KNOWN,
    headerLength,
  };
  if (backingOffset !== 0n) header.backingFile = stringAt(b, Number(backingOffset), backingSize, "backing file name");
  for (const ext of extensions(b, headerLength, header.clusterSize)) {
    if (ext.type === QCOW2_EXT_BACKING_FORMAT) header.backingFormat = ext.data.toString("latin1");
    if (ext.type === QCOW2_EXT_DATA_FILE) header.dataFile = ext.data.toString("latin1");
  }
  return header;
}

// The header extensions: (type, length, data padded to 8 bytes) until type 0, inside the first cluster.
export function extensions(b: Buffer, start: number, clusterSize: number): { type: number; data: Buffer }[] {
  const end = Math.min(b.length, clusterSize);
  const out: { type: number; data: Buffer }[] = [];
  for (let at = start; ; ) {
    if (at + 8 > end) throw new Qcow2ParseError("qcow2 header extensions run past the first cluster");
    const type = b.readUInt32BE(at);
    const length = b.readUInt32BE(at + 4);
    if (type === QCOW2_EXT_END) return out;
    if (at + 8 + length > end) throw new Qcow2ParseError(`qcow2 header extension 0x${type.toString(16)} truncated`);
    out.push({ type, data: b.subarray(at + 8, at + 8 + length) });
    at += 8 + Math.ceil(length / 8) * 8;
  }
}

function stringAt(b: Buffer, offset: number, size: number, what: string): string {
  if (size === 0 || size > 1023 || offset + size > b.length) {
    // qemu refuses more than 1023 bytes; a name past the first cluster is still a backing file
    return `<${what} of ${size} bytes at offset ${offset}>`;
  }
  return b.subarray(offset, offset + size).toString("latin1");
}
