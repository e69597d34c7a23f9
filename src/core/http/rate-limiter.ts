import PQueue from "p-queue";
import type { Clock } from "../clock.js";
import { readQuota } from "./rate-limit-headers.js";

/** How fast one credential may call one vendor. */
export interface RateLimitPolicy {
  /**
   * Requests allowed per window. Absent: no fixed budget, the vendor's own quota headers
   * (`X-RateLimit-Remaining` / `X-RateLimit-Reset`) and `Retry-After` decide (Greenhouse v3).
   */
  requests?: number;
  /** Length of the window. */
  perMs: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Lanes with their own, lower concurrency (e.g. SmartRecruiters candidate search: 1). */
  lanes?: Readonly<Record<string, number>>;
  /** Longest wait imposed by a vendor's quota headers before requests go ahead anyway. @default 60000 */
  maxWaitMs?: number;
}

/** One line describing a policy, for docs and the CLI. */
export function describeRateLimit(policy: RateLimitPolicy): string {
  const seconds = policy.perMs / 1000;
  const window = seconds === 1 ? "per second" : seconds === 60 ? "per minute" : `per ${seconds} s`;
  const budget =
    policy.requests === undefined
      ? `the budget the vendor announces in its rate-limit headers (${seconds} s window)`
      : `${policy.requests} requests ${window}`;
  const lanes = Object.entries(policy.lanes ?? {})
    .map(([lane, n]) => `${n} at a time for ${lane}`)
    .join(", ");
  return `${budget}, ${policy.concurrency} in flight per credential${lanes ? ` (${lanes})` : ""}`;
}

/** A conservative default for vendors that publish no limit (Flatchr, Taleez, HrFlow). */
export const DEFAULT_RATE_LIMIT: Readonly<RateLimitPolicy> = Object.freeze({
  requests: 5,
  perMs: 1000,
  concurrency: 4,
});

/**
 * Per-vendor, per-credential limiter: a p-queue for the window and the concurrency, an optional p-queue
 * per lane, and a "blocked until" time set from the vendor's own quota headers or a 429.
 */
export class RateLimiter {
  readonly policy: Readonly<RateLimitPolicy>;
  readonly #queue: PQueue;
  readonly #lanes = new Map<string, PQueue>();
  readonly #clock: Clock;
  #blockedUntil = 0;

  constructor(policy: RateLimitPolicy, clock: Clock) {
    this.policy = policy;
    this.#clock = clock;
    this.#queue =
      policy.requests === undefined
        ? new PQueue({ concurrency: policy.concurrency })
        : new PQueue({
            concurrency: policy.concurrency,
            intervalCap: policy.requests,
            interval: policy.perMs,
          });
    for (const [lane, concurrency] of Object.entries(policy.lanes ?? {})) {
      this.#lanes.set(lane, new PQueue({ concurrency }));
    }
  }

  /**
   * Runs `task` when the window, the concurrency, the lane and any vendor-imposed pause allow it.
   * `onWait` hears when the task cannot start at once: with the wait in milliseconds when the vendor
   * imposed a pause, undefined when it queues behind the window or the concurrency.
   */
  schedule<T>(
    lane: string | undefined,
    task: () => Promise<T>,
    onWait?: (waitMs: number | undefined) => void,
  ): Promise<T> {
    const state = { started: false };
    const run = (): Promise<T> =>
      this.#queue.add(async () => {
        state.started = true;
        const waitMs = this.#blockedUntil - this.#clock.now();
        if (waitMs > 0) {
          onWait?.(waitMs);
          await this.#clock.sleep(waitMs);
        }
        return task();
      });
    const laneQueue = lane === undefined ? undefined : this.#lanes.get(lane);
    const result = laneQueue ? laneQueue.add(run) : run();
    // p-queue starts a task synchronously when the window and the concurrency allow it.
    if (!state.started) onWait?.(undefined);
    return result;
  }

  /** Holds every later request for `ms` (capped), e.g. after a 429. */
  pauseFor(ms: number): void {
    const capped = Math.min(ms, this.policy.maxWaitMs ?? 60_000);
    this.#blockedUntil = Math.max(this.#blockedUntil, this.#clock.now() + capped);
  }

  /** Adapts to the vendor's remaining-quota headers: with nothing left, wait for the window to reset. */
  observe(headers: Headers): void {
    const now = this.#clock.now();
    const quota = readQuota(headers, now);
    if (quota.remaining === 0 && quota.resetAtMs !== undefined && quota.resetAtMs > now) {
      this.pauseFor(quota.resetAtMs - now);
    }
  }
}

const limiters = new Map<string, RateLimiter>();

/**
 * The limiter shared by every call made with the same credential (`accountId`, never the secret itself) to
 * the same vendor, so concurrent pushes respect one budget even when each builds its own auth object.
 */
export function rateLimiterFor(
  accountId: string,
  vendor: string,
  policy: RateLimitPolicy,
  clock: Clock,
): RateLimiter {
  const key = `${vendor}|${accountId}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new RateLimiter(policy, clock);
    limiters.set(key, limiter);
  }
  return limiter;
}
