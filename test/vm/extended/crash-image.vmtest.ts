// Extended VM tier (not in CI), the image half of issue 15's crash test (crash.vmtest.ts has the disk
// step kinds): SIGKILL at the start of each image step kind of a byolinux_64 install (download, inspect,
// attach, copy, configure, bootable-script, boot-entries, finish) and of a byoi_64 raw install streamed
// to the disk (write-image, move-backup-gpt, byoi-config-drive, byoi-boot-entries), then `byol cleanup`:
// no nbd connection, loop device, mount under /tmp/a, md array or LVM activation is left, the image is
// gone from RAM, and the partition tables are reset wherever the killed run had written; where it had not,
// the disks still hold what they held before.
// Run: flock /tmp/byol-vm.lock npm run test:vm -- --extended crash

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildTestImage } from "../../../fixtures/images/test-image.ts";
import { gptImage, readBytes } from "../../support/byoi-images.ts";
import {
  AUTH,
  assertClean,
  BYOL,
  cleanup,
  diskGroup,
  exclusive,
  raidLvmStorage,
  requestIn,
  SKIP,
  scrub,
  sh,
} from "../support/install.ts";
import {
  assertNothingHeld,
  EFI_SCRIPT,
  fullInstall,
  type ImageServer,
  secretRequest,
  serveImages,
  withShell,
} from "../support/records.ts";

const TIMEOUT = 10 * 60_000; // a case takes 1 to 4 minutes under TCG; a hung one must not hold the VM for long
// On the rescue's root filesystem: its /tmp is a tmpfs without user.* xattrs (see image-install.vmtest.ts)
const DIR = "/var/tmp/byol-crash-image";
const BYOLINUX_KINDS = [
  "download",
  "inspect",
  "attach",
  "copy",
  "configure",
  "bootable-script",
  "boot-entries",
  "finish",
];
const BYOI_KINDS = ["write-image", "move-backup-gpt", "byoi-config-drive", "byoi-boot-entries"];
const MARKER = Buffer.from("byol-crash-test: this disk was not written\n");
const MARKER_AT = 1024 * 1024;

const RAID_LVM = raidLvmStorage(2, 1, 256);

const files = new Map<string, Buffer>();
let server: ImageServer;

describe("SIGKILL at the start of each image step kind, then byol cleanup", { skip: SKIP, concurrency: false }, () => {
  before(async () => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const qcow2 = buildTestImage(DIR, "image.qcow2", {
      format: "qcow2",
      sizeMiB: 256,
      script: EFI_SCRIPT,
      populate: withShell,
    });
    files.set("image.qcow2", readFileSync(qcow2));
    const raw = join(DIR, "byoi.raw");
    gptImage(raw, { sizeMiB: 64, files: ["EFI/debian/grubx64.efi"], fill: true });
    files.set("byoi.raw", readFileSync(raw));
    server = await serveImages(files, AUTH);
  });
  after(() => server?.close());

  for (const kind of BYOLINUX_KINDS) {
    it(`byolinux_64: killed as ${kind} starts`, { timeout: TIMEOUT }, async () => {
      const disks = diskGroup(1).slice(0, 2);
      const body = {
        ...secretRequest(url("image.qcow2"), sha512("image.qcow2"), `vm-crash-${kind}`),
        storage: RAID_LVM,
      };
      await killAndClean(`byolinux-${kind}`, kind, disks, body);
    });
  }

  // The kill as it lands under load: after qemu-nbd was started (it forks a server that outlives byol)
  // and while it connects the image and the kernel reads its partition table.
  it("byolinux_64: killed while qemu-nbd connects the image", { timeout: TIMEOUT }, async () => {
    const disks = diskGroup(1).slice(0, 2);
    const body = {
      ...secretRequest(url("image.qcow2"), sha512("image.qcow2"), "vm-crash-nbd-connect"),
      storage: RAID_LVM,
    };
    await killAndClean("byolinux-nbd-connect", "attach", disks, body, whenRunning(/^qemu-nbd\0.*--connect=/));
  });

  for (const kind of BYOI_KINDS) {
    it(`byoi_64 raw, streamed: killed as ${kind} starts`, { timeout: TIMEOUT }, async () => {
      const disks = diskGroup(1).slice(0, 1);
      const base = secretRequest(url("byoi.raw"), sha512("byoi.raw"), `vm-crash-${kind}`) as {
        customizations: Record<string, unknown>;
      };
      const body = {
        operatingSystem: "byoi_64",
        customizations: { ...base.customizations, imageType: "raw", efiBootloaderPath: "\\efi\\debian\\grubx64.efi" },
      };
      await killAndClean(`byoi-${kind}`, kind, disks, body);
    });
  }
});

// When to kill, once the step has started: at once, or when `when` says so (polled every 5 ms).
type Trigger = (kill: () => void) => void;
const AT_ONCE: Trigger = (kill) => kill();

// A trigger that kills as soon as a process whose NUL-separated argv matches `pattern` runs (or after a minute).
function whenRunning(pattern: RegExp): Trigger {
  return (kill) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - started > 60_000 || runningArgv().some((argv) => pattern.test(argv))) {
        clearInterval(timer);
        kill();
      }
    }, 5);
  };
}

function runningArgv(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, "latin1"));
    } catch {
      // gone
    }
  }
  return out;
}

async function killAndClean(
  name: string,
  kind: string,
  disks: string[],
  body: object,
  trigger: Trigger = AT_ONCE,
): Promise<void> {
  await exclusive(async () => {
    scrub(disks);
    for (const disk of disks) writeAt(disk, MARKER_AT, MARKER);
    const dir = join(DIR, name);
    const kinds = stepKinds(dir, body);
    assert.ok([...kinds.values()].includes(kind), `the plan has a ${kind} step: ${[...kinds.values()].join(" ")}`);
    let killedAt: string | undefined;
    const run = await fullInstall(dir, body, (event, kill) => {
      const step = String(event["step"]);
      if (killedAt === undefined && event["phase"] === "start" && kinds.get(step) === kind) {
        killedAt = step;
        trigger(() => kill("SIGKILL"));
      }
    });
    assert.ok(killedAt, `the run reached its ${kind} step; exit ${run.code}; ${failure(run.events)}\n${diagnosis()}`);
    assert.equal(run.signal, "SIGKILL");
    const state = JSON.parse(readFileSync(join(run.runDir, "current.json"), "utf8")) as { disksWritten: boolean };
    const r = cleanup(run);
    assert.equal(r.status, 0, `byol cleanup after a kill in ${killedAt}: ${r.stdout}${r.stderr}`);
    // the rescue is usable again: udev has handled every event of the released devices
    const settled = sh("udevadm", ["settle", "--timeout=120"]);
    assert.equal(settled.status, 0, `udevadm settle after cleanup: ${settled.stderr}\n${diagnosis()}`);
    assertNothingHeld();
    assert.equal(sh("sh", ["-c", "lvs --noheadings -o lv_active 2>/dev/null | grep -c active"]).stdout.trim(), "0");
    assert.equal(sh("sh", ["-c", "losetup -n -l | wc -l"]).stdout.trim(), "0", "no loop device");
    if (state.disksWritten) assertClean(disks);
    else {
      for (const disk of disks) {
        assert.deepEqual(
          readBytes(disk, MARKER_AT, MARKER.length),
          MARKER,
          `${disk} untouched after a kill in ${killedAt}`,
        );
      }
      assertClean(disks);
    }
    scrub(disks);
  });
}

// What the failed run said: its failed step's error, or its last lines.
function failure(events: Record<string, unknown>[]): string {
  const failed = events.find((e) => e["phase"] === "failed") as
    | { step?: string; error?: { message?: string } }
    | undefined;
  if (failed !== undefined) return `failed in ${failed.step}: ${failed.error?.message}`;
  return `last events: ${events
    .slice(-3)
    .map((e) => JSON.stringify(e))
    .join("\n")}`;
}

// step id -> kind, from `byol plan --json` of the same request on this machine
function stepKinds(dir: string, body: object): Map<string, string> {
  const plan = sh(process.execPath, [BYOL, "plan", "--json", "--request", requestIn(dir, body)]);
  assert.equal(plan.status, 0, `byol plan: ${plan.stderr}`);
  const steps = (JSON.parse(plan.stdout) as { steps: { id: string; kind: string }[] }).steps;
  return new Map(steps.map((s) => [s.id, s.kind]));
}

function url(name: string): string {
  return `${server.base}/${name}`;
}

function sha512(name: string): string {
  return createHash("sha512").update(files.get(name)!).digest("hex");
}

function writeAt(disk: string, at: number, data: Buffer): void {
  const fd = openSync(disk, "r+");
  try {
    writeSync(fd, data, 0, data.length, at);
  } finally {
    closeSync(fd);
  }
}

// What holds udev's queue or a device, for the message of a failed check.
function diagnosis(): string {
  const script = [
    "echo '# processes'; ps -eo pid,ppid,stat,wchan:28,args | grep -v ' \\[' | tail -n 40",
    "echo '# blocked tasks'; ps -eo pid,stat,wchan:28,args | awk '$2 ~ /D/'",
    "echo '# udevd'; for p in $(pidof systemd-udevd); do echo \"pid $p\"; ls -l /proc/$p/fd 2>&1 | grep -v -e socket -e pipe -e anon_inode -e /dev/null; done",
    "echo '# flock and posix locks'; cat /proc/locks",
    "echo '# /run/udev'; ls -la /run/udev",
    "echo '# nbd'; for n in /sys/block/nbd*; do [ -e $n/pid ] && echo \"$n pid $(cat $n/pid)\"; done",
    "echo '# loop'; losetup -a",
    "echo '# dm'; dmsetup info -c 2>&1; dmsetup udevcookies 2>&1",
    "echo '# mounts'; grep -E ' /tmp/a| /dev/shm' /proc/self/mounts",
    "echo '# efi'; efibootmgr 2>&1 | head -n 30; df -h /sys/firmware/efi/efivars 2>/dev/null",
    "echo '# md'; cat /proc/mdstat",
    "echo '# lsblk'; lsblk -o NAME,TYPE,FSTYPE,MOUNTPOINTS,RM,RO",
    "echo '# dmesg'; dmesg | tail -n 20",
  ].join("; ");
  return sh("sh", ["-c", script]).stdout;
}
