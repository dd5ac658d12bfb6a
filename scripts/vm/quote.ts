// POSIX shell quoting, for the command line that ssh hands to the guest's shell.

// One word, single-quoted unless it is plainly safe.
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

// An argv as one shell command line; a string is taken as a command line already.
export function commandLine(argv: readonly string[] | string): string {
  return typeof argv === "string" ? argv : argv.map(shellQuote).join(" ");
}
