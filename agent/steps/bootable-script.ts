// Runs the image's /root/.ovh/make_image_bootable.sh in a chroot of the installed system, with a
// time limit. Its output is what OVH users most miss: every line goes live to the user as an event
// and, whole, into make_image_bootable.log in the run directory.

import { join } from "node:path";
import { CommandError, InstallError } from "../errors.ts";
import type { RunContext, StepInputs } from "../exec/context.ts";
import { bindMounts } from "../image/chroot.ts";
import { SCRIPT_LOG, SCRIPT_TAIL_LINES, ScriptOutput } from "../image/script-output.ts";
import type { BootableScriptStep } from "../plan/types.ts";

// A known environment, whatever the rescue shell had; BYOL=1 tells the script who runs it.
const SCRIPT_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", HOME: "/root", BYOL: "1" };

export async function run(
  ctx: RunContext,
  step: BootableScriptStep,
  inputs: { settings: Pick<StepInputs["settings"], "scriptTimeoutMs" | "rescueDev"> },
): Promise<void> {
  const timeoutMs = inputs.settings.scriptTimeoutMs;
  const argv = step.commands[0] ?? ["chroot", step.root, step.script];
  const release = await bindMounts(ctx, step.root, inputs.settings.rescueDev);
  const output = new ScriptOutput(ctx, step.id, join(ctx.runDir, SCRIPT_LOG));
  try {
    await ctx.runner.run(argv, {
      step: step.id,
      timeoutMs,
      env: SCRIPT_ENV,
      onOutput: (stream, chunk) => output.write(stream, chunk),
    });
  } catch (error) {
    output.end();
    throw scriptFailure(ctx, step, error, timeoutMs, output.lastLines());
  } finally {
    output.end();
    await release();
  }
}

// The user's message for a script that failed or hung; anything else (an interrupt, a chroot
// that could not start) is passed on as it is.
function scriptFailure(
  ctx: RunContext,
  step: BootableScriptStep,
  error: unknown,
  timeoutMs: number,
  last: string[],
): unknown {
  if (ctx.signal.aborted || !(error instanceof CommandError)) return error;
  let how: string;
  if (error.timedOut) how = `timed out after ${Number((timeoutMs / 1000).toFixed(1))}s`;
  else if (error.exitCode !== null) how = `exit code ${error.exitCode}`;
  else if (error.signal !== undefined) how = `killed by ${error.signal}`;
  else return error;
  const message = `The script did not end properly (${how}); last ${SCRIPT_TAIL_LINES} lines of its output:\n${last.join("\n")}`;
  return new InstallError("script", step.id, message, { cause: error });
}
