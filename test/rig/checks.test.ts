import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  cloudInitCheck,
  commandCheck,
  datasourceCheck,
  finalMessage,
  firstMiBCheck,
  hostnameCheck,
  layoutChecks,
  systemChecks,
} from "../../scripts/rig/checks.ts";
import { parseSections } from "../../scripts/rig/collect.ts";
import { parseEfibootmgr } from "../../scripts/rig/efi.ts";
import { defaultEntries, type ExpectedSystem, expectedSystem } from "../../scripts/rig/expected.ts";
import { parseScenario, substitute } from "../../scripts/rig/scenario.ts";
import { asOutput, CLOUD_INIT_LOCALE_ERROR, MDSTAT, SSH_KEY, STATUS_JSON, sections, USER_DATA } from "./samples.ts";

const expected: ExpectedSystem = {
  operatingSystem: "byolinux_64",
  hostname: "rig-raid1",
  userData: USER_DATA,
  sshKey: SSH_KEY,
  firmware: "uefi",
  entries: defaultEntries(2),
  diskCount: 2,
};
const byName = (checks: { name: string; ok: boolean; detail: string }[]) => new Map(checks.map((c) => [c.name, c]));

describe("systemChecks", () => {
  it("passes a system that is what the request asked for, from the collect script's output", () => {
    const checks = systemChecks(expected, parseSections(asOutput(sections())));
    assert.deepEqual(
      checks.filter((c) => !c.ok),
      [],
    );
    assert.deepEqual(
      checks.map((c) => c.name),
      [
        "firmware",
        "hostname",
        "mount /boot",
        "raid /boot",
        "mount /",
        "raid /",
        "swap",
        "cloud-init",
        "cloud-init datasource",
        "user-data",
        "ssh key",
        "efi boot entry",
      ],
    );
    const c = byName(checks);
    assert.match(c.get("raid /")!.detail, /^md126 raid1 \[2\/2\] \[UU\] \(resync = 38\.2%\) on \/dev\/vda \/dev\/vdb$/);
    assert.match(
      c.get("efi boot entry")!.detail,
      /booted through Boot0004 'byol rig-raid1 \(vda\)' \/dev\/vda1:\\EFI\\debian\\grubx64\.efi/,
    );
  });

  it("fails a wrong file system, naming what is there", () => {
    const findmnt = JSON.stringify({
      filesystems: [
        { target: "/", source: "/dev/md126", fstype: "xfs" },
        { target: "/boot", source: "/dev/md127", fstype: "ext4" },
      ],
    });
    const c = byName(systemChecks(expected, sections({ findmnt })));
    assert.equal(c.get("mount /")!.ok, false);
    assert.equal(c.get("mount /")!.detail, "/dev/md126 xfs, expected ext4");
  });

  it("fails a missing mount, a missing swap and a degraded array", () => {
    const findmnt = JSON.stringify({ filesystems: [{ target: "/", source: "/dev/md126", fstype: "ext4" }] });
    const swaps = "Filename Type Size Used Priority\n/dev/vda3 partition 1048572 0 -2";
    const mdstat = MDSTAT.replace("[2/2] [UU]\n      [=======>", "[2/1] [U_]\n      [=======>").replace(
      / +\[=+>.*\n/,
      "\n",
    );
    const c = byName(systemChecks(expected, sections({ findmnt, swaps, mdstat })));
    assert.equal(c.get("mount /boot")!.detail, "not mounted");
    assert.equal(c.get("swap")!.ok, false);
    assert.equal(c.get("swap")!.detail, "1 active (expected 2): /dev/vda3");
    assert.equal(c.get("raid /")!.ok, false);
    assert.match(c.get("raid /")!.detail, /^degraded: md126 raid1 \[2\/1\] \[U_\]/);
  });

  it("fails an array of the wrong level", () => {
    const e: ExpectedSystem = {
      ...expected,
      entries: [{ mountPoint: "/", fileSystem: "ext4", raidLevel: 5, swapDevices: 0 }],
    };
    const c = byName(systemChecks(e, sections()));
    assert.equal(c.get("raid /")!.ok, false);
    assert.match(c.get("raid /")!.detail, /no raid5 under \/ \(disk > part > raid1\)/);
  });

  it("fails when the firmware booted its own fallback entry instead of byol's", () => {
    const efibootmgr = sections()["efibootmgr"]!.replace("BootCurrent: 0004", "BootCurrent: 0001");
    const c = byName(systemChecks(expected, sections({ efibootmgr })));
    assert.equal(c.get("efi boot entry")!.ok, false);
    assert.match(
      c.get("efi boot entry")!.detail,
      /booted through Boot0001 'UEFI Misc Device'.*not an entry byol wrote/,
    );
  });

  it("fails other user data, another hostname and a missing key", () => {
    const c = byName(
      systemChecks(
        expected,
        sections({ "user-data": `${"0".repeat(64)}  f`, hostname: "debian", "authorized-keys": "" }),
      ),
    );
    assert.equal(c.get("user-data")!.ok, false);
    assert.equal(c.get("hostname")!.detail, 'expected rig-raid1, the system says "debian"');
    assert.equal(c.get("ssh key")!.ok, false);
  });

  it("turns output it cannot parse into a failed check rather than a crash", () => {
    const c = byName(systemChecks(expected, sections({ lsblk: "lsblk: command not found" })));
    assert.equal(c.get("layout")!.ok, false);
    assert.match(c.get("layout")!.detail, /could not read the output/);
  });

  it("skips the EFI check on BIOS", () => {
    const names = systemChecks({ ...expected, firmware: "bios" }, sections({ firmware: "bios" })).map((c) => c.name);
    assert.ok(!names.includes("efi boot entry"));
  });
});

describe("layoutChecks with LVM on RAID", () => {
  const lsblk = JSON.stringify({
    blockdevices: ["a", "b"].map((d) => ({
      name: `/dev/vd${d}`,
      type: "disk",
      children: [
        {
          name: `/dev/vd${d}3`,
          type: "part",
          children: [
            {
              name: "/dev/md125",
              type: "raid1",
              children: [{ name: "/dev/mapper/vg-var", type: "lvm", fstype: "ext4", mountpoint: "/var" }],
            },
          ],
        },
      ],
    })),
  });
  const s = sections({
    lsblk,
    findmnt: JSON.stringify({ filesystems: [{ target: "/var", source: "/dev/mapper/vg-var", fstype: "ext4" }] }),
    mdstat: "Personalities : [raid1]\nmd125 : active raid1 vdb3[1] vda3[0]\n      1 blocks super 1.2 [2/2] [UU]\n",
    lvs: JSON.stringify({ report: [{ lv: [{ lv_name: "var", vg_name: "vg", lv_path: "/dev/vg/var" }] }] }),
  });
  const e: ExpectedSystem = {
    ...expected,
    entries: [{ mountPoint: "/var", fileSystem: "ext4", raidLevel: 1, lvName: "var", swapDevices: 0 }],
  };

  it("finds the volume, its volume group and the array under it", () => {
    const c = byName(layoutChecks(e, s));
    assert.equal(c.get("lvm /var")!.detail, "vg/var (/dev/mapper/vg-var) on /dev/md125 raid1");
    assert.equal(c.get("lvm /var")!.ok, true);
    assert.equal(c.get("raid /var")!.ok, true);
  });

  it("fails when lvs does not know the volume", () => {
    const c = byName(layoutChecks({ ...e, entries: [{ ...e.entries[0]!, lvName: "data" }] }, s));
    assert.equal(c.get("lvm /var")!.ok, false);
    assert.equal(c.get("lvm /var")!.detail, "lvs has no volume data (has var)");
  });
});

describe("single checks", () => {
  it("hostname: an FQDN becomes the short name", () => {
    assert.equal(hostnameCheck("web1.example.com", "web1").ok, true);
    assert.equal(hostnameCheck("web1.example.com", "web2").ok, false);
  });

  it("cloud-init: done and exit 0", () => {
    assert.equal(cloudInitCheck("status: done\ndetail:\nDataSourceConfigDrive [net,ver=2]\nexit=0").ok, true);
    assert.equal(cloudInitCheck("status: running\nexit=0").ok, false);
    const error = cloudInitCheck(CLOUD_INIT_LOCALE_ERROR);
    assert.equal(error.ok, false);
    assert.match(error.detail, /^status: error; .*update-locale.* \(exit 1\)$/);
  });

  it("cloud-init datasource: the config drive, from status.json", () => {
    assert.deepEqual(datasourceCheck(STATUS_JSON), {
      name: "cloud-init datasource",
      ok: true,
      detail: "DataSourceConfigDrive [net,ver=2][source=/dev/vdb]",
    });
    assert.equal(
      datasourceCheck(STATUS_JSON.replace("DataSourceConfigDrive [net,ver=2][source=/dev/vdb]", "DataSourceNone")).ok,
      false,
    );
    assert.match(datasourceCheck("cat: /run/cloud-init/status.json: No such file").detail, /^no readable/);
  });

  it("commands: the output has to contain the text", () => {
    assert.equal(commandCheck("cat m", "byol-ok", { exitCode: 0, output: "byol-ok\n" }).ok, true);
    const bad = commandCheck("cat m", "byol-ok", { exitCode: 1, output: "cat: m: No such file or directory\n" });
    assert.equal(bad.ok, false);
    assert.equal(bad.detail, 'lacks "byol-ok" (exit 1): cat: m: No such file or directory');
  });

  it("finds cloud-init's final message on a console with carriage returns", () => {
    const text =
      "[  OK  ] Started x\r\n[  130.1] cloud-init[612]: Cloud-init v. 22.4.2 finished at Sat, 22 Nov 2025 05:01:02 +0000. Datasource DataSourceConfigDrive [net,ver=2][source=/dev/vda5].  Up 130.05 seconds\r\n";
    assert.match(finalMessage(text)!, /^Cloud-init v\. 22\.4\.2 finished at Sat.*Up 130\.05 seconds$/);
    assert.equal(finalMessage("Cloud-init v. 22.4.2 running 'modules:final'"), undefined);
  });
});

describe("captured: the byoi fixture booted with SeaBIOS and a host-made config drive (scripts/rig/selftest.ts)", () => {
  const text = readFileSync(join(import.meta.dirname, "captured", "byoi-bios-selftest.txt"), "utf8");
  const e: ExpectedSystem = {
    operatingSystem: "byoi_64",
    hostname: "rig-selftest",
    sshKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII6dOY62rRoV54Mi8bby0tTrCSTTmGwsQ/T4WeFBNAN7 other-comment",
    firmware: "bios",
    entries: [],
    diskCount: 1,
  };

  it("passes everything but cloud-init, whose locale module failed in that image", () => {
    const checks = systemChecks(e, parseSections(text));
    assert.deepEqual(
      checks.filter((c) => !c.ok).map((c) => c.name),
      ["cloud-init", "cloud-init datasource"],
    );
    const c = byName(checks);
    assert.equal(c.get("mount /")!.detail, "/dev/vda2 ext4");
    assert.match(c.get("cloud-init")!.detail, /^status: error; .*update-locale/);
    assert.match(c.get("cloud-init datasource")!.detail, /^no readable/, "collected before status.json was");
  });
});

describe("captured: uefi-raid1-default after a byol install, booted through byol's NVRAM entry", () => {
  const text = readFileSync(join(import.meta.dirname, "captured", "uefi-raid1-default.txt"), "utf8");
  const sections = parseSections(text);
  const scenario = parseScenario(
    readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "scenarios", "uefi-raid1-default.json"), "utf8"),
    "uefi-raid1-default.json",
  );
  const key = sections["authorized-keys"]!.trim();
  const request = substitute(scenario.request, {
    IMAGE_URL: "http://10.0.2.100/i",
    IMAGE_SHA512: "0".repeat(128),
    IMAGE_SHA256: "0".repeat(64),
    SSH_PUBKEY: key,
  }) as Record<string, unknown>;
  const e = expectedSystem(request, scenario.machine);

  it("passes the layout, RAID, swap, user data, key and EFI checks; cloud-init failed on the image's locale", () => {
    const checks = systemChecks(e, sections);
    assert.deepEqual(
      checks.filter((c) => !c.ok).map((c) => c.name),
      ["cloud-init", "cloud-init datasource"],
    );
    const c = byName(checks);
    assert.equal(c.get("raid /")!.detail, "md1 raid1 [2/2] [UU] on /dev/vda /dev/vdb");
    assert.equal(c.get("swap")!.detail, "2 active (expected 2): /dev/vda3 /dev/vdb3");
    assert.match(
      c.get("efi boot entry")!.detail,
      /^booted through Boot0001 'byol rig-raid1 \(vdb\)' \/dev\/vda1:\\EFI\\debian\\grubx64\.efi/,
    );
  });

  it("reads the firmware's own entries (UTF-16 leftovers after the device path) without taking them for byol's", () => {
    const v = parseEfibootmgr(sections["efibootmgr"]!);
    assert.equal(v.entries.length, 10);
    assert.deepEqual(
      v.entries.filter((x) => x.partuuid !== undefined).map((x) => x.num),
      ["0001", "0002"],
    );
  });
});

describe("captured: uefi-raid5-xfs-lvm after a byol install (xfs on RAID5, /var on LVM over RAID1)", () => {
  const text = readFileSync(join(import.meta.dirname, "captured", "uefi-raid5-xfs-lvm.txt"), "utf8");
  const sections = parseSections(text);
  const scenario = parseScenario(
    readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "scenarios", "uefi-raid5-xfs-lvm.json"), "utf8"),
    "uefi-raid5-xfs-lvm.json",
  );
  const request = substitute(scenario.request, {
    IMAGE_URL: "http://10.0.2.100/i",
    IMAGE_SHA512: "0".repeat(128),
    IMAGE_SHA256: "0".repeat(64),
    SSH_PUBKEY: sections["authorized-keys"]!.trim(),
  }) as Record<string, unknown>;

  it("passes every check but cloud-init's status (the image's locale module)", () => {
    const checks = systemChecks(expectedSystem(request, scenario.machine), sections);
    assert.deepEqual(
      checks.filter((c) => !c.ok).map((c) => c.name),
      ["cloud-init"],
    );
    const c = byName(checks);
    assert.equal(c.get("raid /")!.detail, "md1 raid5 [3/3] [UUU] on /dev/vda /dev/vdb /dev/vdc");
    assert.equal(c.get("lvm /var")!.detail, "vg/var (/dev/mapper/vg-var) on /dev/md2 raid1");
    assert.equal(c.get("cloud-init datasource")!.detail, "DataSourceConfigDrive [net,ver=2][source=/dev/vda6]");
  });
});

describe("firstMiBCheck (expect.firstMiB no-gpt)", () => {
  const MiB = 1024 * 1024;
  const gpt = (sector: number) => {
    const b = Buffer.alloc(MiB);
    b[446 + 4] = 0xee;
    b[510] = 0x55;
    b[511] = 0xaa;
    b.write("EFI PART", sector, "latin1");
    return b;
  };

  it("passes an all-zero first MiB, and one with data but no GPT header or protective MBR", () => {
    assert.deepEqual(firstMiBCheck("disk0", Buffer.alloc(MiB)), {
      name: "first MiB is no bootable GPT disk0",
      ok: true,
      detail: "all zero",
    });
    const data = Buffer.alloc(MiB, 0x5a);
    assert.equal(firstMiBCheck("disk0", data).ok, true);
  });

  it("fails a GPT (512 or 4096-byte sectors) and a lone protective MBR, saying what it found", () => {
    const c512 = firstMiBCheck("disk0", gpt(512));
    assert.equal(c512.ok, false);
    assert.equal(c512.detail, "found GPT header at LBA 1 (512-byte sectors), protective MBR entry 1");
    assert.match(firstMiBCheck("disk0", gpt(4096)).detail, /GPT header at LBA 1 \(4096-byte sectors\)/);
    const mbrOnly = gpt(512);
    mbrOnly.fill(0, 512, 520);
    assert.deepEqual(firstMiBCheck("disk0", mbrOnly).detail, "found protective MBR entry 1");
  });

  it("the byoi-bad-checksum scenario asks for it; parseScenario refuses another value", () => {
    const file = join(import.meta.dirname, "..", "..", "fixtures", "scenarios", "byoi-bad-checksum.json");
    const text = readFileSync(file, "utf8");
    assert.equal(parseScenario(text, "byoi-bad-checksum.json").expect.firstMiB, "no-gpt");
    const other = JSON.parse(text);
    other.expect.firstMiB = "gpt";
    assert.throws(() => parseScenario(JSON.stringify(other), "x.json"), /expect\.firstMiB/);
  });
});
