// UEFI boot entries: the exact efibootmgr sequence with a fake runner that answers with the
// samples in fixtures/efibootmgr (efibootmgr cannot run on this host); the ESP copy with the real
// mcopy onto a vfat image file.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { makeBootEntries, syncEsps } from "../../agent/efi/entries.ts";
import { InstallError } from "../../agent/errors.ts";
import type { RunContext } from "../../agent/exec/context.ts";
import { Journal } from "../../agent/exec/journal.ts";
import { createRunner } from "../../agent/exec/runner.ts";
import type { Runner, StepEvent } from "../../agent/exec/types.ts";
import { createLogger } from "../../agent/log.ts";
import type { BootEntriesStep } from "../../agent/plan/types.ts";
import { Redactor } from "../../agent/redact.ts";
import { fakeRunner } from "../support/fake-runner.ts";

const sample = (name: string) =>
  readFileSync(new URL(`../../fixtures/efibootmgr/${name}`, import.meta.url)).toString("utf8");

// Answers `efibootmgr -v` with the given outputs in turn; every other command succeeds silently.
const efibootmgrRunner = (listings: string[]) =>
  fakeRunner(({ argv }) => (argv[0] === "efibootmgr" && argv[1] === "-v" ? (listings.shift() ?? "") : ""));

function context(runner: Runner) {
  const dir = mkdtempSync(join(tmpdir(), "byol-boot-entries-"));
  const events: StepEvent[] = [];
  const ctx: RunContext = {
    runner,
    events: { emit: (e) => void events.push(e) },
    log: createLogger({ file: join(dir, "byol.log"), redactor: new Redactor() }),
    redactor: new Redactor(),
    stack: new AsyncDisposableStack(),
    state: { runId: "t", targetDisks: ["/dev/sda", "/dev/sdb"], disksWritten: true, step: "boot-entries" },
    signal: new AbortController().signal,
    runDir: dir,
  };
  return { ctx, events, dir };
}

// A mounted ESP as make_image_bootable.sh leaves it (Debian's grub-install, plus --removable).
function esp(dir: string, files = ["EFI/debian/shimx64.efi", "EFI/debian/grubx64.efi", "EFI/BOOT/BOOTX64.EFI"]) {
  const root = join(dir, "esp");
  for (const f of files) {
    mkdirSync(join(root, f, ".."), { recursive: true });
    writeFileSync(join(root, f), "MZ");
  }
  return root;
}

const step: BootEntriesStep = {
  kind: "boot-entries",
  id: "boot-entries",
  title: "creating UEFI boot entries on /dev/sda1 /dev/sdb1",
  commands: [],
  espDevices: ["/dev/sda1", "/dev/sdb1"],
};
const disks = ["/dev/sda", "/dev/sdb"];

test("a real-server-like NVRAM: copy the ESP, remove our old entries, create, then network first", async () => {
  const runner = efibootmgrRunner([sample("server-v.bin"), sample("server-v-after-create.bin")]);
  const { ctx, events, dir } = context(runner);
  try {
    const espDir = esp(dir);
    await makeBootEntries(ctx, step, {
      bootOrder: "network-first",
      firmware: "uefi",
      disks,
      hostname: "web1",
      espMountPoint: espDir,
    });
    assert.deepEqual(runner.argv, [
      ["mcopy", "-s", "-o", "-m", "-i", "/dev/sdb1", join(espDir, "EFI"), "::/"],
      ["efibootmgr", "-v"],
      ["efibootmgr", "-b", "0007", "-B"],
      ["efibootmgr", "-b", "0008", "-B"],
      ["efibootmgr", "-b", "0009", "-B"],
      ["efibootmgr", "-c", "-d", "/dev/sda", "-p", "1", "-L", "byol web1 (sda)", "-l", "\\EFI\\debian\\shimx64.efi"],
      ["efibootmgr", "-c", "-d", "/dev/sdb", "-p", "1", "-L", "byol web1 (sdb)", "-l", "\\EFI\\debian\\shimx64.efi"],
      ["efibootmgr", "-v"],
      ["efibootmgr", "-o", "0003,0004,0006,0007,0000,0001,0002,000A,000B"],
    ]);
    assert.deepEqual(events.at(-1), {
      step: "boot-entries",
      phase: "log",
      level: "info",
      message:
        'boot entries: Boot0006 "byol web1 (sda)" \\EFI\\debian\\shimx64.efi on /dev/sda1; Boot0007 "byol web1 (sdb)" \\EFI\\debian\\shimx64.efi on /dev/sdb1; BootOrder 0003,0004,0006,0007,0000,0001,0002,000A,000B (network-first)',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("OVMF defaults, disk-first: nothing to remove; -o puts the new entries first in disk order", async () => {
  const runner = efibootmgrRunner([sample("ovmf-v.txt"), sample("ovmf-v-after-create.txt")]);
  const { ctx, dir } = context(runner);
  try {
    await makeBootEntries(ctx, step, {
      bootOrder: "disk-first",
      firmware: "uefi",
      disks,
      hostname: "web1",
      espMountPoint: esp(dir),
    });
    assert.deepEqual(runner.argv.slice(1), [
      ["efibootmgr", "-v"],
      ["efibootmgr", "-c", "-d", "/dev/sda", "-p", "1", "-L", "byol web1 (sda)", "-l", "\\EFI\\debian\\shimx64.efi"],
      ["efibootmgr", "-c", "-d", "/dev/sdb", "-p", "1", "-L", "byol web1 (sdb)", "-l", "\\EFI\\debian\\shimx64.efi"],
      ["efibootmgr", "-v"],
      ["efibootmgr", "-o", "0005,0006,0001,0002,0003,0000,0004"],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("keep: the order from before, since efibootmgr -c itself put the new entries first", async () => {
  const runner = efibootmgrRunner([sample("ovmf-v.txt"), sample("ovmf-v-after-create.txt")]);
  const { ctx, dir } = context(runner);
  try {
    await makeBootEntries(ctx, step, {
      bootOrder: "keep",
      firmware: "uefi",
      disks,
      hostname: "web1",
      espMountPoint: esp(dir),
    });
    assert.deepEqual(runner.argv.at(-1), ["efibootmgr", "-o", "0001,0002,0003,0000,0004,0005,0006"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("NVMe, one ESP, no hostname: the label names the distribution; the plan's loader path wins", async () => {
  const after =
    "BootOrder: 0001,0000\nBoot0000* UiApp\nBoot0001* byol debian (nvme0n1)\tHD(1,GPT,x)/File(\\EFI\\debian\\grubx64.efi)\n";
  const runner = efibootmgrRunner(["BootOrder: 0000\nBoot0000* UiApp\n", after]);
  const { ctx, dir } = context(runner);
  try {
    const one: BootEntriesStep = { ...step, espDevices: ["/dev/nvme0n1p1"], loaderPath: "\\efi\\debian\\grubx64.efi" };
    await makeBootEntries(ctx, one, {
      bootOrder: "disk-first",
      firmware: "uefi",
      disks: ["/dev/nvme0n1"],
      espMountPoint: esp(dir, ["EFI/debian/grubx64.efi"]),
    });
    assert.deepEqual(runner.argv, [
      ["efibootmgr", "-v"],
      [
        "efibootmgr",
        "-c",
        "-d",
        "/dev/nvme0n1",
        "-p",
        "1",
        "-L",
        "byol debian (nvme0n1)",
        "-l",
        "\\efi\\debian\\grubx64.efi",
      ],
      ["efibootmgr", "-v"],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("no boot loader on the ESP: a clear error before NVRAM is touched", async () => {
  const runner = efibootmgrRunner([sample("ovmf-v.txt")]);
  const { ctx, dir } = context(runner);
  try {
    const espDir = esp(dir, ["EFI/debian/grub.cfg"]);
    await assert.rejects(
      makeBootEntries(ctx, step, { bootOrder: "disk-first", firmware: "uefi", disks, espMountPoint: espDir }),
      (e: unknown) => {
        assert.ok(e instanceof InstallError);
        assert.equal(e.code, "boot");
        assert.match(e.message, /^no EFI boot loader on \/dev\/sda1: looked for \\EFI\\<distribution>\\shimx64\.efi/);
        return true;
      },
    );
    assert.deepEqual(runner.argv, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("efibootmgr listing no entry with our label after creating it fails the step", async () => {
  const runner = efibootmgrRunner([sample("ovmf-v.txt"), sample("ovmf-v.txt")]);
  const { ctx, dir } = context(runner);
  try {
    const options = { bootOrder: "disk-first", firmware: "uefi", disks, espMountPoint: esp(dir) } as const;
    await assert.rejects(makeBootEntries(ctx, step, options), /efibootmgr created no entry "byol debian \(sda\)"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the ESP copy with the real mcopy: the whole tree lands on the other ESP, twice is fine", async () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-esp-sync-"));
  const log = createLogger({ file: join(dir, "byol.log"), redactor: new Redactor() });
  const runner = createRunner({ journal: new Journal(join(dir, "journal.jsonl")), redactor: new Redactor(), log });
  const { ctx } = context(runner);
  try {
    const image = join(dir, "esp-b.img");
    writeFileSync(image, "");
    await runner.run(["truncate", "-s", "34M", image], { step: "t" });
    await runner.run(["mkfs.vfat", "-F", "32", image], { step: "t" });
    const espDir = esp(dir);
    await syncEsps(ctx, "boot-entries", espDir, [image]);
    writeFileSync(join(espDir, "EFI/debian/grubx64.efi"), "MZ newer");
    await syncEsps(ctx, "boot-entries", espDir, [image]);
    const env = { MTOOLS_SKIP_CHECK: "1" };
    const listing = await runner.run(["mdir", "-/", "-b", "-i", image, "::/"], { step: "t", env });
    assert.deepEqual(listing.stdout.trim().split("\n").sort(), [
      "::/EFI/",
      "::/EFI/BOOT/",
      "::/EFI/BOOT/BOOTX64.EFI",
      "::/EFI/debian/",
      "::/EFI/debian/grubx64.efi",
      "::/EFI/debian/shimx64.efi",
    ]);
    const grub = await runner.run(["mtype", "-i", image, "::/EFI/debian/grubx64.efi"], { step: "t", env });
    assert.equal(grub.stdout, "MZ newer");
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(ctx.runDir, { recursive: true, force: true });
  }
});
