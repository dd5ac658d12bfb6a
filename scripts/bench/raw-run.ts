// One byol raw stream onto a target (BYOI's write path), run in a child process by the benchmark
// so that its peak RSS is its own: downloadImage -> HeldHeadDisk, the head checked for a partition
// table before any write, the first MiB written after the checksum matched. The disk's wipe (a few
// commands, constant time) is left out.
// Usage: node raw-run.ts URL TARGET TARGET_BYTES SHA512_HEX
// Prints one JSON line: { ms, bytes, digest, maxRssKiB }.

import { parsePartitionTable } from "../../agent/image/partitions.ts";
import { HeldHeadDisk } from "../../agent/io/disk-sink.ts";
import { downloadImage } from "../../agent/steps/download.ts";
import { WRITE_BATCH_BYTES } from "../../agent/steps/write-image.ts";

const [url, path, size, expected] = process.argv.slice(2);
if (url === undefined || path === undefined || size === undefined || expected === undefined) {
  throw new Error("usage: raw-run.ts URL TARGET TARGET_BYTES SHA512_HEX");
}
const sizeBytes = Number(size);
const target = new HeldHeadDisk({
  path,
  sizeBytes,
  beforeWrite: async (head) => {
    if (parsePartitionTable(head).table === "none") throw new Error("no partition table");
  },
});
const start = performance.now();
const result = await downloadImage({
  url,
  headers: {},
  checksum: { type: "sha512", value: expected },
  destination: path,
  target,
  batchBytes: WRITE_BATCH_BYTES,
  limitBytes: sizeBytes + 1,
  events: { emit: () => {} },
});
await target.commit(result.bytes);
const ms = performance.now() - start;
const maxRssKiB = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify({ ms, bytes: result.bytes, digest: result.digest, maxRssKiB })}\n`);
