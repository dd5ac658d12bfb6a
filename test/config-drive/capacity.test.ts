// User data and metadata that the 64 MiB config drive cannot hold are refused by validate
// (issue 15 item 7). Generated: sizes around the limit for each field that lands on the drive,
// one byte and multi-byte text, plain and base64. The largest accepted request is written into
// a real 64 MiB FAT16 image with mtools, as the install writes it, with a 16-NIC network_data.json.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { configDriveFiles } from "../../agent/config-drive/files.ts";
import type { Nic } from "../../agent/probe/types.ts";
import { parseRequest } from "../../agent/request/index.ts";
import type { InstallRequest } from "../../agent/request/types.ts";
import { byolinux } from "../request/fixture.ts";

const MiB = 1024 * 1024;
const DRIVE = 64 * MiB;
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOp user@host";

type Field = "configDriveUserData" | "configDriveMetadata" | "sshKey" | "base64 configDriveUserData";

// A request whose `field` carries `bytes` bytes of `unit` text.
function payload(field: Field, bytes: number, unit = "a"): unknown {
  const text = unit.repeat(Math.floor(bytes / Buffer.byteLength(unit)));
  switch (field) {
    case "configDriveUserData":
      return byolinux({ configDriveUserData: `#!/bin/sh\n${text}` });
    case "base64 configDriveUserData":
      return byolinux({ configDriveUserData: Buffer.from(`#!/bin/sh\n${text}`).toString("base64") });
    case "configDriveMetadata":
      return byolinux({ configDriveMetadata: { blob: text } });
    case "sshKey":
      return byolinux({ sshKey: `${KEY}${text}` });
  }
}

const FIELDS: Field[] = ["configDriveUserData", "base64 configDriveUserData", "configDriveMetadata", "sshKey"];

describe("the config drive's capacity", () => {
  const cases = [...FIELDS.map((f) => [f, "a"]), ["configDriveUserData", "\u{1f600}"]] as [Field, string][];
  for (const [field, unit] of cases) {
    it(`${field} of ${JSON.stringify(unit)}: far below the drive is accepted, at or above it refused with one line`, () => {
      assert.equal(parseRequest(payload(field, MiB, unit)).ok, true);
      for (const bytes of [DRIVE, 80 * MiB]) {
        const r = parseRequest(payload(field, bytes, unit));
        assert.equal(r.ok, false, `${bytes} bytes accepted`);
        const problems = r.ok ? [] : r.problems;
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(
          problems[0]!,
          /^customizations: expected configDriveUserData, configDriveMetadata and sshKey that fit the 64 MiB config drive/,
        );
      }
    });
  }

  it("the legacy form names userMetadata", () => {
    const r = parseRequest({
      templateName: "byolinux_64",
      userMetadata: [
        { key: "imageURL", value: "http://127.0.0.1/x.qcow2" },
        { key: "configDriveUserData", value: "x".repeat(65 * MiB) },
      ],
    });
    assert.equal(r.ok, false);
    assert.match(r.ok ? "" : r.problems.join("\n"), /^userMetadata: expected configDriveUserData/);
  });

  // Near the largest request validate accepts: 63 MiB for the request's files, less meta_data.json's cluster.
  function nearLargest(field: Field): InstallRequest {
    const r = parseRequest(payload(field, 63 * MiB - 8192));
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    return r.request;
  }

  const tools = (() => {
    try {
      execFileSync("mkfs.vfat", ["--help"], { stdio: "ignore" });
      execFileSync("mcopy", ["-V"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  it(
    "the largest accepted request fits a real 64 MiB FAT16 drive, network_data.json of 16 NICs included",
    { skip: !tools && "mkfs.vfat or mtools missing" },
    () => {
      const dir = mkdtempSync(join(tmpdir(), "byol-config-drive-"));
      try {
        for (const field of ["configDriveUserData", "configDriveMetadata"] as Field[]) {
          const request = nearLargest(field);
          const nics: Nic[] = Array.from({ length: 16 }, (_, i) => ({
            name: `enp${i}s0f0np0`,
            mac: `aa:bb:cc:dd:ee:${i.toString(16).padStart(2, "0")}`,
            mtu: 9000,
            up: true,
          }));
          const image = join(dir, "drive.img");
          rmSync(image, { force: true });
          execFileSync("mkfs.vfat", ["-F", "16", "-I", "-n", "config-2", "-C", image, String(DRIVE / 1024)], {
            stdio: "ignore",
          });
          const root = join(dir, "root");
          rmSync(root, { recursive: true, force: true });
          for (const f of configDriveFiles(request, nics, "6f1c2a8e-3b0e-4c55-9d4e-0c7f1b2a3c4d")) {
            mkdirSync(dirname(join(root, f.path)), { recursive: true });
            writeFileSync(join(root, f.path), f.data);
          }
          execFileSync("mcopy", ["-s", "-i", image, join(root, "openstack"), "::/"], { stdio: "pipe" });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
