// Which download failures deserve another attempt, and how long to wait before it.

export interface RetryPolicy {
  attempts: number; // attempts in a row without progress before giving up, the first included
  baseDelayMs: number; // wait after the first failure; doubles after each further one
  maxDelayMs: number; // cap on any wait, Retry-After included
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000 };

// Server-side and throttling statuses are worth retrying; any other 4xx will not change.
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

const NETWORK_TEXT: Record<string, string> = {
  UND_ERR_SOCKET: "connection closed before the end",
  UND_ERR_BODY_TIMEOUT: "no data received for IDLE s",
  UND_ERR_HEADERS_TIMEOUT: "no response received for 60 s",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  ERR_STREAM_PREMATURE_CLOSE: "connection closed before the end",
  EAI_AGAIN: "temporary DNS failure",
};

// The reason a network failure is worth another attempt (its error code, e.g. ECONNRESET),
// or undefined when it is not a network failure or will not get better (ENOTFOUND). A
// temporary DNS failure (EAI_AGAIN) is retried. `idleMs` is the idle timeout, named in its text.
export function networkReason(e: unknown, idleMs = 60_000): string | undefined {
  const err = e as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof err?.code === "string" ? err.code : err?.cause?.code;
  if (typeof code !== "string" || !/^(E[A-Z]+|EAI_AGAIN|UND_ERR_[A-Z_]+|ERR_STREAM_PREMATURE_CLOSE)$/.test(code))
    return undefined;
  // a name that does not resolve, or a request undici itself refuses, will not get better
  if (code === "ENOTFOUND" || code === "UND_ERR_INVALID_ARG" || code === "UND_ERR_NOT_SUPPORTED") return undefined;
  const text = NETWORK_TEXT[code]?.replace("IDLE", String(idleMs / 1000));
  return text === undefined ? code : `${text} (${code})`;
}

// Exponential backoff with jitter (so that many servers do not retry in step), or the
// server's Retry-After when it gave one; never more than maxDelayMs.
export function retryDelayMs(failures: number, policy: RetryPolicy, retryAfter?: string, now = Date.now()): number {
  const asked = retryAfter === undefined ? undefined : parseRetryAfter(retryAfter, now);
  if (asked !== undefined) return Math.min(asked, policy.maxDelayMs);
  const backoff = Math.min(policy.baseDelayMs * 2 ** (failures - 1), policy.maxDelayMs);
  return Math.round(backoff / 2 + (Math.random() * backoff) / 2);
}

// Retry-After is either delay-seconds or an HTTP date.
export function parseRetryAfter(value: string, now = Date.now()): number | undefined {
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
