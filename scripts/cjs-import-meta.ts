// Injected into the CommonJS bundle (the script of dist/byol) by scripts/bundle.ts: what
// import.meta.url and import.meta.dirname are in an ES module. In a single executable both name
// the executable itself.
import { pathToFileURL } from "node:url";

export const importMetaUrl = pathToFileURL(__filename).href;
export const importMetaDirname = __dirname;
