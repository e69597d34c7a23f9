import type { Clock } from "../clock.js";
import { readQuota } from "./rate-limit-headers.js";

/** How fast one credential may call one vendor. */
export interface RateLimitPolicy {
  /**
   * Requests allowed in any window of `perMs` (a sliding window: never more, whichever instant the window
   * starts at). Absent: no fixed budget; the vendor's own quota headers (`X-RateLimit-Remaining` /
   * `X-RateLimit-Reset`) and `Retry-After` decide (Greenhouse v3).
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
  /**
   * Added to the window, for clocks that round (a vendor counting whole milliseconds or seconds).
   * @default 5
   */
  marginMs?: number;
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

/** Why a request is held back. */
export type WaitReason = "rate-limit" | "vendor-pause" | "concurrency";

/** Told when requests of a bucket start waiting, so a progress display can say what it waits for. */
export type WaitListener = (event: { bucket: string; reason: WaitReason; waitMs: number }) => void;

/** What the HTTP client needs from a limiter: run a request when the budget allows, and learn from answers. */
export interface RateLimiter {
  readonly policy: Readonly<RateLimitPolicy>;
  /**
   * Runs `task` when the window, the concurrency, the lane and any vendor-imposed pause allow it.
   * `onWait` hears once when the task cannot start at once: with the wait in milliseconds when it is known
   * (a window or a vendor pause), undefined when it queues behind the concurrency.
   */
  schedule<T>(lane: string | undefined, task: () => Promise<T>, options?: ScheduleOptions): Promise<T>;
  /** Holds every later request of the bucket for `ms` (capped), e.g. after a 429 with `Retry-After`. */
  pauseFor(ms: number): void;
  /** Adapts to the vendor's remaining-quota headers: with nothing left, waits for the window to reset. */
  observe(headers: Headers): void;
}

/**
 * Hands out one limiter per bucket (vendor, base URL and credential fingerprint, never the secret), so
 * every push of a runtime shares one budget per credential. The in-process implementation is
 * {@link createLocalRateLimits}; a shared one (PostgreSQL) keeps the budget across processes and machines.
 */
export interface RateLimits {
  limiterFor(bucket: string, policy: RateLimitPolicy): RateLimiter;
  close(): Promise<void>;
}

/** Options of {@link RateLimiter.schedule}. */
export interface ScheduleOptions {
  /** Stops waiting (the task is not run). */
  signal?: AbortSignal | undefined;
  /** Told once when the task has to wait. */
  onWait?: ((waitMs: number | undefined) => void) | undefined;
}

interface Waiter {
  lane: string | undefined;
  start: () => void;
  /** Called (then cleared) when the waiter cannot start at once. */
  onWait: ((waitMs: number | undefined) => void) | undefined;
}

/**
 * An exact in-process limiter: a sliding window over the last `requests` requests, concurrency counted as
 * requests in flight, per-lane concurrency, the vendor's quota headers, and a "paused until" time set by
 * the vendor (`Retry-After`). Waiters start in arrival order, except that a waiter whose lane is full does
 * not hold back the others.
 *
 * The window is anchored on answers, not on starts: a request may start only `perMs` after the answer to
 * the request `requests` places before it. A request reaches the vendor after it starts and before its
 * answer comes back, so two requests `requests` apart always arrive at least `perMs` apart, whatever the
 * network and the event loop delay: no window of the vendor ever holds more than its limit. (Anchored on
 * starts plus a margin, a delay longer than the margin on one request and shorter on another drew 429s
 * from a fake measuring arrivals on a busy event loop.) The cost is one round trip per window: with 25 ms
 * of latency and 10 requests per second, 97.5% of the ceiling.
 */
export class LocalRateLimiter implements RateLimiter {
  readonly policy: Readonly<RateLimitPolicy>;
  readonly #clock: Clock;
  readonly #bucket: string;
  readonly #onWait: WaitListener | undefined;
  readonly #windowMs: number;
  /**
   * The most recent requests (at most `policy.requests` kept): when each was answered, or undefined while
   * it is in flight.
   */
  readonly #recent: { answeredAt: number | undefined }[] = [];
  readonly #queue: Waiter[] = [];
  readonly #laneInFlight = new Map<string, number>();
  #inFlight = 0;
  #pausedUntil = 0;
  /**
   * What the vendor's quota headers leave of the current window (`X-RateLimit-Remaining` less the requests
   * started since that answer, counted as spent), and when that window resets.
   */
  #quota: { available: number; resetAtMs: number } | undefined;
  #timer: { at: number; promise: Promise<void> } | undefined;

  constructor(
    policy: RateLimitPolicy,
    clock: Clock,
    options: { bucket?: string; onWait?: WaitListener } = {},
  ) {
    this.policy = policy;
    this.#clock = clock;
    this.#bucket = options.bucket ?? "default";
    this.#onWait = options.onWait;
    this.#windowMs = policy.perMs + (policy.marginMs ?? 5);
  }

  schedule<T>(lane: string | undefined, task: () => Promise<T>, options: ScheduleOptions = {}): Promise<T> {
    const { signal } = options;
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        lane,
        onWait: options.onWait,
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          this.#inFlight++;
          if (this.#quota) this.#quota.available--;
          if (lane !== undefined) this.#laneInFlight.set(lane, (this.#laneInFlight.get(lane) ?? 0) + 1);
          const slot: { answeredAt: number | undefined } = { answeredAt: undefined };
          if (this.policy.requests !== undefined) {
            this.#recent.push(slot);
            if (this.#recent.length > this.policy.requests) this.#recent.shift();
          }
          task()
            .then(resolve, reject)
            .finally(() => {
              slot.answeredAt = this.#clock.now();
              this.#inFlight--;
              if (lane !== undefined) this.#laneInFlight.set(lane, (this.#laneInFlight.get(lane) ?? 1) - 1);
              this.#pump();
            });
        },
      };
      const onAbort = (): void => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
      if (this.#queue.includes(waiter)) this.#tellWaiting(waiter);
    });
  }

  /** Tells a waiter (once) how long it waits, when the window or a pause says. */
  #tellWaiting(waiter: Waiter): void {
    const notify = waiter.onWait;
    if (!notify) return;
    waiter.onWait = undefined;
    const now = this.#clock.now();
    const waitMs = Math.max(this.#pausedUntil - now, this.#quotaWait(now), this.#windowWait(now));
    // Waiting for an answer to free a slot has no known length.
    notify(waitMs > 0 && Number.isFinite(waitMs) ? waitMs : undefined);
  }

  pauseFor(ms: number): void {
    const capped = Math.min(Math.max(0, ms), this.policy.maxWaitMs ?? 60_000);
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + capped);
  }

  /**
   * Follows the vendor's quota headers (Greenhouse v3 announces its budget this way). The remaining count
   * of an answer may or may not include the other requests still in flight, so they are counted as spent:
   * the budget is never overdrawn, at the cost of a few requests of slack per window. An answer from an
   * earlier window (answers overtake each other) is ignored; a reset further away than `maxWaitMs` is not
   * waited for.
   */
  observe(headers: Headers): void {
    const now = this.#clock.now();
    const quota = readQuota(headers, now);
    if (quota.remaining === undefined || quota.resetAtMs === undefined || quota.resetAtMs <= now) return;
    if (quota.resetAtMs - now > (this.policy.maxWaitMs ?? 60_000)) return;
    const available = quota.remaining - Math.max(0, this.#inFlight - 1);
    const known = this.#quota;
    if (known && known.resetAtMs === quota.resetAtMs) known.available = Math.min(known.available, available);
    else if (!known || quota.resetAtMs > known.resetAtMs)
      this.#quota = { available, resetAtMs: quota.resetAtMs };
    this.#pump();
  }

  /** Milliseconds until the vendor's announced quota lets one more request start (0: now). */
  #quotaWait(now: number): number {
    const quota = this.#quota;
    if (!quota) return 0;
    if (now >= quota.resetAtMs) {
      // A new window: its budget is learnt from the next answer.
      this.#quota = undefined;
      return 0;
    }
    return quota.available > 0 ? 0 : quota.resetAtMs - now;
  }

  /**
   * Milliseconds until the window lets one more request start (0: now); Infinity while the request that
   * frees the next slot is still in flight (its answer wakes the queue).
   */
  #windowWait(now: number): number {
    const { requests } = this.policy;
    if (requests === undefined || this.#recent.length < requests) return 0;
    const anchor = this.#recent[this.#recent.length - requests]?.answeredAt;
    if (anchor === undefined) return Number.POSITIVE_INFINITY;
    return Math.max(0, anchor + this.#windowMs - now);
  }

  #laneFull(lane: string | undefined): boolean {
    if (lane === undefined) return false;
    const cap = this.policy.lanes?.[lane];
    return cap !== undefined && (this.#laneInFlight.get(lane) ?? 0) >= cap;
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      if (this.#inFlight >= this.policy.concurrency) return;
      const now = this.#clock.now();
      const pausedMs = Math.max(this.#pausedUntil - now, this.#quotaWait(now));
      const windowMs = this.#windowWait(now);
      if (windowMs === Number.POSITIVE_INFINITY) {
        // The slot frees when an answer comes back; the answer pumps the queue.
        this.#onWait?.({ bucket: this.#bucket, reason: "rate-limit", waitMs: 0 });
        return;
      }
      const waitMs = Math.max(pausedMs, windowMs);
      if (waitMs > 0) {
        this.#wakeAt(now + waitMs, pausedMs >= windowMs ? "vendor-pause" : "rate-limit", waitMs);
        return;
      }
      const index = this.#queue.findIndex((w) => !this.#laneFull(w.lane));
      if (index < 0) return;
      const [waiter] = this.#queue.splice(index, 1);
      waiter?.start();
    }
  }

  #wakeAt(at: number, reason: WaitReason, waitMs: number): void {
    if (this.#timer && this.#timer.at <= at) return;
    this.#onWait?.({ bucket: this.#bucket, reason, waitMs });
    const promise = this.#clock.sleep(waitMs).then(() => {
      if (this.#timer?.promise === promise) this.#timer = undefined;
      this.#pump();
    });
    this.#timer = { at, promise };
  }
}

/** In-process rate limits: one {@link LocalRateLimiter} per bucket, for the life of a runtime. */
export function createLocalRateLimits(clock: Clock, onWait?: WaitListener): RateLimits {
  const limiters = new Map<string, LocalRateLimiter>();
  return {
    limiterFor: (bucket, policy) => {
      let limiter = limiters.get(bucket);
      if (!limiter) {
        limiter = new LocalRateLimiter(policy, clock, onWait ? { bucket, onWait } : { bucket });
        limiters.set(bucket, limiter);
      }
      return limiter;
    },
    close: () => {
      limiters.clear();
      return Promise.resolve();
    },
  };
}

/**
 * Rate limits whose every window is `factor` times shorter (so `factor` times faster), for tests and
 * benchmarks that run a vendor's pace in less time against fakes held to the same scaled limits. Never
 * against a real vendor: it would go over its limits.
 */
export function withRateScale(limits: RateLimits, factor: number): RateLimits {
  if (!(factor > 0)) throw new Error("the rate scale must be a positive number");
  return {
    limiterFor: (bucket, policy) =>
      limits.limiterFor(bucket, { ...policy, perMs: Math.max(1, policy.perMs / factor) }),
    close: () => limits.close(),
  };
}
