// Test inputs for the planner: requests built as objects (no request parser) and the fixture inventories.

import { readFileSync } from "node:fs";
import type { Plan, StepKind } from "../../agent/plan/types.ts";
import type { Inventory } from "../../agent/probe/types.ts";
import type { InstallRequest, LayoutEntry, StorageRequest } from "../../agent/request/types.ts";

// The layout a request without storage gets (as agent/request/normalise.ts defaultLayout(); the
// planner adds RAID1 and per-disk swap on 2+ disks).
export const DEFAULT_LAYOUT: LayoutEntry[] = [
  { mountPoint: "/boot", fileSystem: "ext4", sizeMiB: 1024 },
  { mountPoint: "swap", fileSystem: "swap", sizeMiB: 1024 },
  { mountPoint: "/", fileSystem: "ext4", sizeMiB: 0 },
];

// A BYOLinux request with the default layout; override anything.
export function request(overrides: Partial<InstallRequest> = {}): InstallRequest {
  return {
    operatingSystem: "byolinux_64",
    hostname: "h1",
    image: {
      url: "https://user:s3cret-pass@images.example.net/deb12.qcow2",
      type: "qcow2",
      checksum: { type: "sha512", value: "ab".repeat(64) },
      httpHeaders: { Authorization: "Basic bG9naW46cGFzc3dvcmQ=" },
    },
    sshKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOp user@host",
    userData: "#cloud-config\npassword: hunter22\n",
    configDriveMetadata: { role: "web" },
    storage: [{ diskGroupId: 1, layout: DEFAULT_LAYOUT, defaultLayout: true }],
    ...overrides,
  };
}

// A request with a custom layout on disk group 1.
export function withLayout(layout: LayoutEntry[], storage: Partial<StorageRequest> = {}): InstallRequest {
  return request({ storage: [{ diskGroupId: 1, layout, defaultLayout: false, ...storage }] });
}

// One of fixtures/inventories/*.json.
export function inventory(name: string): Inventory {
  const url = new URL(`../../fixtures/inventories/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as Inventory;
}

// Every argv of the steps of one kind, in plan order.
export function commandsOf(plan: Plan, kind: StepKind): (readonly string[])[] {
  return plan.steps.filter((s) => s.kind === kind).flatMap((s) => s.commands);
}

// The step kinds in plan order, consecutive repeats collapsed ("partition" once for several disks).
export function kindsOf(plan: Plan): StepKind[] {
  return plan.steps.map((s) => s.kind).filter((k, i, all) => k !== all[i - 1]);
}
