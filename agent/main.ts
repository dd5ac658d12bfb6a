// byol: runs the command line; agent/commands/dispatch.ts hands it to the command named after it.

import { main } from "./commands/dispatch.ts";
import { exitCodeFor } from "./commands/exit.ts";
import { startInOneArena, wantsOneArena } from "./exec/one-arena.ts";

const args = process.argv.slice(2);
// install, fetch and replay: first start again with one malloc arena (agent/exec/one-arena.ts)
if (wantsOneArena(args, process.env, process.platform)) startInOneArena(args);

// The last line of defence: whatever escapes main() still ends in one line, never a stack trace.
// No top-level await: the single executable (dist/byol) runs this file bundled as CommonJS.
void main(args)
  .catch((error: unknown) => exitCodeFor(error, "byol"))
  .then((code) => {
    process.exitCode = code;
  });
