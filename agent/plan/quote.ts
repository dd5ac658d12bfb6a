// POSIX shell quoting for showing a plan's argv to a person. Commands are never run through a shell.

import { escapeControls, hasControls } from "../view/escape.ts";

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

// One argument, quoted only when a POSIX shell would otherwise split or expand it. One with a
// control character is written $'…' (bash's quoting with escapes), so nothing raw reaches a terminal.
export function shellQuote(arg: string): string {
  if (arg === "") return "''";
  if (SAFE.test(arg)) return arg;
  if (hasControls(arg)) return `$'${escapeControls(arg.replaceAll("\\", "\\\\").replaceAll("'", "\\'"))}'`;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

// A whole argv as one pasteable command line.
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}
