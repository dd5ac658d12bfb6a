// Secrets given to byol's own flags (replay --header and --image-url, install --report-url). A
// value on the command line shows in `ps` and in shell history, so each of these flags also
// takes @FILE (the value is the file's content) or @- (standard input), the way curl does.
// `--header @FILE` reads one header per line.

import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import { UsageError } from "../errors.ts";

export interface SecretArgs {
  stdin?: NodeJS.ReadableStream; // default process.stdin
  stdinTaken?: string; // the flag that already reads standard input (install --request -)
}

// Resolves @FILE and @- of several flags; standard input can be read by only one of them.
export function secretArgs(opts: SecretArgs = {}) {
  let stdinBy = opts.stdinTaken;
  // The value itself, or what @FILE / @- holds, without its final newline.
  const value = async (flag: string, given: string): Promise<string> => {
    if (!given.startsWith("@")) return given;
    const source = given.slice(1);
    if (source === "-") {
      if (stdinBy !== undefined) throw new UsageError(`${flag} @-: standard input is already read by ${stdinBy}`);
      stdinBy = flag;
      return chomp(await text(opts.stdin ?? process.stdin));
    }
    try {
      return chomp(await readFile(source, "utf8"));
    } catch (error) {
      // the file's name only: never its content
      throw new UsageError(`${flag} @${source}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
    }
  };
  return {
    value,
    // --header values: a file or standard input holds one header per line
    async lines(flag: string, given: readonly string[]): Promise<string[]> {
      const out: string[] = [];
      for (const g of given) {
        const v = await value(flag, g);
        out.push(...(g.startsWith("@") ? v.split(/\r?\n/).filter((l) => l.trim() !== "") : [v]));
      }
      return out;
    },
  };
}

function chomp(s: string): string {
  return s.replace(/\r?\n$/, "");
}
