// Acceptance, in the rescue VM: run records of real `byol install` runs of test images served over HTTP from
// this guest, each request carrying an Authorization header, a URL password and user data with a marker.
// A successful run, a failed one (the script exits 1) and one killed with SIGTERM in the middle of rsync all
// leave a bundle; `byol report show` names the step the killed run was in; and a secret scanner finds none of
// the secrets in any file of any of the bundles.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildTestImage, DEFAULT_SCRIPT } from "../../fixtures/images/test-image.ts";
import { AUTH, assertClean, diskGroup, exclusive, SKIP, scrub } from "./support/install.ts";
import {
  assertNoSecrets,
  assertScannerFinds,
  type FullRun,
  fullInstall,
  type ImageServer,
  reportShow,
  secretRequest,
  serveImages,
  withShell,
} from "./support/records.ts";

const TIMEOUT = 20 * 60_000;
// On the rescue's root filesystem (its /tmp is a tmpfs, without the user.* xattrs the test images have);
// each image is read into memory and its file removed at once, as space there is short.
const DIR = "/var/tmp/byol-records";
// The script also puts a (fake) EFI loader on the ESP, as a real one would with grub-install.
const SCRIPT = `${DEFAULT_SCRIPT.replace(/echo "make_image_bootable: done"\n$/, "")}mkdir -p /boot/efi/EFI/debian
echo "not really grub" > /boot/efi/EFI/debian/grubx64.efi
echo "make_image_bootable: done"
`;
const BIG_MIB = 96;
const FAILING = `#!/bin/sh
echo "make_image_bootable: about to fail"
echo "make_image_bootable: something went wrong" >&2
exit 1
`;

const images = new Map<string, Buffer>();
let server: ImageServer;

function request(image: string, hostname: string): object {
  const data = images.get(image)!;
  return secretRequest(`${server.base}/${image}`, createHash("sha512").update(data).digest("hex"), hostname);
}

function result(run: FullRun): { phase: string; exitCode: number; error?: { code: string; message: string } } {
  const last = run.events.at(-1) as ReturnType<typeof result> | undefined;
  assert.equal(last?.phase, "result", `the last line is the result (exit ${run.code}); stderr: ${run.stderr}`);
  return last!;
}

describe("run records of whole installs in the rescue VM", { skip: SKIP, concurrency: false }, () => {
  before(() => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const build = (name: string, spec: Parameters<typeof buildTestImage>[2]) => {
      const file = buildTestImage(DIR, name, spec);
      images.set(name, readFileSync(file));
      rmSync(file);
    };
    build("good.qcow2", { format: "qcow2", script: SCRIPT, populate: withShell });
    build("fails.qcow2", { format: "qcow2", script: FAILING, populate: withShell });
    // BIG_MIB that does not compress: rsync is still copying when its first progress line comes
    build("big.qcow2", {
      format: "qcow2",
      sizeMiB: 320,
      populate: (root) => {
        withShell(root);
        mkdirSync(join(root, "srv/big"), { recursive: true });
        for (let i = 0; i < BIG_MIB / 16; i++)
          writeFileSync(join(root, `srv/big/blob${i}`), randomBytes(16 * 1024 * 1024));
      },
    });
    return serveImages(images, AUTH).then((s) => {
      server = s;
    });
  });
  after(() => {
    server?.close();
    rmSync(DIR, { recursive: true, force: true });
  });

  it("the secret scanner finds a secret when there is one", () => {
    assertScannerFinds(join(DIR, "scanner"));
  });

  it("a successful install: the bundle holds the run, and no secret", { timeout: TIMEOUT }, async () => {
    const disk = diskGroup(1)[0]!;
    await exclusive(async () => {
      scrub([disk]);
      const run = await fullInstall(join(DIR, "good"), request("good.qcow2", "vm-records-good"));
      assert.equal(result(run).exitCode, 0, JSON.stringify(result(run)));
      assert.equal(run.code, 0);
      assert.ok(
        server.requests.some((r) => r === "GET /good.qcow2 200"),
        server.requests.join("\n"),
      );
      const files = assertNoSecrets(run.report);
      const names = [...files.keys()].map((n) => n.replace(/^[^/]+\//, ""));
      for (const member of ["make_image_bootable.log", "fstab", "state.json"]) {
        assert.ok(names.includes(member), `the bundle has ${member}: ${names.join(" ")}`);
      }
      assert.ok(
        names.some((n) => n.startsWith("sgdisk-p/")),
        `sgdisk -p of the disk: ${names.join(" ")}`,
      );
      assert.match(reportShow(run.report), /^run \S+: byolinux_64, done\n/);
      scrub([disk]);
      assertClean([disk]);
    });
  });

  it(
    "a failed install (script exits 1): exit 4, the bundle names it, and no secret",
    { timeout: TIMEOUT },
    async () => {
      const disk = diskGroup(1)[0]!;
      await exclusive(async () => {
        scrub([disk]);
        const run = await fullInstall(join(DIR, "fails"), request("fails.qcow2", "vm-records-fails"));
        assert.equal(result(run).exitCode, 4, JSON.stringify(result(run)));
        assert.equal(run.code, 4);
        assertNoSecrets(run.report);
        const show = reportShow(run.report);
        assert.match(show, /failed \(exit 4\): The script did not end properly \(exit code 1\)/);
        assert.match(show, /✗ bootable-script /);
        assert.match(show, /\| make_image_bootable: something went wrong/);
        assertClean([disk]);
      });
    },
  );

  it(
    "SIGTERM in the middle of rsync: exit 130, a bundle, report show names the copy step, no secret",
    { timeout: TIMEOUT },
    async () => {
      const disk = diskGroup(1)[0]!;
      await exclusive(async () => {
        scrub([disk]);
        let killedAt: Record<string, unknown> | undefined;
        const run = await fullInstall(join(DIR, "sigterm"), request("big.qcow2", "vm-records-sigterm"), (e, kill) => {
          if (killedAt !== undefined || e["step"] !== "copy" || e["phase"] !== "progress") return;
          killedAt = e;
          kill("SIGTERM");
        });
        assert.ok(killedAt, `the run reached the copy's progress; stderr: ${run.stderr}`);
        assert.ok(
          Number(killedAt["bytes"]) < BIG_MIB * 1024 * 1024,
          `killed before rsync was done: ${JSON.stringify(killedAt)}`,
        );
        const r = result(run);
        assert.equal(run.code, 130, `exit code; result ${JSON.stringify(r)}; stderr: ${run.stderr}`);
        assert.equal(r.exitCode, 130);
        assert.equal(r.error?.code, "interrupted");

        const files = assertNoSecrets(run.report);
        const journal = [...files].find(([n]) => n.endsWith("/journal.jsonl"))![1].toString("utf8");
        const rsync = journal
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { argv: string[]; step: string; exitCode: number | null; signal?: string })
          .filter((e) => e.argv[0] === "rsync");
        assert.ok(rsync.length > 0, "the journal has the rsync");
        assert.equal(rsync.at(-1)!.step, "copy");
        assert.notEqual(rsync.at(-1)!.exitCode, 0, `rsync did not finish: ${JSON.stringify(rsync.at(-1))}`);

        const show = reportShow(run.report);
        assert.match(show, /failed \(exit 130\)/);
        assert.match(show, /^ {2}! copy .*interrupted/m, show);
        assert.match(show, /failing command \(step copy, (killed|exit \d+)/, show);
        assertClean([disk]);
      });
    },
  );
});
