// byol: runs the command line; agent/commands/dispatch.ts hands it to the command named after it.

import { main } from "./commands/dispatch.ts";
import { exitCodeFor } from "./commands/exit.ts";

// The last line of defence: whatever escapes main() still ends in one line, never a stack trace.
// No top-level await: the single executable (dist/byol) runs this file bundled as CommonJS.
void main(process.argv.slice(2))
  .catch((error: unknown) => exitCodeFor(error, "byol"))
  .then((code) => {
    process.exitCode = code;
  });
