// The command line that ssh hands to the guest's shell, quoted with the agent's one shell quoter.

import { shellQuote } from "../../agent/plan/quote.ts";

export { shellQuote };

// An argv as one shell command line; a string is taken as a command line already.
export function commandLine(argv: readonly string[] | string): string {
  return typeof argv === "string" ? argv : argv.map(shellQuote).join(" ");
}
