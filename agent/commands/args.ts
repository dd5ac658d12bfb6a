// Flag parsing shared by the commands: node:util parseArgs, strict, with usage errors.

import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { UsageError } from "./exit.ts";

export function parseFlags<const O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

// A flag that must be present.
export function required(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== "string" || value === "") throw new UsageError(`missing ${flag}`);
  return value;
}
