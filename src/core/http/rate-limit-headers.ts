/**
 * Parsing of `Retry-After` and rate-limit headers, one comment per vendor convention.
 *
 * - `Retry-After` (RFC 9110): either delay-seconds or an HTTP-date. Greenhouse v1 and v3 send seconds.
 *   SmartRecruiters documents no `Retry-After` at all (clients back off exponentially).
 * - `X-RateLimit-Reset`: Greenhouse v3 sends UTC epoch seconds; Greenhouse v1 documents "a timestamp";
 *   some APIs send seconds until reset. A value above 10^9 is read as epoch seconds, a smaller number as
 *   seconds from now, anything else as an HTTP-date.
 * - `X-RateLimit-Remaining` / `X-RateLimit-Limit`: Greenhouse, SmartRecruiters and (probably) Breezy.
 */

/**
 * Milliseconds to wait according to `Retry-After`, or undefined when absent or unreadable.
 *
 * Both RFC 9110 forms: delay-seconds (`120`; decimals tolerated) and an HTTP-date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`). A negative delay or a date in the past gives 0 ("no wait asked"), never
 * a negative number: the retry policy then falls back to its own backoff floor, so a hostile or broken
 * header cannot cause a burst. Anything else (text, an absurd number) is unreadable: undefined.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^[+-]?\d+(\.\d+)?$/.test(trimmed)) {
    const ms = Math.round(Number(trimmed) * 1000);
    return Number.isSafeInteger(ms) ? Math.max(0, ms) : undefined;
  }
  // An HTTP-date has a day or month name; `Date.parse` alone would read "-5" or "2" as dates.
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The epoch time (ms) at which the rate-limit window resets, or undefined. */
export function parseRateLimitReset(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    // Epoch seconds (Greenhouse v3) versus a delay in seconds.
    return n > 1e9 ? Math.round(n * 1000) : nowMs + Math.round(n * 1000);
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : date;
}

/** What the vendor said about the remaining quota. */
export interface QuotaSnapshot {
  limit: number | undefined;
  remaining: number | undefined;
  resetAtMs: number | undefined;
}

function intHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/** Reads `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`. */
export function readQuota(headers: Headers, nowMs: number): QuotaSnapshot {
  return {
    limit: intHeader(headers, "x-ratelimit-limit"),
    remaining: intHeader(headers, "x-ratelimit-remaining"),
    resetAtMs: parseRateLimitReset(headers.get("x-ratelimit-reset"), nowMs),
  };
}
