// Step "configure": the installed system's /etc/fstab by UUID (every filesystem of the layout,
// swap and the ESP included, plus the image's own lines that are not about its old disk nor a
// mount point of a ZFS dataset, which has no line: zfs-mount mounts it),
// /etc/mdadm/mdadm.conf with this install's arrays, /etc/hostname and the 127.0.1.1 line of /etc/hosts.

import { InstallError } from "../errors.ts";
import type { RunContext, StepInputs } from "../exec/context.ts";
import { readInRoot, writeInRoot } from "../image/files.ts";
import { buildFstab, type FstabLine } from "../image/fstab.ts";
import { hostnameFile, hostsWith } from "../image/hostname.ts";
import { buildMdadmConf } from "../image/mdadm-conf.ts";
import type { ConfigureStep } from "../plan/types.ts";

export async function run(
  ctx: RunContext,
  step: ConfigureStep,
  inputs: { plan: Pick<StepInputs["plan"], "targetRoot"> },
): Promise<void> {
  const root = inputs.plan.targetRoot;
  const lines: FstabLine[] = [];
  for (const e of step.fstab) {
    const { device, mountPoint, fileSystem, options, dump, pass } = e;
    lines.push({ uuid: await uuidOf(ctx, step.id, device), mountPoint, fileSystem, options, dump, pass });
  }
  const imageFstab = await readInRoot(root, "etc/fstab", step.id);
  await writeInRoot(root, "etc/fstab", buildFstab(lines, imageFstab, step.zfsMountPoints), step.id);

  if (step.mdadmConf) {
    const scan = await ctx.runner.run(["mdadm", "--detail", "--scan"], { step: step.id });
    const imageConf = await readInRoot(root, "etc/mdadm/mdadm.conf", step.id);
    await writeInRoot(root, "etc/mdadm/mdadm.conf", buildMdadmConf(imageConf, scan.stdout), step.id);
  }

  if (step.hostname !== undefined) {
    await writeInRoot(root, "etc/hostname", hostnameFile(step.hostname), step.id);
    const hosts = await readInRoot(root, "etc/hosts", step.id);
    await writeInRoot(root, "etc/hosts", hostsWith(hosts, step.hostname), step.id);
  }
}

// The filesystem UUID, read from the device itself (no blkid cache: it may predate our mkfs).
async function uuidOf(ctx: RunContext, step: string, device: string): Promise<string> {
  const r = await ctx.runner.run(["blkid", "-c", "/dev/null", "-s", "UUID", "-o", "value", device], {
    step,
    okExitCodes: [0, 2],
  });
  const uuid = r.stdout.trim();
  if (uuid === "") throw new InstallError("configure", step, `${device} has no filesystem UUID for /etc/fstab`);
  return uuid;
}
