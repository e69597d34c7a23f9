import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  decideRetry,
  DEFAULT_RETRY,
  resolveRetryOptions,
  type AttemptOutcome,
} from "../../src/core/http/retry.js";
import { parseRateLimitReset, parseRetryAfter, readQuota } from "../../src/core/http/rate-limit-headers.js";

const decide = (outcome: AttemptOutcome, idempotent: boolean, attempt = 1, elapsedMs = 0) =>
  decideRetry({ attempt, outcome, idempotent, elapsedMs, options: DEFAULT_RETRY, random: () => 0.5 });

describe("decideRetry", () => {
  it("retries a 429 even for a create, waiting what Retry-After says", () => {
    expect(decide({ kind: "response", status: 429, retryAfterMs: 2000 }, false)).toEqual({
      retry: true,
      delayMs: 2000,
    });
  });

  it("backs off exponentially on 429 without Retry-After", () => {
    expect(decide({ kind: "response", status: 429, retryAfterMs: undefined }, false, 1)).toEqual({
      retry: true,
      delayMs: 150,
    });
    expect(decide({ kind: "response", status: 429, retryAfterMs: undefined }, false, 3)).toEqual({
      retry: true,
      delayMs: 600,
    });
  });

  it("fails fast when Retry-After exceeds the cap", () => {
    expect(decide({ kind: "response", status: 429, retryAfterMs: 3_600_000 }, true)).toEqual({
      retry: false,
      reason: "retry-after-too-long",
    });
  });

  it("never repeats a create after a 5xx, a timeout or a reset: ambiguous", () => {
    expect(decide({ kind: "response", status: 503, retryAfterMs: undefined }, false)).toEqual({
      retry: false,
      reason: "ambiguous",
    });
    expect(decide({ kind: "timeout" }, false)).toEqual({ retry: false, reason: "ambiguous" });
    expect(decide({ kind: "network", sent: true }, false)).toEqual({ retry: false, reason: "ambiguous" });
  });

  it("repeats idempotent requests after 5xx, timeouts and resets", () => {
    expect(decide({ kind: "response", status: 502, retryAfterMs: undefined }, true).retry).toBe(true);
    expect(decide({ kind: "timeout" }, true).retry).toBe(true);
    expect(decide({ kind: "network", sent: true }, true).retry).toBe(true);
  });

  it("repeats even a create when the connection was refused (nothing was sent)", () => {
    expect(decide({ kind: "network", sent: false }, false).retry).toBe(true);
  });

  it("does not retry other 4xx", () => {
    for (const status of [400, 404, 409, 422]) {
      expect(decide({ kind: "response", status, retryAfterMs: undefined }, true)).toEqual({
        retry: false,
        reason: "not-retryable",
      });
    }
  });

  it("stops after maxAttempts and when the time budget is spent", () => {
    expect(decide({ kind: "timeout" }, true, DEFAULT_RETRY.maxAttempts)).toEqual({
      retry: false,
      reason: "attempts-exhausted",
    });
    expect(
      decide(
        { kind: "response", status: 429, retryAfterMs: 10_000 },
        true,
        1,
        DEFAULT_RETRY.maxElapsedMs - 5000,
      ),
    ).toEqual({
      retry: false,
      reason: "time-exhausted",
    });
  });

  it("caps the backoff and uses full jitter", () => {
    const options = resolveRetryOptions({ baseDelayMs: 1000, maxDelayMs: 4000 });
    expect(backoffDelay(10, options, () => 0.999)).toBeLessThanOrEqual(4000);
    expect(backoffDelay(10, options, () => 0)).toBe(DEFAULT_RETRY.minDelayMs);
  });

  it("never bursts: a Retry-After of 0 (negative or past once parsed) falls back to the backoff floor", () => {
    const worst = (outcome: AttemptOutcome, idempotent: boolean, attempt: number) =>
      decideRetry({ attempt, outcome, idempotent, elapsedMs: 0, options: DEFAULT_RETRY, random: () => 0 });
    for (const status of [429, 503]) {
      for (let attempt = 1; attempt < DEFAULT_RETRY.maxAttempts; attempt++) {
        expect(worst({ kind: "response", status, retryAfterMs: 0 }, true, attempt)).toEqual({
          retry: true,
          delayMs: 100,
        });
      }
    }
    expect(worst({ kind: "timeout" }, true, 1)).toEqual({ retry: true, delayMs: 100 });
    expect(worst({ kind: "network", sent: false }, false, 1)).toEqual({ retry: true, delayMs: 100 });
  });

  it("honours Retry-After on a 503 for idempotent requests, up to the cap", () => {
    expect(decide({ kind: "response", status: 503, retryAfterMs: 5000 }, true)).toEqual({
      retry: true,
      delayMs: 5000,
    });
    expect(decide({ kind: "response", status: 503, retryAfterMs: 61_000 }, true)).toEqual({
      retry: false,
      reason: "retry-after-too-long",
    });
    // A create stays ambiguous whatever Retry-After says: the at-most-once rule is never shortcut.
    expect(decide({ kind: "response", status: 503, retryAfterMs: 5000 }, false)).toEqual({
      retry: false,
      reason: "ambiguous",
    });
  });

  it("fills undefined overrides with defaults", () => {
    expect(resolveRetryOptions({ maxAttempts: undefined, baseDelayMs: 5 })).toEqual({
      ...DEFAULT_RETRY,
      baseDelayMs: 5,
    });
  });
});

describe("rate-limit headers", () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 0);
  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("1.5", now)).toBe(1500);
    expect(parseRetryAfter(new Date(now + 10_000).toUTCString(), now)).toBe(10_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
  it("clamps negative and past values to 0 and reads garbage as nothing", () => {
    expect(parseRetryAfter("-5", now)).toBe(0);
    expect(parseRetryAfter("-0.5", now)).toBe(0);
    expect(parseRetryAfter(new Date(now - 60_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("99999999999999999999999", now)).toBeUndefined();
    expect(parseRetryAfter("1e3", now)).toBeUndefined();
    expect(parseRetryAfter("2026", now)).toBe(2_026_000);
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("12abc", now)).toBeUndefined();
  });
  it("reads X-RateLimit-Reset as epoch seconds or a delay", () => {
    expect(parseRateLimitReset(String(now / 1000 + 30), now)).toBe(now + 30_000);
    expect(parseRateLimitReset("30", now)).toBe(now + 30_000);
  });
  it("reads the quota headers", () => {
    const headers = new Headers({
      "X-RateLimit-Limit": "75",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": String(now / 1000 + 12),
    });
    expect(readQuota(headers, now)).toEqual({ limit: 75, remaining: 0, resetAtMs: now + 12_000 });
  });
});
