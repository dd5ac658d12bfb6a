// Shared by the probe tests: fixture paths and a runner that replays captured lsblk output.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandResult, Runner, RunOptions } from "../../agent/exec/types.ts";
import type { Argv } from "../../agent/plan/types.ts";
import type { Inventory } from "../../agent/probe/types.ts";

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

export interface RecordingRunner extends Runner {
  calls: { argv: Argv; options: RunOptions }[];
}

// Answers every command with the machine's captured lsblk output and records what was asked.
export function lsblkRunner(machine: string): RecordingRunner {
  const stdout = fixture(machine, "lsblk.json");
  const calls: RecordingRunner["calls"] = [];
  return {
    calls,
    async run(argv: Argv, options: RunOptions): Promise<CommandResult> {
      calls.push({ argv, options });
      return { id: calls.length, argv: [...argv], exitCode: 0, durationMs: 1, stdout, stderr: "" };
    },
  };
}
