// A runner wired to a temporary run dir, as install.ts wires it, for tests that read files back.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal } from "../../agent/exec/journal.ts";
import { createRunner, type RunnerOptions } from "../../agent/exec/runner.ts";
import { createLogger } from "../../agent/log.ts";
import { Redactor } from "../../agent/redact.ts";

export const SECRET = "Basic c2VjcmV0OnBhc3N3b3Jk";

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "byol-test-"));
}

// A runner, its journal and log in a fresh directory; the redactor knows SECRET.
export function setup(extra: Partial<RunnerOptions> = {}) {
  const dir = tempDir();
  const redactor = new Redactor().add(SECRET, SECRET.split(" ")[1]);
  const journal = new Journal(join(dir, "journal.jsonl"));
  const log = createLogger({ file: join(dir, "byol.log"), redactor });
  const runner = createRunner({ journal, redactor, log, ...extra });
  return { dir, redactor, journal, log, runner };
}
