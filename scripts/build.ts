// npm run build: dist/byol.mjs, the bundle for a machine with Node 24, and dist/byol, one
// linux-x64 executable with Node inside for a rescue system without Node (scripts/sea.ts).

import { statSync } from "node:fs";
import { bundle } from "./bundle.ts";
import { buildExecutable } from "./sea.ts";

const mjs = await bundle({ entry: "agent/main.ts", outfile: "dist/byol.mjs", shebang: true });
console.log(`built ${mjs} (${(statSync(mjs).size / 1024).toFixed(0)} KiB)`);
if (!process.argv.includes("--mjs-only")) {
  const exe = await buildExecutable({ entry: "agent/main.ts", outfile: "dist/byol" });
  console.log(`built ${exe} (${(statSync(exe).size / 1024 ** 2).toFixed(0)} MiB)`);
}
