// attach (raw image: a read-only loop at the partition's offset), copy (rsync) and configure on
// the host, into ext4 filesystems on loop devices mounted like /tmp/a and /tmp/a/boot.
// qcow2 attach needs nbd: that is the VM tier's (test/vm/image-install.vmtest.ts).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { InstallError } from "../../agent/errors.ts";
import type { ImageState } from "../../agent/image/types.ts";
import type { InspectStep } from "../../agent/plan/types.ts";
import * as attach from "../../agent/steps/attach.ts";
import * as configure from "../../agent/steps/configure.ts";
import * as copy from "../../agent/steps/copy.ts";
import * as inspect from "../../agent/steps/inspect.ts";
import { buildTestImage, type TestImageSpec } from "../../fixtures/images/test-image.ts";
import { mountsUnder, testRun } from "../support/run.ts";

const root = mkdtempSync(join(tmpdir(), "byol-copy-"));
after(() => rmSync(root, { recursive: true, force: true }));

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8" }).trim();

// An ext4 filesystem of `mib` MiB on a loop device, mounted on `target`; released by the run's stack.
function targetFs(t: ReturnType<typeof testRun>, file: string, mib: number, target: string): string {
  writeFileSync(file, "");
  execFileSync("truncate", ["-s", `${mib}M`, file]);
  execFileSync("mkfs.ext4", ["-q", "-F", file]);
  const dev = sh("losetup", ["--find", "--show", file]);
  mkdirSync(target, { recursive: true });
  execFileSync("mount", [dev, target]);
  t.ctx.stack.defer(() => {
    execFileSync("umount", [target]);
    execFileSync("losetup", ["-d", dev]);
  });
  return dev;
}

async function prepare(spec: TestImageSpec, rootMiB: number, bootMiB: number) {
  const dir = mkdtempSync(join(root, "case-"));
  const t = testRun();
  const image: ImageState = { file: buildTestImage(dir, "image.raw", spec) };
  const step: InspectStep = { kind: "inspect", id: "inspect", title: "inspect", commands: [], imageType: "raw" };
  await inspect.run(t.ctx, step, { image });
  const target = join(dir, "a");
  const rootDev = targetFs(t, join(dir, "root.fs"), rootMiB, target);
  const bootDev = targetFs(t, join(dir, "boot.fs"), bootMiB, join(target, "boot"));
  const source = join(dir, "image");
  await attach.run(
    t.ctx,
    { kind: "attach", id: "attach", title: "attach", commands: [], mountPoint: source },
    { image },
  );
  return { dir, t, image, target, source, rootDev, bootDev };
}

describe("attach, copy and configure on the host", { concurrency: 1 }, () => {
  it("copies owners, modes, hard links, xattrs and sparse files, then writes fstab by UUID and the hostname", async () => {
    const p = await prepare({ format: "raw", sizeMiB: 64 }, 96, 32);
    try {
      assert.match(p.image.attached?.device ?? "", /^\/dev\/loop\d+$/);
      await copy.run(p.t.ctx, {
        kind: "copy",
        id: "copy",
        title: "copy",
        commands: [],
        source: p.source,
        target: p.target,
      });
      const at = (f: string) => join(p.target, f);
      const owned = statSync(at("srv/data/owned"));
      assert.deepEqual([owned.uid, owned.gid, owned.mode & 0o7777], [1234, 5678, 0o640]);
      assert.equal(statSync(at("srv/data/setuid")).mode & 0o7777, 0o4755);
      assert.equal(statSync(at("srv/data/linked")).ino, statSync(at("srv/data/linked-too")).ino);
      const xattr = sh("python3", [
        "-c",
        "import os,sys; print(os.getxattr(sys.argv[1], 'user.byol').decode())",
        at("srv/data/xattr"),
      ]);
      assert.equal(xattr, "kept");
      const sparse = statSync(at("srv/data/sparse"));
      assert.ok(sparse.size > 8 * 1024 * 1024 && sparse.blocks * 512 < 1024 * 1024, `${sparse.blocks} blocks`);
      assert.equal(
        readFileSync(at("boot/vmlinuz-test"), "utf8"),
        "not a kernel\n",
        "the image's /boot went onto the /boot filesystem",
      );
      assert.ok(p.t.events.some((e) => e.step === "copy" && e.phase === "progress"));

      await configure.run(
        p.t.ctx,
        {
          kind: "configure",
          id: "configure",
          title: "configure",
          commands: [],
          fstab: [
            { mountPoint: "/", device: p.rootDev, fileSystem: "ext4", options: "defaults", dump: 0, pass: 1 },
            { mountPoint: "/boot", device: p.bootDev, fileSystem: "ext4", options: "defaults", dump: 0, pass: 2 },
          ],
          mdadmConf: false,
          hostname: "copied.example.com",
        },
        { plan: { targetRoot: p.target } },
      );
      const fstab = readFileSync(at("etc/fstab"), "utf8");
      const uuid = (dev: string) => sh("blkid", ["-c", "/dev/null", "-s", "UUID", "-o", "value", dev]);
      assert.match(fstab, new RegExp(`^UUID=${uuid(p.rootDev)}\\t/\\text4\\tdefaults\\t0\\t1$`, "m"));
      assert.match(fstab, new RegExp(`^UUID=${uuid(p.bootDev)}\\t/boot\\text4`, "m"));
      assert.match(fstab, /^tmpfs \/tmp tmpfs defaults,size=1G 0 0$/m);
      assert.doesNotMatch(fstab, /old|\/dev\/sda2/);
      assert.equal(readFileSync(at("etc/hostname"), "utf8"), "copied\n");
      assert.match(readFileSync(at("etc/hosts"), "utf8"), /^127\.0\.1\.1\tcopied\.example\.com copied$/m);
      assert.match(readFileSync(at("etc/mdadm/mdadm.conf"), "utf8"), /ARRAY \/dev\/md\/old/, "untouched without RAID");
    } finally {
      await p.t.ctx.stack.disposeAsync();
    }
    assert.deepEqual(mountsUnder(p.dir), []);
  });

  it("refuses before copying when the image's data cannot fit, naming the device mounted there", async () => {
    const spec: TestImageSpec = {
      format: "raw",
      sizeMiB: 96,
      populate: (r) => writeFileSync(join(r, "srv/big"), randomBytes(40 * 1024 * 1024)),
    };
    const p = await prepare(spec, 32, 16);
    try {
      const step = {
        kind: "copy" as const,
        id: "copy",
        title: "copy",
        commands: [],
        source: p.source,
        target: p.target,
      };
      await assert.rejects(copy.run(p.t.ctx, step), (e: unknown) => {
        assert.ok(e instanceof InstallError);
        assert.equal(e.code, "too-big");
        assert.match(
          e.message,
          new RegExp(`^image provided has a size of \\d+ bytes which is larger than ${p.rootDev} of \\d+ bytes$`),
        );
        return true;
      });
      assert.ok(!p.t.journal().some((e) => e.argv[0] === "rsync"), "rsync never started");
    } finally {
      await p.t.ctx.stack.disposeAsync();
    }
    assert.deepEqual(mountsUnder(p.dir), []);
  });
});
