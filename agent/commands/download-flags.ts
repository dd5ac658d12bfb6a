// The download's flags (install, replay, fetch): how many connections, redirects to http, the timeouts.

import type { DownloadTuning } from "../download/image.ts";
import { UsageError } from "../errors.ts";

export const DOWNLOAD_FLAGS = {
  connections: { type: "string" },
  "allow-insecure-redirect": { type: "boolean" },
  "download-idle-timeout": { type: "string" },
  "download-deadline": { type: "string" },
} as const;

type DownloadFlagValues = {
  [K in keyof typeof DOWNLOAD_FLAGS]?: (typeof DOWNLOAD_FLAGS)[K]["type"] extends "boolean" ? boolean : string;
};

// --connections N (1 to 16; 1: one connection), --download-idle-timeout and --download-deadline in
// seconds, --allow-insecure-redirect (follow https -> http).
export function downloadTuning(flags: DownloadFlagValues): DownloadTuning {
  const tuning: DownloadTuning = {};
  if (flags.connections !== undefined) {
    const n = Number(flags.connections);
    if (!Number.isInteger(n) || n < 1 || n > 16) {
      throw new UsageError(`--connections: expected a whole number from 1 to 16, got '${flags.connections}'`);
    }
    tuning.connections = n;
  }
  if (flags["allow-insecure-redirect"] === true) tuning.allowInsecureRedirect = true;
  const idle = seconds(flags["download-idle-timeout"], "--download-idle-timeout");
  if (idle !== undefined) tuning.idleTimeoutMs = idle;
  const deadline = seconds(flags["download-deadline"], "--download-deadline");
  if (deadline !== undefined) tuning.deadlineMs = deadline;
  return tuning;
}

function seconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag}: expected a number of seconds above 0, got '${value}'`);
  return Math.round(n * 1000);
}
