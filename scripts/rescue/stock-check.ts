// Boots the stock-like rescue once and checks that it is what a real OVHcloud rescue-customer system is to byol:
// systemd and udev running, a real server's console= on the kernel command line, /dev/fd, no Node and no byol,
// qemu-utils missing, and apt able to install it from the rig's repository. Prints one line per check and a
// JSON verdict; exit 0 only if all passed.
// CLI: node scripts/rescue/stock-check.ts [--out DIR]
import { join } from "node:path";
import { parseArgs } from "node:util";
import { serveFolder } from "../rig/image-server.ts";
import { cacheRoot } from "../vm/cache.ts";
import { bootRescue } from "../vm/rescue-vm.ts";
import { ensureRescueImage } from "./build.ts";

export const REPO_ADDR = { guestAddr: "10.0.2.101", guestPort: 80 };

// [name, shell command in the rescue, what its output must show]
const CHECKS: readonly [string, string, (out: string, code: number) => boolean][] = [
  ["systemd is PID 1", "cat /proc/1/comm", (o) => o.trim() === "systemd"],
  ["udev runs", "systemctl is-active systemd-udevd", (o) => o.trim() === "active"],
  ["real console= on the command line", "cat /proc/cmdline", (o) => o.includes("console=ttyS0,115200n8")],
  ["/dev/fd and /dev/stdin exist", "test -e /dev/fd/0 && test -e /dev/stdin && echo yes", (o) => o.trim() === "yes"],
  ["/dev/disk/by-id links", "ls /dev/disk/by-id/", (o) => o.includes("virtio-byol-rescue-root")],
  ["no Node", "command -v node nodejs; echo rc=$?", (o) => o.trim() === "rc=1"],
  ["no byol", "command -v byol; echo rc=$?", (o) => o.trim() === "rc=1"],
  ["qemu-nbd left out", "command -v qemu-nbd qemu-img; echo rc=$?", (o) => o.trim() === "rc=1"],
  [
    "apt installs qemu-utils from the rig's repository",
    "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends qemu-utils >/dev/null && command -v qemu-nbd",
    (o, c) => c === 0 && o.trim() === "/usr/bin/qemu-nbd",
  ],
];

export async function checkStockRescue(outDir: string, log: (line: string) => void): Promise<boolean> {
  const image = await ensureRescueImage({ flavour: "stock", log });
  await using repo = await serveFolder(image.repo ?? join(image.dir, "repo"));
  await using vm = await bootRescue({
    image,
    firmware: "uefi",
    disks: [{ sizeGiB: 1 }],
    outDir,
    name: "stock-rescue",
    guestForwards: [{ ...REPO_ADDR, hostPort: repo.port }],
    readyTimeoutMs: 300_000,
    log,
  });
  let ok = true;
  for (const [name, command, pass] of CHECKS) {
    const r = await vm.exec(command, { timeoutMs: 300_000 });
    const good = pass(r.stdout, r.exitCode ?? -1);
    ok &&= good;
    log(
      `  ${good ? "PASS" : "FAIL"} ${name}${good ? "" : `: exit ${r.exitCode}, ${(r.stdout + r.stderr).trim().slice(-300)}`}`,
    );
  }
  log(`stock rescue: booted in ${(vm.bootMs / 1000).toFixed(1)} s; repository requests: ${repo.requests.length}`);
  await vm.poweroff();
  return ok;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  const out = values.out ?? join(cacheRoot(), "rig-out", "stock-rescue-check");
  const ok = await checkStockRescue(out, (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${JSON.stringify({ ok })}\n`);
  process.exitCode = ok ? 0 : 1;
}
