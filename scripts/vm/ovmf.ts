// UEFI firmware from Debian's ovmf package: shared read-only code, a variable store per VM.
import { copyFile } from "node:fs/promises";
import { join } from "node:path";

export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
export const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";

// Copies the empty variable store into dir; efibootmgr entries persist there across reboots of the VM.
export async function ovmfFor(dir: string): Promise<{ code: string; vars: string }> {
  const vars = join(dir, "OVMF_VARS_4M.fd");
  await copyFile(OVMF_VARS, vars);
  return { code: OVMF_CODE, vars };
}
