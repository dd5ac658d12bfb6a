// The config drive's filesystem: format it with the given mkfs.vfat, then copy cloud-init's
// OpenStack files onto it with mtools, so no vfat mount is needed (BYOI passes DISK@@OFFSET).
// The files are staged in a private directory in RAM, removed afterwards; the user data
// is a secret, so it only ever appears as file contents, never on an argv or in a log.

import { mkdir, mkdtempDisposable, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import type { ConfigDriveStep } from "../plan/types.ts";
import type { ConfigDriveFile } from "./files.ts";

const STAGING = "/dev/shm/byol-config-drive-";

export async function writeConfigDrive(
  ctx: RunContext,
  step: Pick<ConfigDriveStep, "id" | "commands" | "device">,
  files: readonly ConfigDriveFile[],
): Promise<void> {
  const device = step.device;
  markDisksWritten(ctx);
  try {
    for (const argv of step.commands) await ctx.runner.run(argv, { step: step.id });
    await using staging = await mkdtempDisposable(STAGING); // mode 0700
    for (const file of files) {
      const path = join(staging.path, file.path);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(path, file.data, { mode: file.secret ? 0o600 : 0o644 });
    }
    const tops = [...new Set(files.map((f) => f.path.split("/")[0] as string))];
    for (const top of tops) {
      await ctx.runner.run(["mcopy", "-s", "-i", device, join(staging.path, top), "::/"], {
        step: step.id,
        env: { MTOOLS_SKIP_CHECK: "1" },
      });
    }
    ctx.log.info({ step: step.id, files: files.map((f) => f.path) }, "config drive written");
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new InstallError("config-drive", step.id, `Could not create configdrive on disk. (${detail})`, {
      cause: error,
    });
  }
}
