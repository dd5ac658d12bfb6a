import assert from "node:assert/strict";
import { test } from "node:test";
import { parseContentRange, resumeHeaders, validatorOf } from "../../agent/download/range.ts";
import { networkReason, parseRetryAfter, retryDelayMs } from "../../agent/download/retry.ts";

test("Content-Range is parsed, with or without a total", () => {
  assert.deepEqual(parseContentRange("bytes 100-199/1000"), { start: 100, end: 199, total: 1000 });
  assert.deepEqual(parseContentRange("bytes 100-199/*"), { start: 100, end: 199, total: null });
  assert.equal(parseContentRange("bytes */1000"), undefined);
  assert.equal(parseContentRange(undefined), undefined);
});

test("a resume asks for the rest, with a strong validator only", () => {
  assert.deepEqual(resumeHeaders(42), { range: "bytes=42-" });
  assert.deepEqual(resumeHeaders(42, '"abc"'), { range: "bytes=42-", "if-range": '"abc"' });
  assert.equal(validatorOf({ etag: '"abc"', "last-modified": "Mon" }), '"abc"');
  assert.equal(validatorOf({ etag: 'W/"abc"', "last-modified": "Mon" }), "Mon");
  assert.equal(validatorOf({}), undefined);
});

test("Retry-After in seconds or as a date", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("7", now), 7000);
  assert.equal(parseRetryAfter("Wed, 01 Jan 2025 00:00:03 GMT", now), 3000);
  assert.equal(parseRetryAfter("soon", now), undefined);
});

test("backoff doubles, stays under the cap, and Retry-After is capped too", () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
  for (let i = 0; i < 20; i++) {
    const first = retryDelayMs(1, policy);
    const third = retryDelayMs(3, policy);
    assert.ok(first >= 50 && first <= 100, `${first}`);
    assert.ok(third >= 200 && third <= 400, `${third}`);
    assert.ok(retryDelayMs(10, policy) <= 1000);
  }
  assert.equal(retryDelayMs(1, policy, "2"), 1000);
  assert.equal(retryDelayMs(1, policy, "0"), 0);
});

test("network failures are named by their code; a name that does not resolve is not retried", () => {
  assert.equal(networkReason(Object.assign(new Error("x"), { code: "ECONNRESET" })), "ECONNRESET");
  assert.equal(
    networkReason(Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" })),
    "connection closed before the end (UND_ERR_SOCKET)",
  );
  assert.equal(networkReason(Object.assign(new Error("x"), { code: "ENOTFOUND" })), undefined);
  assert.equal(networkReason(new TypeError("bug")), undefined);
});

test("a temporary DNS failure (EAI_AGAIN) is retried, a name that does not exist is not", () => {
  const again = Object.assign(new Error("getaddrinfo EAI_AGAIN images.example"), { code: "EAI_AGAIN" });
  assert.equal(networkReason(again), "temporary DNS failure (EAI_AGAIN)");
  assert.equal(networkReason(new TypeError("fetch failed", { cause: again })), "temporary DNS failure (EAI_AGAIN)");
  assert.equal(networkReason(Object.assign(new Error("x"), { code: "ENOTFOUND" })), undefined);
});

test("the idle timeout is named with its configured length", () => {
  const idle = Object.assign(new Error("Body Timeout Error"), { code: "UND_ERR_BODY_TIMEOUT" });
  assert.equal(networkReason(idle), "no data received for 60 s (UND_ERR_BODY_TIMEOUT)");
  assert.equal(networkReason(idle, 15_000), "no data received for 15 s (UND_ERR_BODY_TIMEOUT)");
});
