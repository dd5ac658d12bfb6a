// BYOI: the image goes whole onto the first disk of the group.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildPlan } from "../../agent/plan/index.ts";
import { commandsOf, inventory, kindsOf, request } from "./builders.ts";

// A BYOI request as the request model makes it (no layout).
function byoi(type: "raw" | "qcow2") {
  const base = request();
  return request({
    operatingSystem: "byoi_64",
    image: { ...base.image, type },
    efiBootloaderPath: "\\efi\\debian\\grubx64.efi",
    storage: [{ diskGroupId: 1, layout: [], defaultLayout: false }],
  });
}

describe("buildPlan for byoi_64", () => {
  it("qcow2: download to RAM, convert onto the first disk, move the backup GPT, append the config drive", () => {
    const plan = buildPlan(byoi("qcow2"), inventory("uefi-2disks"));
    assert.deepEqual(kindsOf(plan), [
      "download",
      "inspect",
      "wipe",
      "write-image",
      "move-backup-gpt",
      "config-drive",
      "boot-entries",
      "finish",
    ]);
    const download = plan.steps[0];
    assert.ok(download?.kind === "download");
    assert.equal(download.destination, "ram");
    assert.equal(download.path, "/dev/shm/byol/image");
    // only the first disk is touched: md127/md126 are stopped, only their sda members cleared
    assert.deepEqual(commandsOf(plan, "wipe"), [
      ["mdadm", "--stop", "/dev/md127"],
      ["mdadm", "--stop", "/dev/md126"],
      ["mdadm", "--zero-superblock", "--force", "/dev/sda2"],
      ["mdadm", "--zero-superblock", "--force", "/dev/sda3"],
      ["wipefs", "-a", "-f", "/dev/sda"],
      ["sgdisk", "-Z", "/dev/sda"],
    ]);
    assert.deepEqual(commandsOf(plan, "write-image"), [
      ["qemu-img", "convert", "-f", "qcow2", "-O", "raw", "-t", "none", "-W", "/dev/shm/byol/image", "/dev/sda"],
    ]);
    assert.deepEqual(commandsOf(plan, "move-backup-gpt"), [["sgdisk", "-e", "/dev/sda"]]);
    const cd = plan.steps.find((s) => s.kind === "config-drive");
    assert.deepEqual(cd, {
      kind: "config-drive",
      id: "config-drive",
      title: "appending the config drive to /dev/sda",
      commands: [],
      disk: "/dev/sda",
      sizeMiB: 64,
    });
    const boot = plan.steps.find((s) => s.kind === "boot-entries");
    assert.ok(boot?.kind === "boot-entries");
    assert.equal(boot.loaderPath, "\\efi\\debian\\grubx64.efi");
    assert.deepEqual(
      plan.disks.map((d) => [d.path, d.partitions.length]),
      [["/dev/sda", 0]],
    );
    assert.deepEqual(plan.fstab, []);
  });

  it("raw: streamed straight to the disk, no conversion command", () => {
    const plan = buildPlan(byoi("raw"), inventory("uefi-1disk"));
    const download = plan.steps[0];
    assert.ok(download?.kind === "download");
    assert.equal(download.destination, "disk");
    assert.equal(download.path, "/dev/sda");
    assert.deepEqual(commandsOf(plan, "write-image"), []);
  });

  it("legacy BIOS: no loader path", () => {
    const plan = buildPlan(byoi("raw"), inventory("bios-3disks"));
    const boot = plan.steps.find((s) => s.kind === "boot-entries");
    assert.ok(boot?.kind === "boot-entries");
    assert.equal(boot.loaderPath, undefined);
    assert.deepEqual(
      plan.disks.map((d) => d.path),
      ["/dev/sda"],
    );
  });
});
