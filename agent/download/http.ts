// One HTTP GET of the image, redirects followed by hand so that we decide which headers go
// where: the request's httpHeaders (and the URL's user:pass) are credentials for the image's
// origin, and a redirect to any other origin must not carry them.
//
// The body is fed from undici's dispatch handler rather than its request() stream: a dropped
// connection then ends the body cleanly after the last byte that arrived (a destroyed stream
// would drop what it had buffered), and error() tells why it ended. So a resume starts at
// exactly the first byte that never arrived.

import { Buffer } from "node:buffer";
import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { RedirectError } from "../errors.ts";
import { Reclaimer } from "../io/reclaim.ts";

export const MAX_REDIRECTS = 10;
const reclaimer = new Reclaimer(); // one for every connection: what matters is the bytes received in all
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface ImageTarget {
  url: string; // may carry user:pass@
  headers: Record<string, string>; // secrets
}

export interface ImageResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable; // never errors: a failure ends it, and error() says what it was
  error(): Error | undefined;
  discard(): void; // abandons the body (an error status, a redirect, an image too big)
  url: URL; // where the body came from, credentials stripped
}

export interface OpenOptions {
  dispatcher: Dispatcher;
  signal?: AbortSignal;
  allowInsecureRedirect?: boolean; // follow a redirect from https to http (refused by default)
}

// GETs the image, following up to MAX_REDIRECTS redirects. `extra` (Range, If-Range) goes to
// every hop; the credentials only to the original origin. A redirect from https to http is
// refused unless allowed: the image (and what it was asked with) would travel in clear.
export async function openImage(
  target: ImageTarget,
  extra: Record<string, string>,
  options: OpenOptions,
): Promise<ImageResponse> {
  const first = stripCredentials(new URL(target.url));
  const explicit = Object.keys(target.headers).some((k) => k.toLowerCase() === "authorization");
  const credentials = { ...(explicit ? {} : basicAuth(new URL(target.url))), ...target.headers };
  let url = first;
  for (let hop = 0; ; hop++) {
    const headers = { ...(url.origin === first.origin ? credentials : {}), ...extra };
    const res = await get(url, headers, options);
    const location = header(res.headers, "location");
    if (!REDIRECTS.has(res.status) || location === undefined) return res;
    res.discard();
    if (hop === MAX_REDIRECTS) throw new RedirectError(`more than ${MAX_REDIRECTS} redirects`);
    const next = stripCredentials(new URL(location, url));
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw new RedirectError(`redirect to an unsupported scheme ${next.protocol}`);
    }
    if (url.protocol === "https:" && next.protocol === "http:" && options.allowInsecureRedirect !== true) {
      throw new RedirectError(
        `refused a redirect from https to http (${next.host}); --allow-insecure-redirect permits it`,
      );
    }
    url = next;
  }
}

// A GET whose promise settles with the response headers; the body then flows through a
// Readable with back-pressure (pause/resume of the parser).
function get(url: URL, headers: Record<string, string>, options: OpenOptions): Promise<ImageResponse> {
  const { signal } = options;
  let controller: Dispatcher.DispatchController | undefined;
  let failure: Error | undefined;
  let done = false; // the response has ended, or failed
  const abort = (reason: Error) => {
    if (!done) controller?.abort(reason);
  };
  const body = new Readable({
    highWaterMark: 1 << 20,
    read: () => controller?.resume(),
    destroy: (e, cb) => {
      abort(e ?? new Error("body discarded"));
      cb(e);
    },
  });
  const onAbort = () => abort(signal?.reason ?? new Error("aborted"));
  return new Promise((resolve, reject) => {
    const path = `${url.pathname}${url.search}`;
    options.dispatcher.dispatch(
      { origin: url.origin, path, method: "GET", headers },
      {
        onRequestStart(c) {
          controller = c;
          if (signal?.aborted) onAbort();
          else signal?.addEventListener("abort", onAbort, { once: true });
        },
        onResponseStart(_c, status, responseHeaders) {
          const discard = () => body.destroy();
          resolve({ status, headers: responseHeaders, body, error: () => failure, discard, url });
        },
        onResponseData(c, chunk) {
          reclaimer.received(chunk.length);
          if (!body.push(chunk)) c.pause();
        },
        onResponseEnd() {
          done = true;
          signal?.removeEventListener("abort", onAbort);
          body.push(null);
        },
        onResponseError(_c, e) {
          done = true;
          signal?.removeEventListener("abort", onAbort);
          failure = e;
          reject(e); // before the headers: the request failed; after: a no-op
          if (!body.destroyed) body.push(null);
        },
      },
    );
  });
}

// A single-valued response header, or undefined.
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
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
