/**
 * The single retry policy of every outbound call. Each branch says why.
 *
 * The one rule that matters most: a request that creates something (POST/PATCH without idempotency) is
 * never repeated when the vendor may have executed it (timeout, connection reset after sending, 5xx).
 * Such failures are returned as *ambiguous*; the connector looks the candidate up before trying again.
 */

/** Bounds of the retry loop. */
export interface RetryOptions {
  /** Attempts in total, the first one included. @default 4 */
  maxAttempts: number;
  /** First backoff delay; doubles each attempt, with full jitter. @default 300 */
  baseDelayMs: number;
  /** Largest backoff delay. @default 10000 */
  maxDelayMs: number;
  /** Largest `Retry-After` honoured; a longer one fails fast with `RateLimitError`. @default 60000 */
  maxRetryAfterMs: number;
  /** Total time budget across attempts and waits. @default 120000 */
  maxElapsedMs: number;
  /**
   * Smallest wait before any retry, whatever the jitter or `Retry-After` says (a `Retry-After` of 0, negative
   * or in the past never causes a burst: four attempts take at least 3 times this long).
   * @default 100
   */
  minDelayMs: number;
}

/** Some of the retry options; missing or undefined ones take the defaults. */
export type RetryOverrides = { [K in keyof RetryOptions]?: RetryOptions[K] | undefined };

/** The defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 300,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  maxElapsedMs: 120_000,
  minDelayMs: 100,
});

/** Fills missing retry options with the defaults. */
export function resolveRetryOptions(overrides: RetryOverrides | undefined): RetryOptions {
  const out: RetryOptions = { ...DEFAULT_RETRY };
  for (const key of Object.keys(out) as (keyof RetryOptions)[]) {
    const value = overrides?.[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** What happened on the attempt that just ended. */
export type AttemptOutcome =
  | { kind: "response"; status: number; retryAfterMs: number | undefined }
  /** `sent: false` when the connection was refused or the host unknown: nothing reached the vendor. */
  | { kind: "network"; sent: boolean }
  | { kind: "timeout" };

/** Input of {@link decideRetry}. */
export interface RetryInput {
  /** 1-based number of the attempt that just ended. */
  attempt: number;
  outcome: AttemptOutcome;
  /** True when repeating the request cannot create a second record (GET, PUT, DELETE, lookups). */
  idempotent: boolean;
  /** Time spent since the first attempt started. */
  elapsedMs: number;
  options: RetryOptions;
  /** Source of jitter, in [0, 1). */
  random: () => number;
}

/** The decision: wait and retry, or stop and say why. */
export type RetryDecision =
  | { retry: true; delayMs: number }
  | {
      retry: false;
      reason:
        "not-retryable" | "ambiguous" | "attempts-exhausted" | "time-exhausted" | "retry-after-too-long";
    };

/**
 * Exponential backoff with full jitter: a random delay in [0, min(max, base * 2^(attempt-1))], never below
 * the floor `minDelayMs`.
 */
export function backoffDelay(attempt: number, options: RetryOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.max(options.minDelayMs, Math.round(ceiling * random()));
}

/**
 * The wait before retrying when the vendor may have said how long: at least what `Retry-After` asks, and
 * at least the backoff (so a `Retry-After: 0`, negative or past value falls back to the backoff floor).
 */
function honouredDelay(attempt: number, retryAfterMs: number | undefined, input: RetryInput): number {
  const backoff = backoffDelay(attempt, input.options, input.random);
  return retryAfterMs === undefined ? backoff : Math.max(retryAfterMs, backoff);
}

/** Decides whether the attempt that just ended is retried, and after how long. */
export function decideRetry(input: RetryInput): RetryDecision {
  const { outcome, idempotent, options } = input;
  let delayMs: number;

  if (outcome.kind === "response") {
    const { status } = outcome;
    if (status === 429) {
      // Rate limited: the vendor refused the request without executing it, so even a create is safe to
      // repeat. Honour Retry-After, but never hang a worker on a very long one.
      if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > options.maxRetryAfterMs) {
        return { retry: false, reason: "retry-after-too-long" };
      }
      delayMs = honouredDelay(input.attempt, outcome.retryAfterMs, input);
    } else if (status === 408) {
      // Request Timeout: the server gave up waiting for the request itself; nothing was executed.
      delayMs = backoffDelay(input.attempt, options, input.random);
    } else if (status >= 500 && status <= 599) {
      // Server errors: the vendor may have executed the request before failing. Safe to repeat only when
      // idempotent; a create is reported as ambiguous so the caller can look it up first, even on a 503
      // with Retry-After (the at-most-once rule is never shortcut: the error carries `retryAfterMs`, and the
      // caller waits at least that long before its lookup). An idempotent request waits what Retry-After
      // says (503 Service Unavailable and 429 alike), never more than the cap.
      if (!idempotent) return { retry: false, reason: "ambiguous" };
      if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > options.maxRetryAfterMs) {
        return { retry: false, reason: "retry-after-too-long" };
      }
      delayMs = honouredDelay(input.attempt, outcome.retryAfterMs, input);
    } else {
      // Every other status (2xx handled elsewhere, 4xx) is final: repeating would give the same answer.
      return { retry: false, reason: "not-retryable" };
    }
  } else if (outcome.kind === "network") {
    // Connection refused or unknown host: nothing was sent, so any request may be repeated. A reset or a
    // dropped connection after sending may have been executed: only idempotent requests are repeated.
    if (outcome.sent && !idempotent) return { retry: false, reason: "ambiguous" };
    delayMs = backoffDelay(input.attempt, options, input.random);
  } else {
    // Per-attempt timeout: the vendor may still be executing the request.
    if (!idempotent) return { retry: false, reason: "ambiguous" };
    delayMs = backoffDelay(input.attempt, options, input.random);
  }

  if (input.attempt >= options.maxAttempts) return { retry: false, reason: "attempts-exhausted" };
  if (input.elapsedMs + delayMs > options.maxElapsedMs) return { retry: false, reason: "time-exhausted" };
  return { retry: true, delayMs };
}
