// The plan as data: versioned, JSON-serialisable, free of secrets, printable.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PlanError } from "../../agent/errors.ts";
import { RSYNC } from "../../agent/plan/image.ts";
import { buildPlan, formatPlan } from "../../agent/plan/index.ts";
import { PLAN_VERSION } from "../../agent/plan/types.ts";
import { inventory, request } from "./builders.ts";

describe("the plan", () => {
  const req = request();
  const plan = buildPlan(req, inventory("uefi-2disks"));

  it("has version 3 and survives a JSON round trip unchanged", () => {
    assert.equal(plan.version, 3);
    assert.equal(PLAN_VERSION, 3);
    assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
  });

  it("holds no secret: the URL password, header values and user data are absent", () => {
    const json = JSON.stringify(plan);
    for (const secret of ["s3cret-pass", "bG9naW46cGFzc3dvcmQ=", "hunter22", "cloud-config"]) {
      assert.equal(json.includes(secret), false, secret);
    }
    const download = plan.steps[0];
    assert.ok(download?.kind === "download");
    assert.equal(download.url, "https://user:***@images.example.net/deb12.qcow2");
    assert.equal(download.checksumType, "sha512");
  });

  it("is deterministic and leaves its inputs untouched", () => {
    const before = JSON.stringify([req, inventory("uefi-2disks")]);
    const again = buildPlan(req, inventory("uefi-2disks"));
    assert.deepEqual(again, plan);
    assert.equal(JSON.stringify([req, inventory("uefi-2disks")]), before);
  });

  it("has unique step ids, download and inspect before anything touches a disk", () => {
    const ids = plan.steps.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(ids.slice(0, 3), ["download", "inspect", "wipe"]);
  });

  it("prints titles and indented, shell-quoted commands", () => {
    const text = formatPlan(plan);
    const lines = text.split("\n");
    assert.equal(lines[0], "plan v3: byolinux_64, uefi, gpt, disks /dev/sda /dev/sdb");
    assert.equal(lines[1], "1. downloading https://user:***@images.example.net/deb12.qcow2 to /dev/shm/byol/image");
    assert.equal(lines[2], "2. inspecting the qcow2 image");
    assert.equal(lines[3], "3. wiping /dev/sda /dev/sdb");
    assert.equal(lines[4], "    mdadm --stop /dev/md127");
    assert.ok(text.includes("\n    mount -t ext4 /dev/md1 /tmp/a\n"));
    assert.ok(text.includes("unmounting, syncing and rebooting\n    sync\n    umount /dev/shm/image\n"));
    assert.ok(text.endsWith("    systemctl reboot\n(<…> words are known only at run time)\n"));
  });

  it("lists the commands of every step from attach through the reboot", () => {
    const from = plan.steps.findIndex((s) => s.kind === "attach");
    assert.ok(from > 0);
    const empty = plan.steps.slice(from).filter((s) => s.commands.length === 0);
    assert.deepEqual(
      empty.map((s) => s.id),
      [],
    );
    const commands = (kind: string) =>
      plan.steps.filter((s) => s.kind === kind).flatMap((s) => s.commands.map((argv) => argv.join(" ")));
    assert.deepEqual(commands("bootable-script"), ["chroot /tmp/a /root/.ovh/make_image_bootable.sh"]);
    assert.ok(commands("copy")[0]?.startsWith(`${RSYNC.join(" ")} --exclude=/boot/efi/* /dev/shm/image/ /tmp/a/`));
    const fstabDevices = plan.fstab.map((e) => e.device);
    assert.deepEqual(
      commands("configure").filter((c) => c.startsWith("blkid")),
      fstabDevices.map((d) => `blkid -c /dev/null -s UUID -o value ${d}`),
    );
    assert.ok(commands("boot-entries").some((c) => c.startsWith("efibootmgr -c -d /dev/sdb -p 1 -L ")));
  });

  it("refuses more than one storage entry", () => {
    const two = request({
      storage: [
        { diskGroupId: 1, layout: [{ mountPoint: "/", fileSystem: "ext4", sizeMiB: 0 }], defaultLayout: false },
        { diskGroupId: 2, layout: [{ mountPoint: "/data", fileSystem: "ext4", sizeMiB: 0 }], defaultLayout: false },
      ],
    });
    assert.throws(() => buildPlan(two, inventory("uefi-2disks")), PlanError);
  });
});
