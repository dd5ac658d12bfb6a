// Writes scripts/rescue/packages.txt from the one package list, agent/preflight/packages.json
// (byol preflight installs from the same list). Run after editing that file:
//   node scripts/rescue/packages.ts
import { writeFile } from "node:fs/promises";
import { packagesTxt } from "../../agent/preflight/packages.ts";

const file = new URL("./packages.txt", import.meta.url);
await writeFile(file, packagesTxt());
console.log(`wrote ${file.pathname}`);
