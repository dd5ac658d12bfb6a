// byol report show FILE [--json] | byol report diff A B: read run records.

import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { formatDiff } from "../report/diff.ts";
import { readRunRecord } from "../report/read.ts";
import { formatReport } from "../report/show.ts";
import { UsageError } from "./exit.ts";

export async function reportCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "show":
      return show(rest);
    case "diff":
      return diff(rest);
    default:
      throw new UsageError(sub === undefined ? "missing 'show' or 'diff'" : `unknown subcommand '${sub}'`);
  }
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("report show takes one FILE");
  const record = await readRunRecord(positionals[0]!);
  process.stdout.write(values.json ? `${JSON.stringify(record.summary, null, 2)}\n` : formatReport(record));
  return 0;
}

async function diff(args: string[]): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length !== 2) throw new UsageError("report diff takes two files, A and B");
  const [a, b] = await Promise.all(positionals.map(readRunRecord));
  process.stdout.write(formatDiff(a!, b!));
  return 0;
}

export function parse<const O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
