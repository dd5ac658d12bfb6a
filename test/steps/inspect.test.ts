// The inspect step on the host, with real images built by fixtures/images/test-image.ts and the
// real tools: qemu-img, qemu-storage-daemon (FUSE), losetup and read-only mounts.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { InstallError } from "../../agent/errors.ts";
import type { ImageState } from "../../agent/image/types.ts";
import type { InspectStep } from "../../agent/plan/types.ts";
import * as inspect from "../../agent/steps/inspect.ts";
import { buildTestImage, SCRIPT, type TestImageSpec } from "../../fixtures/images/test-image.ts";
import { mountsUnder, testRun } from "../support/run.ts";

const MISSING = "The '/root/.ovh/make_image_bootable.sh' file does not exist.";
const root = mkdtempSync(join(tmpdir(), "byol-inspect-"));
after(() => rmSync(root, { recursive: true, force: true }));

const step = (imageType: "qcow2" | "raw"): InspectStep => ({
  kind: "inspect",
  id: "inspect",
  title: `inspecting the ${imageType} image`,
  commands: [],
  imageType,
});

let n = 0;
async function run(spec: TestImageSpec, imageType: "qcow2" | "raw" = spec.format) {
  const dir = mkdtempSync(join(root, "case-"));
  const file = buildTestImage(dir, `image-${n++}`, spec);
  const t = testRun();
  const image: ImageState = { file };
  try {
    await inspect.run(t.ctx, step(imageType), { image });
    return { result: image.inspection, image, t };
  } catch (error) {
    return { error, image, t };
  } finally {
    await t.ctx.stack.disposeAsync();
    assert.deepEqual(mountsUnder(dir), [], "nothing left mounted");
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith(".")),
      [],
      "no scratch files left",
    );
    assert.ok(!losetupHas(file) && !losetupHas(dir), "no loop device left");
  }
}

function losetupHas(path: string): boolean {
  return execFileSync("losetup", ["-a"], { encoding: "utf8" }).includes(path);
}

function refused(r: { error?: unknown }, message: string | RegExp) {
  assert.ok(r.error instanceof InstallError, `expected a refusal, got ${String(r.error)}`);
  assert.equal(r.error.code, "image");
  if (typeof message === "string") assert.equal(r.error.message, message);
  else assert.match(r.error.message, message);
}

describe("inspect", { concurrency: 2 }, () => {
  it("accepts a qcow2 with one ext4 partition and an executable script", async () => {
    const r = await run({ format: "qcow2" });
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.result?.format, "qcow2");
    assert.equal(r.result?.virtualSize, 64 * 1024 ** 2);
    assert.equal(r.result?.table, "gpt");
    assert.deepEqual(r.result?.partition, { number: 1, offset: 1024 ** 2, size: 62 * 1024 ** 2 });
    assert.equal(r.result?.fileSystem, "ext4");
    assert.ok((r.result?.usedBytes ?? 0) > 0);
    assert.deepEqual(r.image.inspection, r.result);
    const programs = r.t.journal().map((e) => e.argv[0]);
    assert.ok(programs.includes("qemu-img") && programs.includes("mount") && programs.includes("losetup"));
    assert.ok(r.t.events.some((e) => e.phase === "log" && /qcow2 image: a 64 MiB disk/.test(e.message)));
  });

  it("accepts raw with an MBR, btrfs and xfs", async () => {
    const raw = await run({ format: "raw", table: "mbr" });
    assert.equal(raw.error, undefined, String(raw.error));
    assert.equal(raw.result?.table, "mbr");
    const btrfs = await run({ format: "qcow2", fileSystem: "btrfs", sizeMiB: 160 });
    assert.equal(btrfs.error, undefined, String(btrfs.error));
    assert.equal(btrfs.result?.fileSystem, "btrfs");
    const xfs = await run({ format: "qcow2", fileSystem: "xfs", sizeMiB: 320 });
    assert.equal(xfs.error, undefined, String(xfs.error));
    assert.equal(xfs.result?.fileSystem, "xfs");
  });

  it("refuses a format that is not the imageType", async () => {
    refused(
      await run({ format: "raw" }, "qcow2"),
      "image provided format is raw which does not match expected qcow2 format",
    );
    refused(
      await run({ format: "qcow2" }, "raw"),
      "image provided format is qcow2 which does not match expected raw format",
    );
  });

  it("refuses a backing file and an external data file before qemu opens the image", async () => {
    const backing = await run({ format: "qcow2", backingFile: "/etc/shadow" });
    refused(
      backing,
      "image provided has a backing file (/etc/shadow): refused, qemu could be made to read files of this server",
    );
    assert.deepEqual(backing.t.journal(), [], "no command ran: refused from byol's own header parse");
    const dataFile = join(root, "data-file");
    const data = await run({ format: "qcow2", dataFile });
    refused(
      data,
      `image provided has an external data file (${dataFile}): refused, qemu could be made to read files of this server`,
    );
    assert.deepEqual(data.t.journal(), []);
  });

  it("refuses zero or two partitions, and a partition that is not ext4, xfs or btrfs", async () => {
    refused(
      await run({ format: "qcow2", partitions: 2 }),
      "image provided must have exactly one partition, found 2 partitions (GPT)",
    );
    refused(
      await run({ format: "raw", table: "mbr", partitions: 3 }),
      "image provided must have exactly one partition, found 3 partitions (MBR)",
    );
    refused(
      await run({ format: "qcow2", table: "none" }),
      "image provided must have exactly one partition, found no partition table",
    );
    refused(
      await run({ format: "qcow2", fileSystem: "swap" }),
      "image provided has a swap partition: its partition must be formatted ext4, xfs or btrfs",
    );
  });

  it("refuses a missing, a non-executable, and a directory script with OVH's sentence first", async () => {
    refused(await run({ format: "qcow2", script: { missing: true } }), MISSING);
    refused(
      await run({ format: "qcow2", script: { mode: 0o644 } }),
      `${MISSING} (it is there, but not executable: mode 0644)`,
    );
    refused(
      await run({ format: "raw", script: { symlink: "/root" } }),
      `${MISSING} (/root is a directory, not a regular file)`,
    );
  });

  it("follows a symbolic link inside the image, never outside it", async () => {
    // absolute: resolved in the image, where /bin/true-script exists and is executable
    const inside = await run({
      format: "qcow2",
      script: { symlink: "/usr/local/sbin/bootable" },
      populate: (r) => {
        execFileSync("install", ["-D", "-m", "755", "/dev/null", join(r, "usr/local/sbin/bootable")]);
      },
    });
    assert.equal(inside.error, undefined, String(inside.error));
    // on this host /usr/bin/env exists and is executable; in the image it does not
    refused(await run({ format: "qcow2", script: { symlink: "../../../../../usr/bin/env" } }), MISSING);
    assert.ok(SCRIPT.startsWith("/root/.ovh/"));
  });
});
