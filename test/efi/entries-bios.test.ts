// Legacy BIOS: the check that the image's script put GRUB on each target disk, on small disk image
// files (GPT tables made by the real sgdisk, GRUB's bytes written where grub-install puts them).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gptSectorSize } from "../../agent/efi/bios-boot.ts";
import { biosBootProblem, makeBootEntries } from "../../agent/efi/entries.ts";
import type { RunContext } from "../../agent/exec/context.ts";
import type { StepEvent } from "../../agent/exec/types.ts";
import { createLogger } from "../../agent/log.ts";
import type { BootEntriesStep } from "../../agent/plan/types.ts";
import { Redactor } from "../../agent/redact.ts";

const MiB = 1024 * 1024;

// A zeroed disk image file, optionally partitioned by sgdisk.
function disk(dir: string, name: string, sgdisk?: string[]): string {
  const path = join(dir, name);
  const fd = openSync(path, "w");
  writeSync(fd, Buffer.alloc(1), 0, 1, 4 * MiB - 1);
  closeSync(fd);
  if (sgdisk !== undefined) {
    const r = spawnSync("sgdisk", [...sgdisk, path], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  }
  return path;
}

function write(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, "r+");
  writeSync(fd, bytes, 0, bytes.length, offset);
  closeSync(fd);
}

// What boot.img looks like to the check: boot code with GRUB's strings, and the MBR signature.
function grubBootCode(path: string): void {
  write(path, 0x180, Buffer.from("GRUB \0Geom\0Hard Disk\0Read\0 Error", "latin1"));
  write(path, 510, Buffer.from([0x55, 0xaa]));
}
const core = Buffer.from("RVR core.img diskboot", "latin1");

test("MBR disks: GRUB's boot code and core.img after the MBR, or what is missing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-bios-"));
  try {
    const blank = disk(dir, "blank.img");
    assert.equal(await biosBootProblem(blank), "no GRUB boot code in its MBR (did the script run grub-install on it?)");
    const noCore = disk(dir, "no-core.img");
    grubBootCode(noCore);
    assert.equal(await biosBootProblem(noCore), "nothing embedded after its MBR (GRUB's core.img)");
    const good = disk(dir, "good.img");
    grubBootCode(good);
    write(good, 512, core);
    assert.equal(await biosBootProblem(good), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("GPT disks: a BIOS boot partition (ef02) that holds core.img", async () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-bios-"));
  try {
    const withEf02 = ["-n", "1:2048:4095", "-t", "1:ef02", "-n", "2:4096:0", "-t", "2:8300"];
    const empty = disk(dir, "gpt-empty.img", withEf02);
    grubBootCode(empty);
    assert.equal(await biosBootProblem(empty), "its BIOS boot partition is empty (no GRUB core.img)");
    const good = disk(dir, "gpt-good.img", withEf02);
    grubBootCode(good);
    write(good, 2048 * 512, core);
    assert.equal(await biosBootProblem(good), undefined);
    const noEf02 = disk(dir, "gpt-no-ef02.img", ["-n", "1:2048:0", "-t", "1:8300"]);
    grubBootCode(noEf02);
    write(noEf02, 2048 * 512, core);
    assert.equal(await biosBootProblem(noEf02), "GPT without a BIOS boot partition (ef02) for GRUB's core.img");
    const unbooted = disk(dir, "gpt-no-grub.img", withEf02);
    assert.equal(
      await biosBootProblem(unbooted),
      "no GRUB boot code in its MBR (did the script run grub-install on it?)",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the GPT header is found at LBA 1 for 512 and 4096-byte sectors", () => {
  const head = Buffer.alloc(8192);
  assert.equal(gptSectorSize(head), undefined);
  head.write("EFI PART", 4096, "latin1");
  assert.equal(gptSectorSize(head), 4096);
  head.write("EFI PART", 512, "latin1");
  assert.equal(gptSectorSize(head), 512);
});

test("bootEntries under BIOS warns once per disk that lacks GRUB, never fails, runs nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-bios-"));
  const events: StepEvent[] = [];
  const ctx: RunContext = {
    runner: { run: () => assert.fail("no command under BIOS") },
    events: { emit: (e) => void events.push(e) },
    log: createLogger({ file: join(dir, "byol.log"), redactor: new Redactor() }),
    redactor: new Redactor(),
    stack: new AsyncDisposableStack(),
    state: { runId: "t", targetDisks: [], disksWritten: true },
    signal: new AbortController().signal,
    runDir: dir,
  };
  try {
    const good = disk(dir, "sda.img");
    grubBootCode(good);
    write(good, 512, core);
    const bad = disk(dir, "sdb.img");
    const missing = join(dir, "sdc.img");
    const step: BootEntriesStep = {
      kind: "boot-entries",
      id: "boot-entries",
      title: "keeping the legacy BIOS boot order",
      commands: [],
      espDevices: [],
    };
    await makeBootEntries(ctx, step, { bootOrder: "network-first", firmware: "bios", disks: [good, bad, missing] });
    assert.deepEqual(
      events.map((e) => (e.phase === "log" ? `${e.level}: ${e.message}` : e.phase)),
      [
        `warn: ${bad}: no GRUB boot code in its MBR (did the script run grub-install on it?); the server may not boot from this disk`,
        `warn: ${missing}: cannot read it: ENOENT: no such file or directory, open '${missing}'; the server may not boot from this disk`,
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
