// Resuming a download with HTTP Range: what to ask for, and whether the answer fits.

import type { ImageResponse } from "./http.ts";
import { header } from "./http.ts";

// Range from the first missing byte; If-Range makes the server send the whole (new) image
// instead if it changed since the first response.
export function resumeHeaders(from: number, validator?: string): Record<string, string> {
  return { range: `bytes=${from}-`, ...(validator === undefined ? {} : { "if-range": validator }) };
}

// A strong ETag, or else Last-Modified: the validators If-Range accepts.
export function validatorOf(headers: ImageResponse["headers"]): string | undefined {
  const etag = header(headers, "etag");
  if (etag !== undefined && !etag.startsWith("W/")) return etag;
  return header(headers, "last-modified");
}

// "bytes 100-199/1000" or "bytes 100-199/*" -> { start: 100, end: 199, total: 1000 | null }
export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total: number | null } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value?.trim() ?? "");
  if (m === null) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === "*" ? null : Number(m[3]) };
}
