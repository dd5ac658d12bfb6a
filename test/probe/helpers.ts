// Shared by the probe tests: fixture paths and a runner that replays captured lsblk output.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Inventory } from "../../agent/probe/types.ts";
import { type FakeRunner, fakeRunner } from "../support/fake-runner.ts";

export const FIXTURES = join(import.meta.dirname, "../../fixtures/probe");

export const MACHINES = ["sata-usb-live", "nvme-2disk", "qemu-virtio", "md-leftovers"] as const;

// A fixture file's text.
export function fixture(...path: string[]): string {
  return readFileSync(join(FIXTURES, ...path), "utf8");
}

// The inventory a machine fixture is expected to probe to.
export function expectedInventory(machine: string): Inventory {
  return JSON.parse(fixture(machine, "inventory.json")) as Inventory;
}

// Answers every command with the machine's captured lsblk output and records what was asked.
export function lsblkRunner(machine: string): FakeRunner {
  const stdout = fixture(machine, "lsblk.json");
  return fakeRunner(() => stdout);
}
