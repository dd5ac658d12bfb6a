// The pino logger of a run. It writes to a file in the run dir, never to stdout (stdout
// is the event stream), and every line passes through the redactor before it is written.

import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Logger, pino } from "pino";
import { defaultRunDir } from "./exec/state.ts";
import type { Redactor } from "./redact.ts";

export interface LoggerOptions {
  level?: string; // default "debug": the log file is for post-mortems
  file?: string; // default <run dir>/byol.log
  redactor: Redactor;
}

// Known secret-bearing fields are censored by path; any other string that contains a
// known secret is masked in the serialized line, whatever field it sits in.
export function createLogger(opts: LoggerOptions): Logger {
  const file = opts.file ?? join(defaultRunDir(), "byol.log");
  mkdirSync(dirname(file), { recursive: true });
  return pino(
    {
      level: opts.level ?? "debug",
      redact: {
        paths: ["httpHeaders", "*.httpHeaders", "headers.authorization", "*.headers.authorization"],
        censor: "***",
      },
      hooks: { streamWrite: (line) => opts.redactor.redact(line) },
    },
    pino.destination({ dest: file, sync: true, append: true }),
  );
}
