import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { buildPlan } from "../../agent/plan/index.ts";
import { needsOf } from "../../agent/preflight/needs.ts";
import { packageOf } from "../../agent/preflight/packages.ts";
import { readInventoryFile } from "../../agent/probe/inventory-file.ts";
import { parseRequest } from "../../agent/request/index.ts";

async function planOf(request: string, inventory: string) {
  const parsed = parseRequest(JSON.parse(readFileSync(`fixtures/requests/${request}`, "utf8")));
  assert.ok(parsed.ok);
  return buildPlan(parsed.request, await readInventoryFile(`fixtures/inventories/${inventory}`), {
    imageStaging: "stream",
  });
}

test("RAID10 on LVM under UEFI: the plan's commands and the image steps' programs, md, dm and nbd", async () => {
  const plan = await planOf("byolinux-raid10-lvm.json", "uefi-4disks.json");
  const needs = needsOf(plan, plan.steps);
  for (const tool of ["sgdisk", "mdadm", "pvcreate", "vgcreate", "lvcreate", "mkfs.vfat", "mkfs.ext4", "mkfs.xfs"]) {
    assert.ok(needs.tools.includes(tool), `${tool} (from the plan's commands)`);
  }
  for (const tool of ["qemu-img", "qemu-nbd", "rsync", "mcopy", "efibootmgr", "chroot", "wipefs", "partprobe"]) {
    assert.ok(needs.tools.includes(tool), `${tool} (run by a step)`);
  }
  assert.deepEqual(needs.kernel, ["dm_mod", "ext4", "loop", "md_mod", "nbd", "raid1", "raid10", "vfat", "xfs"]);
  assert.equal(needs.uefi, true);
  assert.equal(needs.imageInRam, true);
});

test("a BIOS plan without RAID needs no efibootmgr, mdadm --create or dm", async () => {
  const plan = await planOf("byolinux-mbr-data.json", "bios-3disks.json");
  const needs = needsOf(plan, plan.steps);
  assert.ok(!needs.tools.includes("efibootmgr"));
  assert.ok(!needs.kernel.includes("md_mod") && !needs.kernel.includes("dm_mod"));
  assert.equal(needs.uefi, false);
});

test("byoi_64: no rsync or qemu-nbd; a streamed raw image does not go to RAM", async () => {
  const plan = await planOf("ovh-byoi.json", "uefi-2disks.json");
  const needs = needsOf(plan, plan.steps);
  assert.ok(!needs.tools.includes("rsync") && !needs.tools.includes("qemu-nbd"));
  assert.ok(needs.tools.includes("efibootmgr") && needs.tools.includes("mdir"));
});

test("every tool any fixture plan needs has a Debian package in the one list", async () => {
  const requests = readdirSync("fixtures/requests").filter((f) => f.endsWith(".json"));
  const inventories = readdirSync("fixtures/inventories");
  let plans = 0;
  for (const r of requests) {
    for (const i of inventories) {
      let plan: Awaited<ReturnType<typeof planOf>>;
      try {
        plan = await planOf(r, i);
      } catch {
        continue; // a layout that does not fit this inventory
      }
      plans++;
      const unknown = needsOf(plan, plan.steps).tools.filter((t) => packageOf(t) === undefined);
      assert.deepEqual(unknown, [], `${r} on ${i}`);
    }
  }
  assert.ok(plans > 10, `only ${plans} plans`);
});
