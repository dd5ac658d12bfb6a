// Live output for callers that want it (make_image_bootable.sh, progress parsing),
// while execa still buffers the full output for the result.

import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { RunOptions } from "./types.ts";

// Decodes per stream so a UTF-8 character split across two chunks arrives whole.
export function forwardOutput(
  stream: Readable | null,
  name: "stdout" | "stderr",
  onOutput: NonNullable<RunOptions["onOutput"]>,
): void {
  if (stream === null) return;
  const decoder = new StringDecoder("utf8");
  stream.on("data", (chunk: Buffer | string) => {
    const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
    if (text !== "") onOutput(name, text);
  });
  stream.on("end", () => {
    const rest = decoder.end();
    if (rest !== "") onOutput(name, rest);
  });
}
