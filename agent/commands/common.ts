// Pieces the read-only commands share: a runner whose journal stays in memory and
// whose log goes nowhere, and reading a validated request.

import { pino } from "pino";
import { RequestError } from "../errors.ts";
import { Journal } from "../exec/journal.ts";
import { createRunner } from "../exec/runner.ts";
import type { Runner } from "../exec/types.ts";
import { Redactor } from "../redact.ts";
import { parseRequest } from "../request/index.ts";
import { readRequestInput } from "../request/read.ts";
import type { InstallRequest } from "../request/types.ts";

export function readOnlyRunner(redactor = new Redactor()): Runner {
  return createRunner({ journal: new Journal(), redactor, log: pino({ level: "silent" }) });
}

// Reads and validates --request; every problem becomes one line of a RequestError (exit 2).
export async function loadRequest(fileOrDash: string): Promise<InstallRequest> {
  const parsed = parseRequest(await readRequestInput(fileOrDash));
  if (!parsed.ok) throw new RequestError(parsed.problems);
  return parsed.request;
}
