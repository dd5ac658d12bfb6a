// What the chroot for make_image_bootable.sh gets, as data: the environment of a booted Debian
// system, whatever the rescue system has. A rescue with a custom init (no systemd, maybe no udev)
// lacks /dev/fd and /dev/std* (bash's process substitution needs /dev/fd), /dev/disk/by-* and a
// devpts; the chroot gets them anyway. Pure: facts about the rescue in, ordered actions out; the
// teardown is the exact reverse of the actions that ran.

// What the rescue system has, looked up before planning (paths on the rescue system).
export interface RescueFacts {
  dev: string; // the rescue's /dev (a parameter so tests can stand in a /dev of their own)
  devEntries: ReadonlySet<string>; // names present directly in `dev`: fd, stdin, pts, shm, disk, …
  devPtsMounted: boolean; // `${dev}/pts` is a devpts mount
  efivars: boolean; // /sys/firmware/efi/efivars exists (booted with UEFI)
  mdstat: boolean; // /proc/mdstat exists (the md module is loaded)
  run: boolean; // /run is a directory
}

// `target` is a path inside the chroot. "dev-*" actions change the rescue's own /dev through the
// bind (same directory), so each is undone; mounts over the bound /dev are the chroot's only,
// because the bind is a slave (no propagation back to the rescue).
export type ChrootAction =
  | { kind: "bind"; source: string; target: string }
  | { kind: "mount"; fstype: "devpts" | "tmpfs"; target: string; options: string }
  | { kind: "dev-mkdir"; target: string }
  | { kind: "dev-symlink"; target: string; link: string }
  | { kind: "disk-links"; target: string }
  // a kernel module loaded so that `target` exists in the chroot's /proc; nothing to undo
  | { kind: "kernel-module"; module: string; target: string };

// The links systemd creates in /dev on every boot (tmpfiles' static nodes; bash and many
// scripts need them).
export const DEV_LINKS: readonly (readonly [string, string])[] = [
  ["fd", "/proc/self/fd"],
  ["stdin", "/proc/self/fd/0"],
  ["stdout", "/proc/self/fd/1"],
  ["stderr", "/proc/self/fd/2"],
];

const DEVPTS_OPTIONS = "newinstance,ptmxmode=0666,mode=0620,gid=5";
const SHM_OPTIONS = "mode=1777,nosuid,nodev";
const RUN_OPTIONS = "mode=0755,nosuid,nodev";
const TMP_OPTIONS = "mode=1777,nosuid,nodev";
const DISK_OPTIONS = "mode=0755,nosuid,noexec";

export function planChroot(facts: RescueFacts): ChrootAction[] {
  const has = (name: string) => facts.devEntries.has(name);
  const devDir = (name: string): ChrootAction[] => (has(name) ? [] : [{ kind: "dev-mkdir", target: `/dev/${name}` }]);
  const actions: ChrootAction[] = [{ kind: "bind", source: facts.dev, target: "/dev" }];
  // A bound devpts when the rescue has one (ptys the rescue's tools already use), else a private one.
  if (facts.devPtsMounted) actions.push({ kind: "bind", source: `${facts.dev}/pts`, target: "/dev/pts" });
  else actions.push(...devDir("pts"), { kind: "mount", fstype: "devpts", target: "/dev/pts", options: DEVPTS_OPTIONS });
  // Never the rescue's /dev/shm: it holds the downloaded image.
  actions.push(...devDir("shm"), { kind: "mount", fstype: "tmpfs", target: "/dev/shm", options: SHM_OPTIONS });
  for (const [name, link] of DEV_LINKS) {
    if (!has(name)) actions.push({ kind: "dev-symlink", target: `/dev/${name}`, link });
  }
  // With udev the rescue's links are seen through the bind; without, byol writes them from lsblk.
  if (!has("disk")) {
    actions.push(
      { kind: "dev-mkdir", target: "/dev/disk" },
      { kind: "mount", fstype: "tmpfs", target: "/dev/disk", options: DISK_OPTIONS },
      { kind: "disk-links", target: "/dev/disk" },
    );
  }
  // A Debian system with mdadm has /proc/mdstat (its initramfs loads md), and scripts rely on it:
  // Debian's `mkconf`, which OVH's own make_image_bootable.sh runs under `set -e`, exits 1 without it.
  // A rescue that never saw an array (one disk, no RAID) has not loaded md: it is loaded here.
  if (!facts.mdstat) actions.push({ kind: "kernel-module", module: "md_mod", target: "/proc/mdstat" });
  actions.push({ kind: "bind", source: "/proc", target: "/proc" }, { kind: "bind", source: "/sys", target: "/sys" });
  if (facts.efivars) {
    const efivars = "/sys/firmware/efi/efivars";
    actions.push({ kind: "bind", source: efivars, target: efivars });
  }
  actions.push(
    facts.run
      ? { kind: "bind", source: "/run", target: "/run" }
      : { kind: "mount", fstype: "tmpfs", target: "/run", options: RUN_OPTIONS },
    // The script's temporary files stay out of the installed system, as on a tmpfs /tmp.
    { kind: "mount", fstype: "tmpfs", target: "/tmp", options: TMP_OPTIONS },
  );
  return actions;
}

// The command that performs a mount action; binds are slaves so nothing mounted over them in the
// chroot (devpts, the /dev/shm tmpfs, efivars) propagates back into the rescue system.
export function mountArgv(action: Extract<ChrootAction, { kind: "bind" | "mount" }>, path: string): string[] {
  if (action.kind === "bind") return ["mount", "--bind", "--make-slave", action.source, path];
  return ["mount", "-t", action.fstype, "-o", action.options, `byol-${action.fstype}`, path];
}
