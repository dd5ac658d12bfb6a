// Shell-quoting for display only: commands are always spawned from an argv array.

const SAFE = /^[\w@%+=:,./-]+$/;

// So a logged or reported command can be pasted into a rescue shell as is.
export function quoteArg(arg: string): string {
  if (arg === "") return "''";
  if (SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

// The whole command line, e.g. `sgdisk -n 1:2048:0 /dev/sda`.
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(" ");
}
