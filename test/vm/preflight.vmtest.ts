// byol preflight in the rescue VM: with every tool there it passes (the Debian kernel's modules
// found through modules.dep/modules.builtin); with qemu-nbd moved out of the way it is exit 3 with
// the one line naming the tool and its package. The rescue's root is a snapshot: nothing persists.

import assert from "node:assert/strict";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { request, requestIn, SKIP, spawnByol, WORK } from "./support/install.ts";

const body = request(
  [
    {
      diskGroupId: 1,
      partitioning: {
        disks: 1,
        layout: [
          { mountPoint: "/", fileSystem: "ext4", size: 0 },
          { mountPoint: "swap", fileSystem: "swap", size: 128 },
        ],
      },
    },
  ],
  "preflight-vm",
);

describe("byol preflight in the rescue", { skip: SKIP }, () => {
  it("passes with the rescue's tools and kernel", async () => {
    const file = requestIn(join(WORK, "preflight-ok"), body);
    const r = await spawnByol(["preflight", "--request", file, "--json"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(r.events.length, 1);
    assert.equal(r.events[0]?.["ok"], true);
    assert.deepEqual(r.events[0]?.["missing"], []);
  });

  it("a hidden qemu-nbd: exit 3 and the line", async () => {
    const file = requestIn(join(WORK, "preflight-hidden"), body);
    const tool = "/usr/bin/qemu-nbd";
    renameSync(tool, `${tool}.hidden`);
    try {
      const r = await spawnByol(["preflight", "--request", file, "--json"]);
      assert.equal(r.code, 3, r.stderr + r.stdout);
      assert.ok(
        r.stderr
          .split("\n")
          .includes("byol preflight: missing tools: qemu-nbd (qemu-utils); rerun with --install-missing"),
        r.stderr,
      );
      assert.deepEqual(r.events[0]?.["missing"], [{ tool: "qemu-nbd", package: "qemu-utils" }]);
      assert.deepEqual(r.events[0]?.["packages"], ["qemu-utils"]);
    } finally {
      renameSync(`${tool}.hidden`, tool);
    }
  });
});
