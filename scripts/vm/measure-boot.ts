// Measures boot-to-ready of the rescue VM: node scripts/vm/measure-boot.ts [--firmware uefi|bios] [--runs N]
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureRescueImage } from "../rescue/build.ts";
import { bootRescue } from "./rescue-vm.ts";

const { values } = parseArgs({
  options: { firmware: { type: "string", default: "uefi" }, runs: { type: "string", default: "3" } },
});
const firmware = values.firmware === "bios" ? "bios" : "uefi";
const image = await ensureRescueImage();
const times: number[] = [];
for (let i = 0; i < Number(values.runs); i++) {
  const t0 = Date.now();
  await using vm = await bootRescue({
    firmware,
    image,
    disks: [{ sizeGiB: 1 }],
    outDir: join(process.cwd(), "out", "vm"),
    name: `measure-${firmware}`,
  });
  const uptime = (await vm.exec("cut -d' ' -f1 /proc/uptime")).stdout.trim();
  const t1 = Date.now();
  await vm.poweroff();
  times.push(vm.bootMs);
  console.log(
    `${firmware} run ${i + 1}: ready ${(vm.bootMs / 1000).toFixed(1)} s (guest uptime ${uptime} s, ` +
      `setup ${((t1 - t0 - vm.bootMs) / 1000).toFixed(1)} s, poweroff ${((Date.now() - t1) / 1000).toFixed(1)} s)`,
  );
}
console.log(`${firmware}: median ${(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]! / 1000).toFixed(1)} s`);
