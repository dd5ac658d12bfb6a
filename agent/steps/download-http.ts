// One HTTP GET of the image, redirects followed by hand so that we decide which headers go
// where: the request's httpHeaders (and the URL's user:pass) are credentials for the image's
// origin, and a redirect to any other origin must not carry them.

import { Buffer } from "node:buffer";
import { type Dispatcher, request } from "undici";

export const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface ImageTarget {
  url: string; // may carry user:pass@
  headers: Record<string, string>; // secrets
}

export interface ImageResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData["body"];
  url: URL; // where the body came from, credentials stripped
}

// Thrown when the chain of redirects itself is the problem.
export class RedirectError extends Error {
  override name = "RedirectError";
}

// GETs the image, following up to MAX_REDIRECTS redirects. `extra` (Range, If-Range) goes to
// every hop; the credentials only to the original origin.
export async function openImage(
  target: ImageTarget,
  extra: Record<string, string>,
  options: { dispatcher: Dispatcher; signal?: AbortSignal },
): Promise<ImageResponse> {
  const first = stripCredentials(new URL(target.url));
  const explicit = Object.keys(target.headers).some((k) => k.toLowerCase() === "authorization");
  const credentials = { ...(explicit ? {} : basicAuth(new URL(target.url))), ...target.headers };
  let url = first;
  for (let hop = 0; ; hop++) {
    const headers = { ...(url.origin === first.origin ? credentials : {}), ...extra };
    const res = await request(url, { method: "GET", headers, dispatcher: options.dispatcher, signal: options.signal });
    const location = header(res.headers, "location");
    if (!REDIRECTS.has(res.statusCode) || location === undefined) {
      return { status: res.statusCode, headers: res.headers, body: res.body, url };
    }
    await res.body.dump().catch(() => {});
    if (hop === MAX_REDIRECTS) throw new RedirectError(`more than ${MAX_REDIRECTS} redirects`);
    url = stripCredentials(new URL(location, url));
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new RedirectError(`redirect to an unsupported scheme ${url.protocol}`);
    }
  }
}

// A single-valued response header, or undefined.
export function header(headers: ImageResponse["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

// https://user:pass@host/ -> an Authorization header for host, as curl and browsers do.
function basicAuth(url: URL): Record<string, string> {
  if (url.username === "" && url.password === "") return {};
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { authorization: `Basic ${Buffer.from(pair).toString("base64")}` };
}

// The URL without user:pass@, which must never be sent in the request line or logged.
function stripCredentials(url: URL): URL {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  return u;
}
