// What the rig reads from inside the installed system, in one SSH round trip: a shell script that prints
// each tool's output under a section marker, and the parser of that output. The checks judge the sections.

export const SECTION_MARK = "@@byol-rig@@";

const SECTIONS: readonly [name: string, command: string][] = [
  ["hostname", "hostname"],
  ["firmware", "if [ -d /sys/firmware/efi ]; then echo uefi; else echo bios; fi"],
  ["findmnt", "findmnt -J -l -o TARGET,SOURCE,FSTYPE"],
  ["lsblk", "lsblk -J -p -o NAME,TYPE,FSTYPE,MOUNTPOINT,PARTUUID,PARTTYPE"],
  ["swaps", "cat /proc/swaps"],
  ["mdstat", "cat /proc/mdstat 2>/dev/null || true"],
  ["lvs", "lvs --reportformat json -o lv_name,vg_name,lv_path 2>/dev/null || true"],
  ["zpool", "if command -v zpool >/dev/null; then zpool status -P; fi"],
  // Each mounted ZFS file system written to, read back and cleaned: "TARGET ok" or "TARGET failed".
  [
    "zfs-write",
    'findmnt -n -l -t zfs -o TARGET | while read -r t; do f="$t/.byol-rig-write"; if echo byol >"$f" && sync && grep -qx byol "$f" && rm "$f"; then echo "$t ok"; else echo "$t failed"; fi; done',
  ],
  ["cloud-init", 'cloud-init status --long 2>&1; echo "exit=$?"'],
  ["cloud-init-status", "cat /run/cloud-init/status.json"],
  ["user-data", "sha256sum /var/lib/cloud/instance/user-data.txt 2>&1 || true"],
  ["authorized-keys", "cat /root/.ssh/authorized_keys 2>&1 || true"],
  ["efibootmgr", "if [ -d /sys/firmware/efi ]; then efibootmgr -v 2>&1; fi"],
];

// The script run with `bash -s` in the installed system; it always exits 0.
export function collectScript(): string {
  const lines = ["export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
  for (const [name, command] of SECTIONS) {
    lines.push(`printf '\\n${SECTION_MARK} %s\\n' '${name}'`, `{ ${command}; } 2>&1`);
  }
  lines.push("exit 0");
  return `${lines.join("\n")}\n`;
}

/** Section name → its text (trimmed). */
export type Sections = Record<string, string>;

// Splits the script's output into sections by their markers.
export function parseSections(output: string): Sections {
  const sections: Sections = {};
  let name: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (name !== undefined) sections[name] = lines.join("\n").trim();
  };
  for (const line of output.replaceAll("\r", "").split("\n")) {
    if (line.startsWith(`${SECTION_MARK} `)) {
      flush();
      name = line.slice(SECTION_MARK.length + 1).trim();
      lines = [];
    } else if (name !== undefined) lines.push(line);
  }
  flush();
  return sections;
}
