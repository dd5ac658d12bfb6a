// --report-url: sends the run record back where the rescue system has a network path to it.
// One PUT (or POST) of the tar with undici, with time limits. URL credentials become a Basic
// Authorization header; errors name the URL without its credentials or query (pre-signed URLs
// carry their signature there).

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Agent, request } from "undici";

export interface UploadOptions {
  method?: "PUT" | "POST"; // default PUT
  headers?: Record<string, string>;
  connectTimeoutMs?: number; // default 10 s
  timeoutMs?: number; // headers and body inactivity, default 60 s
}

export async function uploadRunRecord(file: string, url: string, opts: UploadOptions = {}): Promise<void> {
  const where = describeUploadUrl(url);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new Error(`uploading the run record to ${where}: not a URL`);
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new Error(`uploading the run record to ${where}: only http and https are supported`);
  }
  const headers: Record<string, string> = {
    "content-type": "application/x-tar",
    "content-length": String((await stat(file)).size),
    ...basicAuth(target),
    ...opts.headers,
  };
  target.username = "";
  target.password = "";
  const timeout = opts.timeoutMs ?? 60_000;
  const dispatcher = new Agent({ connect: { timeout: opts.connectTimeoutMs ?? 10_000 } });
  try {
    const res = await request(target, {
      method: opts.method ?? "PUT",
      headers,
      body: createReadStream(file),
      dispatcher,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new Error(`uploading the run record to ${where}: HTTP ${res.statusCode}`);
    }
  } catch (error) {
    if ((error as Error).message.startsWith("uploading the run record")) throw error;
    const code = (error as { code?: string }).code;
    throw new Error(`uploading the run record to ${where}: ${code ?? (error as Error).name}`);
  } finally {
    await dispatcher.close();
  }
}

// https://user:pass@host/path?sig=… -> https://host/path?…
export function describeUploadUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search === "" ? "" : "?…"}`;
  } catch {
    return "an invalid URL";
  }
}

function basicAuth(u: URL): Record<string, string> {
  if (u.username === "" && u.password === "") return {};
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  return { authorization: `Basic ${Buffer.from(pair).toString("base64")}` };
}
