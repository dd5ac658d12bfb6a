// Tool output of an installed two-disk RAID1 system as the rig collects it (uefi-raid1-default), and
// variants built from it. Shapes follow Debian 12's util-linux 2.38, mdadm 4.2, lvm2 2.03, efibootmgr 17.
import { SECTION_MARK } from "../../scripts/rig/collect.ts";

export const ESP_TYPE = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
const RAID_TYPE = "a19d880f-05fc-4d3b-a006-743f0f84911e";
const SWAP_TYPE = "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f";

const part = (name: string, partuuid: string, parttype: string, extra: object = {}) => ({
  name,
  type: "part",
  fstype: null,
  mountpoint: null,
  partuuid,
  parttype,
  ...extra,
});
const md = (name: string, level: string, fstype: string, mountpoint: string) => ({
  name,
  type: level,
  fstype,
  mountpoint,
  partuuid: null,
  parttype: null,
});

function disk(d: "a" | "b", esp: string) {
  const mounted = d === "a" ? "/boot/efi" : null;
  return {
    name: `/dev/vd${d}`,
    type: "disk",
    fstype: null,
    mountpoint: null,
    partuuid: null,
    parttype: null,
    children: [
      part(`/dev/vd${d}1`, esp, ESP_TYPE, { fstype: "vfat", mountpoint: mounted }),
      part(`/dev/vd${d}2`, `2222222${d}-0000-4000-8000-000000000000`, RAID_TYPE, {
        fstype: "linux_raid_member",
        children: [md("/dev/md127", "raid1", "ext4", "/boot")],
      }),
      part(`/dev/vd${d}3`, `3333333${d}-0000-4000-8000-000000000000`, SWAP_TYPE, {
        fstype: "swap",
        mountpoint: "[SWAP]",
      }),
      part(`/dev/vd${d}4`, `4444444${d}-0000-4000-8000-000000000000`, RAID_TYPE, {
        fstype: "linux_raid_member",
        children: [md("/dev/md126", "raid1", "ext4", "/")],
      }),
    ],
  };
}

export const ESP_A = "1111111a-0000-4000-8000-000000000000";
export const ESP_B = "1111111b-0000-4000-8000-000000000000";
export const LSBLK = JSON.stringify({ blockdevices: [disk("a", ESP_A), disk("b", ESP_B)] }, null, 3);

export const FINDMNT = JSON.stringify({
  filesystems: [
    { target: "/", source: "/dev/md126", fstype: "ext4" },
    { target: "/sys", source: "sysfs", fstype: "sysfs" },
    { target: "/boot", source: "/dev/md127", fstype: "ext4" },
    { target: "/boot/efi", source: "/dev/vda1", fstype: "vfat" },
  ],
});

export const MDSTAT = `Personalities : [raid1] [linear] [multipath] [raid0] [raid6] [raid5] [raid4] [raid10]
md126 : active raid1 vdb4[1] vda4[0]
      2477056 blocks super 1.2 [2/2] [UU]
      [=======>.............]  resync = 38.2% (946432/2477056) finish=0.5min speed=47321K/sec

md127 : active raid1 vda2[0] vdb2[1]
      1046528 blocks super 1.2 [2/2] [UU]

unused devices: <none>`;

export const SWAPS = `Filename				Type		Size		Used		Priority
/dev/vda3                               partition	1048572		0		-2
/dev/vdb3                               partition	1048572		0		-3`;

export const EFIBOOTMGR = `BootCurrent: 0004
Timeout: 0 seconds
BootOrder: 0004,0005,0001,0000,0002
Boot0000* UiApp	FvVol(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)/FvFile(462caa21-7614-4503-836e-8ab6f4662331)
Boot0001* UEFI Misc Device	PciRoot(0x0)/Pci(0x2,0x0){auto_created_boot_option}
Boot0002* EFI Internal Shell	FvVol(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)/FvFile(7c04a583-9e3e-4f1c-ad65-e05268d0b4d1)
Boot0004* byol rig-raid1 (vda)	HD(1,GPT,${ESP_A},0x800,0x100000)/File(\\EFI\\debian\\grubx64.efi)
Boot0005* byol rig-raid1 (vdb)	HD(1,GPT,${ESP_B},0x800,0x100000)/File(\\EFI\\debian\\grubx64.efi)`;

export const CLOUD_INIT = `status: done
time: Sat, 22 Nov 2025 05:01:02 +0000
detail:
DataSourceConfigDrive [net,ver=2][source=/dev/vda5]
exit=0`;

// Captured: the byoi fixture's cloud-init 22.4 when its locale module failed (no locales in the image).
export const CLOUD_INIT_LOCALE_ERROR = `status: error
boot_status_code: enabled-by-generator
last_update: Sun, 22 Nov 2026 04:23:37 +0000
detail:
('locale', ProcessExecutionError("Unexpected error while running command.\\nCommand: ['update-locale', '--locale-file=/etc/default/locale', 'LANG=en_US.UTF-8']\\nExit code: 255\\nReason: -\\nStdout: -\\nStderr: -"))
exit=1`;

export const STATUS_JSON = `{
 "v1": {
  "datasource": "DataSourceConfigDrive [net,ver=2][source=/dev/vdb]",
  "init": { "errors": [], "finished": 99.9, "recoverable_errors": {}, "start": 98.0 },
  "init-local": { "errors": [], "finished": 74.1, "recoverable_errors": {}, "start": 72.8 },
  "modules-config": { "errors": [], "finished": 160.2, "recoverable_errors": {}, "start": 150.1 },
  "modules-final": { "errors": [], "finished": 176.7, "recoverable_errors": {}, "start": 170.0 },
  "stage": null
 }
}`;

export const USER_DATA = '#cloud-config\nruncmd:\n  - [ sh, -c, "echo byol-ok > /root/byol-marker" ]\n';
export const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJpZy10ZXN0LWtleS1ub3QtcmVhbC0wMDAwMDAwMA byol-vm";

// sha256sum's line for USER_DATA
export const USER_DATA_SUM =
  "cdb81656903feb1a8cda97dcfa7a82e634e9e7739e6744594e7f15da7a23d4b7  /var/lib/cloud/instance/user-data.txt";

export function sections(over: Record<string, string> = {}): Record<string, string> {
  return {
    hostname: "rig-raid1",
    firmware: "uefi",
    findmnt: FINDMNT,
    lsblk: LSBLK,
    swaps: SWAPS,
    mdstat: MDSTAT,
    lvs: "",
    "cloud-init": CLOUD_INIT,
    "cloud-init-status": STATUS_JSON,
    "user-data": USER_DATA_SUM,
    "authorized-keys": `${SSH_KEY}\n`,
    efibootmgr: EFIBOOTMGR,
    ...over,
  };
}

// The same sections as the collect script prints them.
export function asOutput(s: Record<string, string>): string {
  return Object.entries(s)
    .map(([name, text]) => `\n${SECTION_MARK} ${name}\n${text}\n`)
    .join("");
}
