// byol preflight: checks that this machine has what a plan needs (its tools, the kernel features
// behind them, the boot mode, RAM for the image) and, when asked, installs the missing tools with
// apt-get from the one package list (packages.json). Nothing here touches a disk.

import { existsSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { memoryLimitBytes } from "../download/image.ts";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import type { Runner } from "../exec/types.ts";
import { onPath } from "../image/expose.ts";
import type { Plan, PlanStep } from "../plan/types.ts";
import type { Firmware, Inventory } from "../probe/types.ts";
import { type Needs, needsOf } from "./needs.ts";
import { packageOf, packagesOfModule } from "./packages.ts";

export interface MissingTool {
  tool: string;
  package?: string; // undefined: no package known for it
}

export interface PreflightResult {
  ok: boolean;
  missing: MissingTool[];
  packages: string[]; // the packages that provide the missing tools and kernel modules, unique
  kernel: string[]; // kernel features missing: modules that are neither loaded, built in nor installed
  bootMode: Firmware;
  problems: string[]; // one line each; empty when ok
  installed?: string[]; // --install-missing: the packages apt-get installed
}

// What the checks read from the machine; tests give their own.
export interface Host {
  onPath: (program: string) => boolean;
  exists: (path: string) => boolean;
  modules: () => string; // modules.dep and modules.builtin of the running kernel, and /proc/filesystems
  kernelRelease?: () => string; // uname -r; os.release() when absent
}

export const THIS_HOST: Host = { onPath, exists: existsSync, modules: readModuleLists, kernelRelease: release };

export function checkNeeds(
  needs: Needs,
  env: { firmware: Firmware; memoryBytes: number },
  host = THIS_HOST,
): PreflightResult {
  const missing = needs.tools.filter((t) => !host.onPath(t)).map((tool) => withPackage(tool));
  const known = host.modules();
  const kernel = needs.kernel.filter((k) => !host.exists(`/sys/module/${k}`) && !listed(known, k));
  const kernelRelease = (host.kernelRelease ?? release)();
  const packages = [
    ...new Set([
      ...missing.flatMap((m) => (m.package === undefined ? [] : [m.package])),
      ...kernel.flatMap((k) => packagesOfModule(k, kernelRelease)),
    ]),
  ];
  const problems: string[] = [];
  if (missing.length > 0) problems.push(missingLine(missing));
  if (kernel.length > 0) {
    const from = kernel.flatMap((k) => packagesOfModule(k, kernelRelease));
    const hint = from.length > 0 ? `; rerun with --install-missing (${from.join(" ")})` : "";
    problems.push(`the kernel lacks ${kernel.join(", ")} (neither loaded, built in nor installed as modules)${hint}`);
  }
  if (needs.uefi && !host.exists("/sys/firmware/efi/efivars")) {
    problems.push("UEFI boot entries need efivars, and /sys/firmware/efi/efivars is not there");
  }
  if (needs.imageInRam && memoryLimitBytes(env.memoryBytes) <= 0) {
    problems.push(`${env.memoryBytes} bytes of RAM leave no room for an image (the rescue keeps 3 GiB)`);
  }
  return { ok: problems.length === 0, missing, packages, kernel, bootMode: env.firmware, problems };
}

function withPackage(tool: string): MissingTool {
  const pkg = packageOf(tool);
  return pkg === undefined ? { tool } : { tool, package: pkg };
}

// `missing tools: qemu-nbd (qemu-utils), mkfs.xfs (xfsprogs); rerun with --install-missing`
export function missingLine(missing: readonly MissingTool[]): string {
  const each = missing.map((m) => `${m.tool} (${m.package ?? "no Debian package known"})`).join(", ");
  return `missing tools: ${each}; rerun with --install-missing`;
}

// apt-get install of the packages, non-interactive; throws the runner's CommandError on failure.
export async function installPackages(runner: Runner, packages: readonly string[], step = "preflight"): Promise<void> {
  if (packages.length === 0) return;
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  // a rescue system's package lists are often empty (removed to save space): fetch them first
  await runner.run(["apt-get", "update"], { step, env, timeoutMs: 5 * 60_000 });
  await runner.run(["apt-get", "install", "-y", "--no-install-recommends", ...packages], {
    step,
    env,
    timeoutMs: 15 * 60_000,
  });
}

// A module by its name in modules.dep / modules.builtin (with - or _), or a filesystem the kernel has.
function listed(text: string, name: string): boolean {
  const forms = new Set([name, name.replaceAll("_", "-"), name.replaceAll("-", "_")]);
  for (const f of forms) if (text.includes(`/${f}.ko`) || new RegExp(`\\t${f}$`, "m").test(text)) return true;
  return false;
}

function readModuleLists(): string {
  const dir = `/lib/modules/${release()}`;
  const read = (file: string) => {
    try {
      return readFileSync(file, "utf8");
    } catch {
      return "";
    }
  };
  return [read(`${dir}/modules.dep`), read(`${dir}/modules.builtin`), read("/proc/filesystems")].join("\n");
}

export interface PreflightOptions {
  needs: Needs;
  firmware: Firmware;
  memoryBytes: number;
  installMissing: boolean;
  runner: Runner;
  host?: Host;
  step?: string;
}

// The checks; with installMissing, the missing tools' packages installed and everything checked again.
export async function preflight(o: PreflightOptions): Promise<PreflightResult> {
  const env = { firmware: o.firmware, memoryBytes: o.memoryBytes };
  const first = checkNeeds(o.needs, env, o.host);
  if (!o.installMissing || first.packages.length === 0) return first;
  await installPackages(o.runner, first.packages, o.step);
  return { ...checkNeeds(o.needs, env, o.host), installed: first.packages };
}

export const PREFLIGHT_TITLE = "checking the tools, kernel features, boot mode and RAM the install needs";

// install's first step: the same checks, nothing installed; a problem ends the run with exit 3
// before any disk is written.
export async function checkBeforeInstall(
  ctx: RunContext,
  plan: Pick<Plan, "operatingSystem" | "firmware">,
  steps: readonly PlanStep[],
  inventory: Pick<Inventory, "firmware" | "memoryBytes">,
): Promise<void> {
  const needs = needsOf(plan, steps);
  const env = { firmware: inventory.firmware, memoryBytes: inventory.memoryBytes };
  const result = checkNeeds(needs, env);
  if (!result.ok) throw new InstallError("preflight", "preflight", result.problems.join("; "));
  const message = `${needs.tools.length} tools and ${needs.kernel.length} kernel features present; boot mode ${result.bootMode}`;
  ctx.events.emit({ step: "preflight", phase: "log", level: "info", message });
}
