// The one top-level catch: maps each error class to an exit code and prints it once.

import { CommandError, EXIT, InstallError, Interrupted, PlanError, RequestError } from "../errors.ts";

export function exitCodeFor(error: unknown, command: string): number {
  if (error instanceof RequestError || error instanceof PlanError) {
    for (const p of error.problems) process.stderr.write(`${p}\n`);
    return EXIT.invalid;
  }
  if (error instanceof Interrupted) {
    process.stderr.write(`byol ${command}: ${error.message}\n`);
    return EXIT.interrupted;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`byol ${command}: ${error.message}\nTry 'byol ${command} --help'.\n`);
    return EXIT.invalid;
  }
  if (error instanceof InstallError || error instanceof CommandError) {
    process.stderr.write(`byol ${command}: ${error.message}\n`);
    return EXIT.failedBeforeDisks;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`byol ${command}: unexpected error: ${message}\n`);
  return EXIT.failedBeforeDisks;
}

// Bad flags or arguments: exit 2 with a pointer to --help.
export class UsageError extends Error {
  override name = "UsageError";
}
