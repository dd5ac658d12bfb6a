// Bundles the agent into one file, dist/byol.mjs: the file shipped to rescue systems,
// which have Node 24 but no node_modules.

import { statSync } from "node:fs";
import { build } from "esbuild";

const outfile = "dist/byol.mjs";
await build({
  entryPoints: ["agent/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  // some dependencies still use require(); give the ESM bundle a working one
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __byolCreateRequire } from 'node:module';\nconst require = __byolCreateRequire(import.meta.url);",
  },
  legalComments: "none",
  logLevel: "warning",
});
console.log(`built ${outfile} (${(statSync(outfile).size / 1024).toFixed(0)} KiB)`);
