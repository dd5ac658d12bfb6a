// Tests the rig's second half without byol: puts the byoi-debian12-raw fixture on a disk file and a config
// drive made on the host (mkfs.vfat + mtools) on a second one, boots them with no kernel given, and runs the
// rig's checks from inside. A failure here is the rig's (or the fixture's), never byol's.
// CLI: node scripts/rig/selftest.ts [--firmware bios|uefi] [--keep]
// The console log and collected output stay in the output folder.
// With uefi no NVRAM entry exists (byol would write it), so the "efi boot entry" check must fail.
import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { ensureImage } from "../images/build.ts";
import { cacheRoot } from "../vm/cache.ts";
import { track } from "../vm/cleanup.ts";
import { ovmfFor } from "../vm/ovmf.ts";
import { makeKeyPair } from "../vm/ssh.ts";
import { bootFromDisks } from "./disk-vm.ts";
import type { ExpectedSystem } from "./expected.ts";
import { makeVerdict } from "./outcome.ts";
import { checkBootedSystem } from "./run.ts";

const say = (line: string) => process.stderr.write(`${line}\n`);
const USER_DATA = "#cloud-config\nruncmd:\n  - [ sh, -c, 'echo byol-ok > /root/byol-marker' ]\n";

// A 64 MiB vfat config-2 drive holding meta_data.json (uuid, hostname, key) and user_data.
async function configDrive(path: string, work: string, hostname: string, publicKey: string): Promise<void> {
  const latest = join(work, "openstack", "latest");
  await mkdir(latest, { recursive: true });
  const meta = { uuid: randomUUID(), hostname, name: hostname, public_keys: { rig: publicKey } };
  await writeFile(join(latest, "meta_data.json"), JSON.stringify(meta));
  await writeFile(join(latest, "user_data"), USER_DATA);
  await execa("mkfs.vfat", ["-n", "config-2", "-C", path, String(64 * 1024)]);
  await execa("mcopy", ["-s", "-i", path, join(work, "openstack"), "::/"]);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { firmware: { type: "string", default: "bios" }, keep: { type: "boolean", default: false } },
  });
  const firmware = values.firmware === "uefi" ? "uefi" : "bios";
  const outDir = join(cacheRoot(), "rig-out", `selftest-${firmware}-${process.pid}`);
  const disk0 = join(outDir, "disk0.raw");
  const disk1 = join(outDir, "disk1.raw");
  await mkdir(outDir, { recursive: true });
  const untrack = values.keep ? () => {} : track({ kill: () => {}, paths: [disk0, disk1] });
  try {
    const image = await ensureImage("byoi-debian12-raw", { log: say });
    const key = await makeKeyPair(outDir);
    await execa("cp", ["--sparse=always", image.path, disk0]);
    await execa("truncate", ["-s", "4G", disk0]);
    await execa("sgdisk", ["-e", disk0]);
    await configDrive(disk1, join(outDir, "cd"), "rig-selftest", key.publicKey);
    const disks = [disk0, disk1].map((path, i) => ({
      path,
      format: "raw" as const,
      serial: `byol-disk-${i}`,
      logicalBlockSize: 512 as const,
    }));
    const ovmf = firmware === "uefi" ? await ovmfFor(outDir) : undefined;
    const timings: Record<string, number> = {};
    await using dvm = await bootFromDisks({
      firmware,
      ...(ovmf ? { ovmf } : {}),
      memoryMiB: 2048,
      cpus: 2,
      disks,
      consoleLog: join(outDir, "disk-boot-console.log"),
      pidFile: join(outDir, "qemu.pid"),
      keyPath: key.keyPath,
      log: say,
    });
    timings["diskBoot"] = dvm.bootMs;
    const expected: ExpectedSystem = {
      operatingSystem: "byoi_64",
      hostname: "rig-selftest",
      userData: USER_DATA,
      sshKey: key.publicKey,
      firmware,
      entries: [],
      diskCount: 1,
    };
    const commands = [{ run: "cat /root/byol-marker", contains: "byol-ok" }];
    const checks = await checkBootedSystem(dvm, { expected, commands, outDir, log: say, timings });
    await dvm.poweroff();
    const verdict = makeVerdict(`selftest-${firmware}`, checks, timings, outDir);
    for (const c of checks) say(`  ${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);
    process.stdout.write(`${JSON.stringify(verdict)}\n`);
    return verdict.ok ? 0 : 1;
  } finally {
    if (!values.keep)
      for (const p of [disk0, disk1, join(outDir, "cd"), join(outDir, "id_ed25519")])
        await rm(p, { recursive: true, force: true });
    untrack();
  }
}

process.exitCode = await main();
