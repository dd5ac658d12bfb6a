// How to run this byol again: the executable itself inside a single executable application,
// otherwise node with the same flags and entry script (bin/byol.mjs, dist/byol.mjs). The
// arguments that come before byol's own.

import { isSea } from "node:sea";

export function selfArgs(): string[] {
  if (isSea()) return [];
  const script = process.argv[1];
  return script === undefined ? [] : [...process.execArgv, script];
}
