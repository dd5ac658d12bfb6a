import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  byoiLayoutProblems,
  byolinuxLayoutProblems,
  type GptPartition,
  parseSgdiskPrint,
} from "../../../scripts/images/layout.ts";

// Captured `sgdisk -p` output of built images (byolinux-debian12 converted to raw, byoi-debian12-raw).
const byolinuxText = readFileSync(new URL("sgdisk-byolinux.txt", import.meta.url), "utf8");
const byoiText = readFileSync(new URL("sgdisk-byoi.txt", import.meta.url), "utf8");
const part = (number: number, code: string, startSector: number, endSector: number): GptPartition => ({
  number,
  code,
  startSector,
  endSector,
  name: "",
});

describe("parseSgdiskPrint", () => {
  it("reads the one partition of a byolinux image", () => {
    assert.deepEqual(parseSgdiskPrint(byolinuxText), [
      { number: 1, startSector: 2048, endSector: 1296383, code: "8300", name: "rootfs" },
    ]);
  });

  it("reads the byoi table in its numbering order, whatever the sizes' units", () => {
    assert.deepEqual(parseSgdiskPrint(byoiText), [
      { number: 1, startSector: 2048, endSector: 264191, code: "EF00", name: "EFI" },
      { number: 2, startSector: 266240, endSector: 4194270, code: "8300", name: "root" },
      { number: 3, startSector: 264192, endSector: 266239, code: "EF02", name: "BIOS" },
    ]);
  });

  it("finds nothing in a disk without a table", () => {
    assert.deepEqual(parseSgdiskPrint("Creating new GPT entries in memory.\n\nNumber  Start (sector) ...\n"), []);
  });
});

describe("byolinuxLayoutProblems", () => {
  it("accepts exactly one Linux partition at 1 MiB", () => {
    assert.deepEqual(byolinuxLayoutProblems(parseSgdiskPrint(byolinuxText)), []);
  });

  it("refuses none, two, or another type", () => {
    assert.deepEqual(byolinuxLayoutProblems([]), ["expected exactly one partition, found 0"]);
    assert.deepEqual(byolinuxLayoutProblems([part(1, "8300", 2048, 9999), part(2, "8300", 10000, 20000)]), [
      "expected exactly one partition, found 2",
    ]);
    assert.deepEqual(byolinuxLayoutProblems([part(1, "EF00", 2048, 9999)]), [
      "partition 1 has type EF00, expected 8300",
    ]);
  });
});

describe("byoiLayoutProblems", () => {
  it("accepts ESP p1, root p2 at the end, BIOS boot p3", () => {
    assert.deepEqual(byoiLayoutProblems(parseSgdiskPrint(byoiText)), []);
  });

  it("refuses a root that growpart could not grow, and missing partitions", () => {
    const parts = [part(1, "EF00", 2048, 264191), part(2, "8300", 266240, 400000), part(3, "EF02", 400001, 402048)];
    assert.deepEqual(byoiLayoutProblems(parts), [
      "the root partition (2) is not the last one on the disk, so growpart cannot grow it",
    ]);
    assert.deepEqual(byoiLayoutProblems([part(1, "EF00", 2048, 264191)]), [
      "expected 3 partitions, found 1",
      "partition 2 is missing",
      "partition 3 is missing",
    ]);
  });
});
