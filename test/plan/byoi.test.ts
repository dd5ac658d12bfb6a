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
      "byoi-inspect",
      "wipe",
      "write-image",
      "move-backup-gpt",
      "byoi-config-drive",
      "byoi-boot-entries",
      "finish",
    ]);
    const download = plan.steps[0];
    assert.ok(download?.kind === "download");
    assert.equal(download.destination, "ram");
    assert.equal(download.path, "/dev/shm/byol/image");
    // only the first disk is touched: md127/md126 also live on sdb, so they are not stopped
    // (install refuses them without --break-arrays, see test/disk/spanning.test.ts)
    assert.deepEqual(commandsOf(plan, "wipe"), [
      ["wipefs", "-a", "-f", "/dev/sda"],
      ["sgdisk", "-Z", "/dev/sda"],
    ]);
    const wipe = plan.steps.find((s) => s.kind === "wipe");
    assert.deepEqual(
      wipe?.kind === "wipe" && wipe.spans?.map((s) => `${s.name}: ${s.targetMembers} | ${s.otherMembers}`),
      ["/dev/md127: /dev/sda2 | /dev/sdb2", "/dev/md126: /dev/sda3 | /dev/sdb3"],
    );
    assert.deepEqual(commandsOf(plan, "write-image"), [
      [
        "qemu-img",
        "convert",
        "-p",
        "-n",
        "-f",
        "qcow2",
        "-O",
        "raw",
        "-t",
        "none",
        "-W",
        "/dev/shm/byol/image",
        "/dev/sda",
      ],
    ]);
    assert.deepEqual(commandsOf(plan, "move-backup-gpt"), [["sgdisk", "-e", "/dev/sda"]]);
    const cd = plan.steps.find((s) => s.kind === "byoi-config-drive");
    assert.deepEqual(cd, {
      kind: "byoi-config-drive",
      id: "config-drive",
      title: "appending the config drive to /dev/sda",
      commands: [],
      disk: "/dev/sda",
      sizeMiB: 64,
    });
    const boot = plan.steps.find((s) => s.kind === "byoi-boot-entries");
    assert.ok(boot?.kind === "byoi-boot-entries");
    assert.equal(boot.loaderPath, "\\efi\\debian\\grubx64.efi");
    assert.deepEqual(
      plan.disks.map((d) => [d.path, d.partitions.length]),
      [["/dev/sda", 0]],
    );
    assert.deepEqual(plan.fstab, []);
  });

  it("raw: one step streams, checks, wipes and writes; the wipe is nested and listed", () => {
    const plan = buildPlan(byoi("raw"), inventory("uefi-2disks"));
    assert.deepEqual(kindsOf(plan), [
      "write-image",
      "move-backup-gpt",
      "byoi-config-drive",
      "byoi-boot-entries",
      "finish",
    ]);
    const write = plan.steps[0];
    assert.ok(write?.kind === "write-image");
    assert.equal(write.source, "http");
    assert.equal(write.disk, "/dev/sda");
    assert.equal(write.checksumType, "sha512");
    assert.equal(write.url, "https://user:***@images.example.net/deb12.qcow2"); // redacted: the plan holds no secrets
    assert.ok(write.wipe?.kind === "wipe");
    assert.deepEqual(write.wipe.disks, ["/dev/sda"]);
    // the plan shows the wipe's commands under the step that runs them
    assert.deepEqual(write.commands, write.wipe.commands);
    assert.deepEqual(write.commands.slice(-2), [
      ["wipefs", "-a", "-f", "/dev/sda"],
      ["sgdisk", "-Z", "/dev/sda"],
    ]);
  });

  it("raw with --image-staging ram: into RAM, inspected, wiped, then copied by byol", () => {
    const plan = buildPlan(byoi("raw"), inventory("uefi-1disk"), { imageStaging: "ram" });
    assert.deepEqual(kindsOf(plan).slice(0, 4), ["download", "byoi-inspect", "wipe", "write-image"]);
    const download = plan.steps[0];
    assert.ok(download?.kind === "download" && download.destination === "ram");
    const write = plan.steps[3];
    assert.ok(write?.kind === "write-image");
    assert.equal(write.source, "file");
    assert.equal(write.path, "/dev/shm/byol/image");
    assert.deepEqual(write.commands, []);
  });

  it("qcow2 ignores the staging option: it always goes to RAM", () => {
    const plan = buildPlan(byoi("qcow2"), inventory("uefi-1disk"), { imageStaging: "stream" });
    assert.equal(plan.steps[0]?.kind, "download");
  });

  it("legacy BIOS: no loader path", () => {
    const plan = buildPlan(byoi("raw"), inventory("bios-3disks"));
    const boot = plan.steps.find((s) => s.kind === "byoi-boot-entries");
    assert.ok(boot?.kind === "byoi-boot-entries");
    assert.equal(boot.loaderPath, undefined);
    assert.deepEqual(
      plan.disks.map((d) => d.path),
      ["/dev/sda"],
    );
  });
});
