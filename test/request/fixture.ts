// Small builders shared by the request tests.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type InstallRequest, parseRequest } from "../../agent/request/index.ts";

export function loadFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/requests/${name}`, import.meta.url), "utf8"));
}

export const SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

// A valid byolinux_64 payload; `customizations` and top-level keys override its parts.
export function byolinux(custom: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    operatingSystem: "byolinux_64",
    customizations: { imageURL: "http://127.0.0.1:8080/images/debian12.qcow2", ...custom },
    ...top,
  };
}

// One storage group with `disks` and a layout of [mountPoint, fileSystem, size, raidLevel?, lv?] rows.
export function storage(disks: number | undefined, rows: [string, string, number, number?, string?][]) {
  const layout = rows.map(([mountPoint, fileSystem, size, raidLevel, lv]) => ({
    mountPoint,
    fileSystem,
    size,
    ...(raidLevel === undefined ? {} : { raidLevel }),
    ...(lv === undefined ? {} : { extras: { lv: { name: lv } } }),
  }));
  return { storage: [{ diskGroupId: 1, partitioning: { ...(disks === undefined ? {} : { disks }), layout } }] };
}

export function accepted(input: unknown): InstallRequest {
  const result = parseRequest(input);
  if (!result.ok) assert.fail(`expected the request to be accepted, got:\n${result.problems.join("\n")}`);
  return result.request;
}

export function problems(input: unknown): string[] {
  const result = parseRequest(input);
  assert.equal(result.ok, false, "expected the request to be rejected");
  return result.ok ? [] : result.problems;
}
