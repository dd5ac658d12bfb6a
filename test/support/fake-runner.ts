// The fake command runner of the unit tests: it records every call and answers from a function,
// so a test says what each command prints (its stdout) or that it fails (throw, e.g. a
// commandFailure as the real runner would throw it). For tests of the logic around commands;
// the commands themselves are run for real in the host and VM tests.

import { CommandError } from "../../agent/errors.ts";
import type { CommandResult, Runner, RunOptions } from "../../agent/exec/types.ts";
import type { Argv } from "../../agent/plan/types.ts";

export interface Call {
  argv: string[];
  options: RunOptions;
}

export interface FakeRunner<C extends Call = Call> extends Runner {
  calls: C[]; // every call, in order (the test may empty it)
  readonly argv: string[][]; // the calls' argv
}

// `respond` gets the recorded call (and may add to it) and returns the command's stdout ("" for
// undefined), or throws to make the command fail.
export function fakeRunner<C extends Call = Call>(
  respond: (call: C) => string | undefined | Promise<string | undefined> = () => "",
): FakeRunner<C> {
  const calls: C[] = [];
  let id = 0;
  return {
    calls,
    get argv() {
      return calls.map((c) => c.argv);
    },
    async run(argv: Argv, options: RunOptions): Promise<CommandResult> {
      const call = { argv: [...argv], options } as C;
      calls.push(call);
      const stdout = (await respond(call)) ?? "";
      return { id: ++id, argv: [...argv], exitCode: 0, durationMs: 1, stdout, stderr: "" };
    },
  };
}

// The error the real runner throws for a command that exited non-zero.
export function commandFailure(call: Call, o: { exitCode: number; stderr: string; message?: string }): CommandError {
  const command = call.argv.join(" ");
  return new CommandError({
    message: o.message ?? `${call.options.step}: ${command} exited with code ${o.exitCode}`,
    step: call.options.step,
    argv: [...call.argv],
    command,
    exitCode: o.exitCode,
    timedOut: false,
    durationMs: 1,
    stderrTail: o.stderr,
  });
}
