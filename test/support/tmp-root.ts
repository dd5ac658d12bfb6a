// Loaded with `node --import` by `npm test`: every test file's process (node:test runs each file in a
// child process) gets its own directory under the system's temporary directory as TMPDIR, and removes
// it, with everything the file's tests and the byol processes they started left there, when it exits.
// os.tmpdir() reads TMPDIR on every call, so tests keep using tmpdir() as they would anyway.
// The runner's own process (no NODE_TEST_CONTEXT) is left alone.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

if (process.env["NODE_TEST_CONTEXT"] !== undefined && process.env["BYOL_TEST_TMP_KEEP"] === undefined) {
  const root = mkdtempSync(join(tmpdir(), "byol-t-"));
  process.env["TMPDIR"] = root;
  process.on("exit", () => {
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a file still busy in a process the test left behind: nothing more to do at exit
    }
  });
}
