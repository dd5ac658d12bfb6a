// byol report show FILE [--json] | byol report diff A B [--json]: read run records.

import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import { diffRuns, formatRunDiff } from "../report/diff.ts";
import { readRunRecord } from "../report/read.ts";
import { formatReport } from "../report/show.ts";

// The flags of both subcommands (test/commands/help.test.ts checks --help names every one).
export const FLAGS = { json: { type: "boolean" } } as const satisfies ParseArgsOptionsConfig;

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
  const { values, positionals } = parse(args, FLAGS);
  if (positionals.length !== 1) throw new UsageError("report show takes one FILE");
  const record = await readRunRecord(positionals[0]!);
  process.stdout.write(values.json ? `${JSON.stringify(record.summary, null, 2)}\n` : formatReport(record));
  return 0;
}

// Exit 0 when the runs have the same result, plan and commands; 1 when they differ, as diff(1).
async function diff(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, FLAGS);
  if (positionals.length !== 2) throw new UsageError("report diff takes two files, A and B");
  const [a, b] = await Promise.all(positionals.map(readRunRecord));
  const d = diffRuns(a!, b!);
  process.stdout.write(values.json ? `${JSON.stringify(d, null, 2)}\n` : formatRunDiff(d));
  return d.differ ? 1 : 0;
}

export function parse<const O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
