// npm run test:vm [-- [--no-build] [--extended] [--zfs] [--name REGEX] <substring>...]: boots one rescue VM as test/vm/machine.json
// describes and runs every test/vm/**/*.vmtest.ts inside it with node --test, the repo mounted read-only at /opt/byol.
// --zfs boots the rescue with ZFS (built once; its zfs modules' first dkms build is long), where
// test/vm/zfs.vmtest.ts runs instead of skipping: npm run test:vm -- --zfs zfs
import { existsSync } from "node:fs";
import { glob } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureRescueImage } from "../rescue/build.ts";
import { ensureBundle } from "../rig/agent-bundle.ts";
import { readMachine } from "./machine.ts";
import { commandLine } from "./quote.ts";
import { bootRescue } from "./rescue-vm.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const say = (line: string) => console.error(`test:vm: ${line}`);

async function main(): Promise<number> {
  const { values, positionals: filters } = parseArgs({
    options: {
      "no-build": { type: "boolean", default: false },
      extended: { type: "boolean", default: false },
      zfs: { type: "boolean", default: false },
      // only the tests whose name matches (node --test-name-pattern), e.g. --name 'attach|copy'
      name: { type: "string" },
    },
    allowPositionals: true,
  });
  const files: string[] = [];
  for await (const f of glob("test/vm/**/*.vmtest.ts", { cwd: repo })) {
    // test/vm/extended/: long tiers outside CI, run only with --extended (npm run test:vm -- --extended crash)
    if (f.includes("/extended/") && !values.extended) continue;
    if (filters.length === 0 || filters.some((s) => f.includes(s))) files.push(f);
  }
  files.sort();
  if (files.length === 0) {
    say(`no test/vm/**/*.vmtest.ts matches ${filters.join(" ")}`);
    return 1;
  }

  const image = await ensureRescueImage({ log: say, zfs: values.zfs });
  const bundle = join(repo, "dist", "byol.mjs");
  // The tests run the bundle, so it is rebuilt each run: a stale one would test old code.
  if (!values["no-build"]) {
    await ensureBundle(repo, say);
  } else if (!existsSync(bundle)) {
    say(`--no-build, but ${bundle} is missing: run npm run build`);
    return 1;
  }

  const machine = await readMachine(join(repo, "test", "vm", "machine.json"), repo);
  await using vm = await bootRescue({ ...machine, image, outDir: join(repo, "out", "vm"), name: "test-vm", log: say });
  say(`boot to ready: ${(vm.bootMs / 1000).toFixed(1)} s; console log: ${vm.consoleLog}`);

  const disks = vm.disks.map(({ serial, guestDevice, guestById, sizeBytes, logicalBlockSize, bus }) => ({
    serial,
    guestDevice,
    guestById,
    sizeBytes,
    logicalBlockSize,
    ...(bus === "usb" && { removable: true }),
  }));
  const names = values.name === undefined ? [] : [`--test-name-pattern=${values.name}`];
  const env = [`BYOL_VM=1`, `BYOL_VM_FIRMWARE=${machine.firmware}`, `BYOL_VM_DISKS=${JSON.stringify(disks)}`];
  const command = `cd /opt/byol && ${commandLine(["env", ...env, "node", "--test", "--test-reporter=spec", ...names, ...files])}`;
  say(`running ${files.length} file(s) in the VM: ${files.join(" ")}`);
  const started = Date.now();
  const result = await vm.exec(command, {
    timeoutMs: Number(process.env["BYOL_VM_TEST_TIMEOUT_MS"] ?? 45 * 60_000),
    onOutput: (chunk) => process.stdout.write(chunk),
  });
  say(`tests finished in ${((Date.now() - started) / 1000).toFixed(1)} s with exit code ${result.exitCode}`);
  if (result.timedOut) say("the tests timed out");
  if (result.exitCode !== 0) {
    // What the VM looked like when tests failed: memory, and whether the kernel killed anything.
    const state = await vm.exec(
      "free -m; df -m /dev/shm /run /tmp; dmesg | grep -iE 'out of memory|oom|killed process|segfault' | tail -20",
      {
        timeoutMs: 60_000,
      },
    );
    say(`VM state after the failure:\n${state.stdout}${state.stderr}`);
  }
  await vm.poweroff();
  return result.exitCode === 0 ? 0 : 1;
}

process.exitCode = await main().catch((err: unknown) => {
  say(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return 1;
});
