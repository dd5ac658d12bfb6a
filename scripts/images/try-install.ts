// Proves a BYOLinux fixture image works without byol: installs it by hand in a rescue VM (try-install.sh:
// RAID1 root on two disks, rsync, fstab, mdadm.conf, make_image_bootable.sh in a chroot), then boots the
// two disks with the same firmware up to the login prompt. A failure later in byol's own tests is then byol's.
// CLI: node scripts/images/try-install.ts [--firmware uefi|bios] [--image byolinux-debian12] [--no-boot]
import { copyFile, link, mkdir, readFile, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bootRescue } from "../vm/rescue-vm.ts";
import { ensureImage } from "./build.ts";
import { bootDisks } from "./check.ts";
import { imagesDir } from "./images.ts";

const here = dirname(fileURLToPath(import.meta.url));
const say = (line: string) => console.error(line);

export interface TryResult {
  scriptExitCode: number;
  scriptOutput: string;
  bootSeconds?: number;
}

// Installs the image by hand in a rescue VM and (unless boot is false) boots the result.
export async function tryInstall(name: string, firmware: "uefi" | "bios", boot = true): Promise<TryResult> {
  const image = await ensureImage(name, { log: say });
  const outDir = join(imagesDir(), ".try");
  const vmName = `${name}-${firmware}-${process.pid}`;
  const share = join(outDir, `${vmName}-share`);
  await mkdir(share, { recursive: true });
  try {
    await copyFile(join(here, "try-install.sh"), join(share, "try-install.sh"));
    // 9p shares a directory: the image is hard-linked into it rather than sharing the whole cache.
    await link(image.path, join(share, basename(image.path)));
    let result: TryResult;
    {
      await using vm = await bootRescue({
        disks: [{ sizeGiB: 3 }, { sizeGiB: 3 }],
        firmware,
        shares: [{ hostPath: share, tag: "try" }],
        outDir,
        name: vmName,
        keepFiles: true,
        log: say,
      });
      const [d1, d2] = vm.disks;
      const r = await vm.exec(
        [
          "bash",
          "/opt/try/try-install.sh",
          `/opt/try/${basename(image.path)}`,
          firmware,
          d1!.guestDevice,
          d2!.guestDevice,
        ],
        { timeoutMs: 30 * 60_000, onOutput: (chunk) => process.stderr.write(chunk) },
      );
      result = { scriptExitCode: r.exitCode, scriptOutput: r.stdout + r.stderr };
      await vm.poweroff();
    }
    const disks = [0, 1].map((i) => ({ path: join(outDir, vmName, `disk${i}.raw`), format: "raw" as const }));
    if (boot && result.scriptExitCode === 0) {
      const booted = await bootDisks(disks, firmware, { dir: join(outDir, vmName), log: say });
      result.bootSeconds = booted.seconds;
      say(`try-install: the installed system's console: ${booted.consoleLog}`);
      const text = await readFile(booted.consoleLog, "utf8");
      if (!/md0|md127/.test(text)) say("try-install: warning: the console never mentions the md array");
    }
    await rm(join(outDir, vmName), { recursive: true, force: true });
    return result;
  } finally {
    await rm(share, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      firmware: { type: "string", default: "uefi" },
      image: { type: "string", default: "byolinux-debian12" },
      "no-boot": { type: "boolean", default: false },
    },
  });
  if (values.firmware !== "uefi" && values.firmware !== "bios") throw new Error("--firmware must be uefi or bios");
  const r = await tryInstall(values.image, values.firmware, !values["no-boot"]);
  say(
    `try-install: script exit code ${r.scriptExitCode}${r.bootSeconds ? `, login prompt after ${r.bootSeconds} s` : ""}`,
  );
  process.exitCode = r.scriptExitCode === 0 ? 0 : 1;
}
