// A source whose failure (a dropped connection) ends the stream cleanly instead of tearing the
// chain down. Every byte received before the failure then flows through the later stages into
// the file, so a resume can start at exactly the first byte that never arrived. The failure is
// kept and rethrown by the caller once the chain has finished.

import type { Readable } from "node:stream";

export interface Ended {
  source: AsyncGenerator<Buffer>;
  error(): unknown; // the source's failure, undefined if it ended normally
}

export function endOnError(body: Readable): Ended {
  let failure: unknown;
  async function* source(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body) yield chunk as Buffer;
    } catch (e) {
      failure = e ?? new Error("source failed");
    }
  }
  return { source: source(), error: () => failure };
}
