import assert from "node:assert/strict";
import { test } from "node:test";
import { BOOT_ORDER_FLAG, bootOrder, parseFlags } from "../../agent/commands/args.ts";
import { UsageError } from "../../agent/errors.ts";

test("--boot-order defaults to network-first, OVH's: the network stays ahead of the disk", () => {
  const flags = parseFlags([], { "boot-order": BOOT_ORDER_FLAG });
  assert.equal(bootOrder(flags["boot-order"]), "network-first");
  assert.equal(bootOrder(undefined), "network-first");
});

test("--boot-order takes disk-first and keep when asked", () => {
  const flags = parseFlags(["--boot-order", "disk-first"], { "boot-order": BOOT_ORDER_FLAG });
  assert.equal(bootOrder(flags["boot-order"]), "disk-first");
  assert.equal(bootOrder("keep"), "keep");
});

test("--boot-order refuses anything else, naming the choices", () => {
  assert.throws(
    () => bootOrder("disk"),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.equal(e.message, "--boot-order: expected one of network-first, disk-first, keep, got 'disk'");
      return true;
    },
  );
});
