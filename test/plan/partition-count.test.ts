// More partitions than the table holds (issue 15 item 5), generated around each limit: GPT's 128
// entries; MBR's 3 primary + extended + logical 5..64 (what parted's msdos label writes); the
// ESP, BIOS-boot and config-drive partitions byol adds counted. Accepted plans number every
// partition within the table; refused ones are one PlanError line naming the disk.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PlanError } from "../../agent/errors.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import type { Inventory } from "../../agent/probe/types.ts";
import type { LayoutEntry, RaidLevel } from "../../agent/request/types.ts";
import { inventory, withLayout } from "./builders.ts";

const bios = inventory("bios-3disks");
const machines: { name: string; machine: Inventory; added: number; max: number; raid?: RaidLevel; disks: number }[] = [
  { name: "UEFI GPT (ESP + config drive)", machine: inventory("uefi-1disk"), added: 2, max: 128, disks: 1 },
  { name: "BIOS GPT (BIOS boot + config drive)", machine: bios, added: 2, max: 128, disks: 1 },
  { name: "UEFI GPT RAID1 on 2 disks", machine: inventory("uefi-2disks"), added: 2, max: 128, raid: 1, disks: 2 },
  { name: "BIOS MBR (config drive)", machine: { ...bios, gptBoot: false }, added: 1, max: 64, disks: 1 },
];

// `n` layout entries: "/" and n-1 small data partitions.
function layout(n: number, raidLevel?: RaidLevel): LayoutEntry[] {
  const entries: LayoutEntry[] = [{ mountPoint: "/", fileSystem: "ext4", sizeMiB: 1024 }];
  for (let i = 1; i < n; i++) entries.push({ mountPoint: `/d${i}`, fileSystem: "ext4", sizeMiB: 1 });
  return raidLevel === undefined ? entries : entries.map((e) => ({ ...e, raidLevel }));
}

// The highest partition number a table of `count` partitions uses (MBR: logical ones from 5).
function highest(count: number, mbr: boolean): number {
  return mbr && count > 4 ? count + 1 : count;
}

describe("partition tables hold what the plan puts in them", () => {
  for (const m of machines) {
    const mbr = m.max === 64;
    const sizes = [1, 2, 3, 4, 5, ...Array.from({ length: 12 }, (_, i) => m.max - m.added - 6 + i)];
    it(`${m.name}: layouts of ${sizes[0]} to ${sizes.at(-1)} entries`, () => {
      for (const n of sizes) {
        const fits = highest(n + m.added, mbr) <= m.max;
        let plan: ReturnType<typeof buildPlan> | undefined;
        try {
          plan = buildPlan(withLayout(layout(n, m.raid), { disks: m.disks }), m.machine);
        } catch (error) {
          assert.ok(error instanceof PlanError, String(error));
          assert.equal(fits, false, `${n} entries refused: ${error.problems.join(" / ")}`);
          // one line per disk that cannot hold its partitions, the first disk (with the config drive) first
          assert.ok(error.problems.length <= m.disks, error.problems.join("\n"));
          assert.match(error.problems[0]!, new RegExp(`^The layout needs ${n + m.added} partitions on /dev/\\w+`));
          continue;
        }
        assert.equal(fits, true, `${n} entries accepted, ${n + m.added} partitions`);
        for (const disk of plan.disks) {
          const numbers = disk.partitions.map((p) => p.number);
          assert.equal(new Set(numbers).size, numbers.length, `${disk.path}: ${numbers}`);
          assert.ok(Math.max(...numbers) <= m.max, `${disk.path}: partition ${Math.max(...numbers)}`);
        }
      }
    });
  }
});
