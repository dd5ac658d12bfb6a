// The one set of esbuild options for everything byol bundles: dist/byol.mjs and the script of
// dist/byol (scripts/build.ts), and the bench's runners (scripts/bench). A bundle is one file with
// every dependency inside, for Node 24, and knows which byol it is (agent/version.ts).

import { type BuildOptions, build } from "esbuild";
import { checkoutVersion } from "../agent/version.ts";

const repo = new URL("..", import.meta.url).pathname;

export interface BundleOptions {
  entry: string; // a .ts file
  outfile: string;
  // esm: run by node (a require() is provided for dependencies that still use it); cjs: the main
  // script of a single executable application, which Node 24 loads as CommonJS only
  format?: "esm" | "cjs";
  shebang?: boolean; // #!/usr/bin/env node, for an esm bundle run as a program
}

export function bundleOptions(o: BundleOptions): BuildOptions {
  const format = o.format ?? "esm";
  const { version, commit } = checkoutVersion(repo);
  const requireShim =
    "import { createRequire as __byolCreateRequire } from 'node:module';\nconst require = __byolCreateRequire(import.meta.url);";
  const banner = format === "esm" ? `${o.shebang ? "#!/usr/bin/env node\n" : ""}${requireShim}` : "";
  return {
    entryPoints: [o.entry],
    outfile: o.outfile,
    bundle: true,
    platform: "node",
    target: "node24",
    format,
    // constant-folds the version defines, so the checkout fallback (git, package.json) is left out
    minifySyntax: true,
    define: {
      __BYOL_VERSION__: JSON.stringify(version),
      __BYOL_COMMIT__: JSON.stringify(commit),
      // CommonJS has no import.meta: its __filename and __dirname say the same
      ...(format === "cjs" && { "import.meta.url": "importMetaUrl", "import.meta.dirname": "importMetaDirname" }),
    },
    ...(format === "cjs" && { inject: [new URL("./cjs-import-meta.ts", import.meta.url).pathname] }),
    ...(banner !== "" && { banner: { js: banner } }),
    legalComments: "none",
    logLevel: "warning",
  };
}

export async function bundle(o: BundleOptions): Promise<string> {
  await build(bundleOptions(o));
  return o.outfile;
}
