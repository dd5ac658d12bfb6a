// byol validate: every problem of a request, one per line; nothing else is looked at.

import { RequestError } from "../errors.ts";
import { parseRequest } from "../request/index.ts";
import { readRequestInput } from "../request/read.ts";
import { parseFlags, required } from "./args.ts";

export const FLAGS = { request: { type: "string" }, json: { type: "boolean" } } as const;

export async function validateCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  const file = required(flags.request, "--request");
  const parsed = await readRequestInput(file).then(parseRequest, (error: unknown) => {
    // with --json an unreadable or unparsable file is a problem like any other
    if (flags.json && error instanceof RequestError) return { ok: false as const, problems: error.problems };
    throw error;
  });
  if (flags.json) {
    const problems = parsed.ok ? [] : parsed.problems;
    process.stdout.write(`${JSON.stringify({ ok: parsed.ok, problems })}\n`);
    return parsed.ok ? 0 : 2;
  }
  if (!parsed.ok) throw new RequestError(parsed.problems);
  const r = parsed.request;
  process.stderr.write(`request is valid: ${r.operatingSystem}, ${r.image.type} image\n`);
  return 0;
}
