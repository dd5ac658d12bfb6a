// Shared set-up for the download step's tests: a temporary destination and options with
// fast retries and an event recorder.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DownloadOptions } from "../../agent/download/image.ts";
import type { StepEvent } from "../../agent/exec/types.ts";

export interface Setup extends AsyncDisposable {
  destination: string; // inside a directory that does not exist yet
  events: StepEvent[];
  options(url: string, over?: Partial<DownloadOptions>): DownloadOptions;
}

export async function setup(): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), "byol-download-"));
  const destination = join(dir, "byol", "image");
  const events: StepEvent[] = [];
  return {
    destination,
    events,
    options: (url, over = {}) => ({
      url,
      headers: {},
      destination,
      limitBytes: 1024 ** 3,
      events: { emit: (e) => events.push(e) },
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
      splitAfterMs: 0, // more connections at once (when the server allows), not after judging the first
      ...over,
    }),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}
