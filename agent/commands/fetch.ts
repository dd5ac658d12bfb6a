// byol fetch: download, verify and inspect a request's image into a file; never touches disks.

import { fetchImage } from "../fetch/fetch.ts";
import { parseFlags, required } from "./args.ts";
import { loadRequest } from "./common.ts";
import { DOWNLOAD_FLAGS, downloadTuning } from "./download-flags.ts";

export const FLAGS = {
  request: { type: "string" },
  output: { type: "string" },
  json: { type: "boolean" },
  ...DOWNLOAD_FLAGS,
} as const;

export async function fetchCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, FLAGS);
  const output = required(flags.output, "--output");
  const download = downloadTuning(flags);
  const request = await loadRequest(required(flags.request, "--request"));
  return await fetchImage({ request, output, json: flags.json === true, download });
}
