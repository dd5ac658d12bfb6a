// Checks a built fixture image on the host, without byol, so a failing install later is byol's fault:
// its real format, its partition table, and the files in its file systems (read-only loop mounts at an
// offset, which the host kernel allows without partition support). byoi images can also be booted in QEMU.
import { spawn } from "node:child_process";
import { access, constants, mkdir, mkdtemp, open, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { track } from "../vm/cleanup.ts";
import { consoleHas, consoleTail } from "../vm/console-log.ts";
import { ovmfFor } from "../vm/ovmf.ts";
import { type BuiltImage, imageSpec, imagesDir } from "./images.ts";
import { byoiLayoutProblems, byolinuxLayoutProblems, type GptPartition, parseSgdiskPrint } from "./layout.ts";

type Log = (line: string) => void;

// Runs every check of the named image; throws one error listing all problems found.
export async function checkImage(name: string, image: BuiltImage, log: Log): Promise<void> {
  const spec = imageSpec(name);
  const problems: string[] = [];
  const work = await mkdtemp(join(imagesDir(), `.check-${name}-`));
  try {
    const info = JSON.parse((await execa("qemu-img", ["info", "--output=json", image.path])).stdout) as {
      format: string;
      "backing-filename"?: string;
    };
    if (info.format !== image.format) problems.push(`qemu-img sees ${info.format}, expected ${image.format}`);
    if (info["backing-filename"] !== undefined) problems.push("it has a backing file");
    const raw = image.format === "raw" ? image.path : join(work, "disk.raw");
    if (raw !== image.path) await execa("qemu-img", ["convert", "-O", "raw", image.path, raw]);
    const table = (await execa("sgdisk", ["-p", raw])).stdout;
    const parts = parseSgdiskPrint(table);
    log(`check ${name}: ${parts.map((p) => `p${p.number} ${p.code} ${p.name}`).join(", ")}`);
    if (spec.kind === "byolinux") {
      problems.push(...byolinuxLayoutProblems(parts));
      if (parts.length === 1) {
        const fsType = await probe(raw, parts[0]!, "TYPE");
        if (fsType !== spec.fileSystem) problems.push(`partition 1 is '${fsType}', expected ${spec.fileSystem}`);
        await withMount(raw, parts[0]!, work, async (root) => {
          problems.push(...(await byolinuxTreeProblems(root, spec.script.endsWith("fails.sh"), spec.recipe)));
        });
      }
    } else {
      problems.push(...byoiLayoutProblems(parts));
      const esp = parts.find((p) => p.number === 1);
      const rootPart = parts.find((p) => p.number === 2);
      if (esp !== undefined && rootPart !== undefined) problems.push(...(await byoiProblems(raw, esp, rootPart, work)));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (problems.length > 0) throw new Error(`check ${name}: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  log(`check ${name}: ok`);
}

// blkid's view of the file system in one partition of a raw disk image.
async function probe(raw: string, p: GptPartition, tag: "TYPE" | "UUID"): Promise<string> {
  const args = ["-p", "-O", String(p.startSector * 512), "-S", String(sizeOf(p)), "-s", tag, "-o", "value", raw];
  const r = await execa("blkid", args, { reject: false });
  return r.stdout.trim();
}

function sizeOf(p: GptPartition): number {
  return (p.endSector - p.startSector + 1) * 512;
}

// Mounts one partition of a raw image read-only (loop with offset), runs fn, and always unmounts.
async function withMount<T>(raw: string, p: GptPartition, work: string, fn: (root: string) => Promise<T>): Promise<T> {
  const mnt = join(work, `p${p.number}`);
  await mkdir(mnt);
  const options = `ro,loop,offset=${p.startSector * 512},sizelimit=${sizeOf(p)}`;
  await execa("mount", ["-o", options, raw, mnt]);
  try {
    return await fn(mnt);
  } finally {
    await execa("umount", [mnt]);
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

// What byol and OVH expect inside a BYOLinux image's one file system.
async function byolinuxTreeProblems(root: string, failing: boolean, recipe?: "ovh"): Promise<string[]> {
  const problems: string[] = [];
  const script = join(root, "root/.ovh/make_image_bootable.sh");
  const info = await stat(script).catch(() => undefined);
  if (info === undefined || !info.isFile()) problems.push("/root/.ovh/make_image_bootable.sh is missing");
  else {
    if ((info.mode & 0o777) !== 0o755)
      problems.push(`make_image_bootable.sh has mode ${(info.mode & 0o777).toString(8)}`);
    if (info.uid !== 0) problems.push("make_image_bootable.sh is not owned by root");
    const text = await readFile(script, "utf8");
    if (failing !== /^exit 1$/m.test(text))
      problems.push(`make_image_bootable.sh is not the ${failing ? "failing" : "working"} one`);
  }
  const fstab = await readFile(join(root, "etc/fstab"), "utf8");
  if (fstab.split("\n").some((l) => l.trim() !== "" && !l.trim().startsWith("#")))
    problems.push("/etc/fstab has entries");
  problems.push(...(await systemProblems(root, recipe)));
  if (recipe === "ovh") problems.push(...(await ovhRecipeProblems(root)));
  return problems;
}

// What ovh-recipe.sh leaves, as OVH's Debian 12 recipe does: GRUB's packages only in the apt cache
// (with the lists to install them offline), GRUB's files as a booted cloud image has them, no
// growpart/resizefs/grub-dpkg in cloud-init.
async function ovhRecipeProblems(root: string): Promise<string[]> {
  const problems: string[] = [];
  const archives = await readdir(join(root, "var/cache/apt/archives")).catch(() => []);
  const status = await readFile(join(root, "var/lib/dpkg/status"), "utf8");
  for (const pkg of ["grub-pc", "grub-efi-amd64"]) {
    if (!archives.some((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb")))
      problems.push(`no ${pkg} .deb in the apt cache`);
    if (
      status.split("\n\n").some((p) => p.startsWith(`Package: ${pkg}\n`) && /^Status: install ok installed$/m.test(p))
    )
      problems.push(`${pkg} is installed (the recipe only downloads it)`);
  }
  if ((await readdir(join(root, "var/lib/apt/lists")).catch(() => [])).every((f) => !f.endsWith("_Packages")))
    problems.push("no apt package lists (the offline install needs them)");
  for (const f of ["boot/grub/grub.cfg", "boot/grub/i386-pc/core.img", "boot/efi/EFI/debian/grubx64.efi"]) {
    if (!(await exists(join(root, f)))) problems.push(`/${f} is missing`);
  }
  const cloud = await readFile(join(root, "etc/cloud/cloud.cfg"), "utf8");
  for (const m of ["growpart", "resizefs", "grub-dpkg", "grub_dpkg"]) {
    if (new RegExp(`^ *- ${m}$`, "m").test(cloud)) problems.push(`cloud-init still runs ${m}`);
  }
  return problems;
}

// What every image's Debian system must have, whatever its disk layout.
async function systemProblems(root: string, recipe?: "ovh"): Promise<string[]> {
  const problems: string[] = [];
  const machineId = await stat(join(root, "etc/machine-id")).catch(() => undefined);
  // OVH's recipe removes it (make_image_bootable.sh's systemd-machine-id-setup writes it); ours empties it.
  if (recipe === "ovh" ? machineId !== undefined : machineId?.size !== 0)
    problems.push(recipe === "ovh" ? "/etc/machine-id is there" : "/etc/machine-id is not empty");
  const shadowRoot = (await readFile(join(root, "etc/shadow"), "utf8")).split("\n").find((l) => l.startsWith("root:"));
  if (!shadowRoot?.split(":")[1]?.startsWith("!")) problems.push("root's password is not locked");
  if ((await readdir(join(root, "etc/ssh"))).some((f) => f.startsWith("ssh_host_")))
    problems.push("SSH host keys are baked in");
  const cloud = await readFile(join(root, "etc/cloud/cloud.cfg.d/99_byol.cfg"), "utf8").catch(() => "");
  if (!/datasource_list: \[ ConfigDrive, None \]/.test(cloud))
    problems.push("cloud-init's datasource_list is not ConfigDrive, None");
  if (!/disable_root: false/.test(cloud)) problems.push("cloud-init would refuse root's key (disable_root)");
  const grub = await readFile(join(root, "etc/default/grub"), "utf8").catch(() => "");
  // OVH's recipe: GRUB's default file with its options and no console=; the script adds the rescue's.
  const cmdline =
    recipe === "ovh"
      ? 'GRUB_CMDLINE_LINUX="nomodeset iommu=pt net.ifnames=0"'
      : 'GRUB_CMDLINE_LINUX="console=ttyS0,115200 net.ifnames=0"';
  if (!grub.includes(cmdline)) problems.push(`/etc/default/grub lacks ${cmdline}`);
  const getty = join(root, "etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service");
  if (!(await exists(getty))) problems.push("no serial getty on ttyS0");
  const kernels = (await readdir(join(root, "lib/modules"))).filter((k) => !k.startsWith("."));
  if (kernels.length !== 1) problems.push(`expected one kernel, found ${kernels.join(" ") || "none"}`);
  for (const k of kernels) {
    for (const m of [
      "drivers/md/md-mod.ko",
      "drivers/md/raid1.ko",
      "drivers/md/raid456.ko",
      "drivers/md/raid10.ko",
      "drivers/block/virtio_blk.ko",
      "fs/xfs/xfs.ko",
      "fs/btrfs/btrfs.ko",
    ]) {
      if (!(await exists(join(root, "lib/modules", k, "kernel", m)))) problems.push(`kernel ${k} lacks ${m}`);
    }
    if (!(await exists(join(root, "boot", `initrd.img-${k}`)))) problems.push(`no initrd for ${k}`);
  }
  for (const dir of ["usr/lib/grub/x86_64-efi", "usr/lib/grub/i386-pc", "usr/share/mdadm"]) {
    if (!(await exists(join(root, dir)))) problems.push(`/${dir} is missing`);
  }
  for (const bin of [
    "usr/sbin/grub-install",
    "usr/sbin/update-grub",
    "sbin/mdadm",
    "usr/sbin/update-initramfs",
    "usr/bin/cloud-init",
    "usr/sbin/sshd",
    "usr/bin/growpart",
    "usr/bin/sudo",
  ]) {
    if (
      !(await access(join(root, bin), constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      problems.push(`/${bin} is missing`);
  }
  if (await exists(join(root, "usr/share/man/man1"))) problems.push("man pages are installed");
  return problems;
}

// The BYOI image: ESP loaders and their grub.cfg naming the root's UUID, fstab by UUID, GRUB in the MBR.
async function byoiProblems(raw: string, esp: GptPartition, rootPart: GptPartition, work: string): Promise<string[]> {
  const problems: string[] = [];
  const rootUuid = await probe(raw, rootPart, "UUID");
  const espUuid = await probe(raw, esp, "UUID");
  if ((await probe(raw, rootPart, "TYPE")) !== "ext4") problems.push("partition 2 is not ext4");
  if ((await probe(raw, esp, "TYPE")) !== "vfat") problems.push("partition 1 is not vfat");
  const img = `${raw}@@${esp.startSector * 512}`;
  for (const f of ["::/EFI/debian/grubx64.efi", "::/EFI/BOOT/BOOTX64.EFI"]) {
    if ((await execa("mdir", ["-i", img, f], { reject: false })).exitCode !== 0) problems.push(`ESP lacks ${f}`);
  }
  for (const f of ["::/EFI/debian/grub.cfg", "::/EFI/BOOT/grub.cfg"]) {
    const r = await execa("mtype", ["-i", img, f], { reject: false });
    if (r.exitCode !== 0 || !r.stdout.includes(`search.fs_uuid ${rootUuid} root`))
      problems.push(`${f} does not find the root by UUID ${rootUuid}`);
  }
  const mbr = Buffer.alloc(512);
  const fh = await open(raw);
  try {
    await fh.read(mbr, 0, 512, 0);
  } finally {
    await fh.close();
  }
  if (!mbr.includes("GRUB")) problems.push("the MBR has no GRUB boot code");
  await withMount(raw, rootPart, work, async (root) => {
    const fstab = await readFile(join(root, "etc/fstab"), "utf8");
    if (!fstab.includes(`UUID=${rootUuid} / ext4`)) problems.push("fstab does not mount / by UUID");
    if (!fstab.includes(`UUID=${espUuid} /boot/efi vfat`)) problems.push("fstab does not mount /boot/efi by UUID");
    const cfg = await readFile(join(root, "boot/grub/grub.cfg"), "utf8").catch(() => "");
    if (!cfg.includes(`root=UUID=${rootUuid}`)) problems.push("/boot/grub/grub.cfg does not boot root=UUID");
    if (await exists(join(root, "root/.ovh"))) problems.push("a BYOI image carries /root/.ovh");
    problems.push(...(await systemProblems(root)));
  });
  return problems;
}

/** What a boot check saw. */
export interface BootResult {
  firmware: "bios" | "uefi";
  /** Wall time from QEMU start to the marker on the serial console. */
  seconds: number;
  consoleLog: string;
}

/** A disk to boot from (the first) or to attach. */
export interface BootDisk {
  path: string;
  format: "raw" | "qcow2";
}

// Boots disks in QEMU (TCG, throw-away writes, the first disk first) until `marker` is on the serial console:
// a whole-disk image (BYOI), or the disks of an install.
export async function bootDisks(
  disks: readonly BootDisk[],
  firmware: "bios" | "uefi",
  opts: { marker?: string; timeoutMs?: number; dir: string; log: Log },
): Promise<BootResult> {
  const marker = opts.marker ?? " login:";
  const consoleLog = join(opts.dir, `boot-${firmware}.log`);
  await mkdir(opts.dir, { recursive: true });
  await rm(consoleLog, { force: true });
  const args = ["-accel", "tcg", "-machine", "q35", "-cpu", "max", "-smp", "2", "-m", "1024M"];
  args.push("-nodefaults", "-display", "none", "-no-reboot", "-monitor", "none");
  args.push("-chardev", `file,id=con0,path=${consoleLog}`, "-serial", "chardev:con0");
  if (firmware === "uefi") {
    const ovmf = await ovmfFor(opts.dir);
    args.push("-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${ovmf.code}`);
    args.push("-drive", `if=pflash,format=raw,unit=1,file=${ovmf.vars}`);
  }
  disks.forEach((d, i) => {
    args.push("-drive", `file=${d.path},if=none,id=d${i},format=${d.format},snapshot=on`);
    args.push("-device", `virtio-blk-pci,drive=d${i}${i === 0 ? ",bootindex=0" : ""}`);
  });
  args.push("-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0");
  const started = Date.now();
  opts.log(`boot ${firmware}: qemu-system-x86_64 ${args.join(" ")}`);
  const qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  qemu.stderr?.on("data", (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-2000);
  });
  const untrack = track({ kill: () => qemu.kill("SIGKILL"), paths: [] });
  const exited = new Promise<void>((res) => qemu.once("exit", () => res()));
  try {
    const deadline = started + (opts.timeoutMs ?? 360_000);
    while (Date.now() < deadline) {
      if (await consoleHas(consoleLog, marker)) {
        const seconds = Math.round((Date.now() - started) / 1000);
        opts.log(`boot ${firmware}: '${marker.trim()}' after ${seconds} s`);
        return { firmware, seconds, consoleLog };
      }
      if (qemu.exitCode !== null || qemu.signalCode !== null) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(
      `boot ${firmware}: no '${marker.trim()}' on the console (${consoleLog})\n${stderr}\n${await consoleTail(consoleLog)}`,
    );
  } finally {
    if (qemu.exitCode === null && qemu.signalCode === null) qemu.kill("SIGKILL");
    await exited;
    untrack();
  }
}
