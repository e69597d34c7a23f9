import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";
import { readQuota } from "../../http/rate-limit-headers.js";
import type {
  RateLimiter,
  RateLimitPolicy,
  ScheduleOptions,
  WaitListener,
  WaitReason,
} from "../../http/rate-limiter.js";
import type { Logger } from "../../logger.js";
import type { RateLimitStats, SharedRateLimits } from "../shared-limits.js";
import { DB_NOW_MS, type PostgresDatabase } from "./database.js";

/** Options of {@link createPostgresRateLimits}. */
export interface PostgresRateLimitsOptions {
  /** Told when requests of a bucket start waiting (what a progress display shows). */
  onWait?: WaitListener | undefined;
  /** This process's name on its permits (`host:pid:random` by default). */
  holder?: string | undefined;
  /**
   * How long a permit (a request in flight) counts when its holder stops renewing it: the time a killed
   * worker's requests keep their concurrency slots. Renewed every third of it while the process lives.
   * @default 15000
   */
  permitTtlMs?: number | undefined;
  /**
   * How often a request held back by another worker's request (its concurrency slot, or the window slot
   * its answer frees) asks again; this process's own answers wake it at once. @default 15
   */
  pollMs?: number | undefined;
  logger?: Logger | undefined;
}

const Int8 = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);
const GrantSchema = z.object({
  permit_id: Int8.nullable(),
  wait_ms: Int8.nullable(),
  reason: z.enum(["granted", "vendor-pause", "concurrency", "lane", "rate-limit"]),
  in_flight: z.number().int().nullable(),
});
const SharedRowSchema = z.object({
  bucket: z.string(),
  in_flight: Int8,
  budget: Int8,
  window_ms: Int8,
  in_window: Int8,
  paused_until: Int8,
  granted: Int8,
  now_ms: Int8,
});

type ResolvedOptions = PostgresRateLimitsOptions & {
  holder: string;
  permitTtlMs: number;
  pollMs: number;
};

interface Waiter {
  lane: string | undefined;
  since: number;
  start: (permitId: number) => void;
  fail: (error: Error) => void;
}

/** How long to sleep, interruptible by {@link Sleeper.wake}. */
class Sleeper {
  #wake: (() => void) | undefined;
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#wake = done;
    });
  }
  wake(): void {
    this.#wake?.();
  }
}

/**
 * One bucket's limiter in one process. Requests queue here in arrival order; one loop per bucket asks the
 * database for a grant (one round trip to `acquire_rate_permit`), starts the request with its permit, and
 * on a refusal sleeps until the window frees (the database says exactly when), the vendor's pause ends,
 * or, when another request must answer first, until a request of this process ends or `pollMs` passes.
 * A request's answer is written back (`release_rate_permit`): it anchors the window slot it took.
 */
class PostgresRateLimiter implements RateLimiter {
  readonly policy: Readonly<RateLimitPolicy>;
  readonly #db: PostgresDatabase;
  readonly #bucket: string;
  readonly #options: ResolvedOptions;
  readonly #windowMs: number;
  readonly #queue: Waiter[] = [];
  readonly #sleeper = new Sleeper();
  readonly #stats: RateLimitStats;
  #running = false;
  #closed = false;
  /** The vendor's pause as this process knows it (its own clock), applied before the database hears of it. */
  #pausedUntil = 0;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(db: PostgresDatabase, bucket: string, policy: RateLimitPolicy, options: ResolvedOptions) {
    this.#db = db;
    this.#bucket = bucket;
    this.policy = policy;
    this.#options = options;
    // The same window as the in-process limiter's: anchored on answers, so no margin for delays is needed.
    this.#windowMs = policy.perMs + (policy.marginMs ?? 5);
    this.#stats = {
      bucket,
      granted: 0,
      waits: { "rate-limit": 0, concurrency: 0, "vendor-pause": 0 },
      waitedMs: 0,
      inFlight: 0,
      sharedInFlight: 0,
      roundTrips: 0,
      errors: 0,
    };
  }

  get stats(): RateLimitStats {
    return { ...this.#stats, waits: { ...this.#stats.waits } };
  }

  schedule<T>(lane: string | undefined, task: () => Promise<T>, options: ScheduleOptions = {}): Promise<T> {
    // Waits are told through the bucket's WaitListener (from the database's answer), not per request.
    const { signal } = options;
    return new Promise<T>((resolve, reject) => {
      if (this.#closed) {
        reject(new Error("the shared rate limits are closed"));
        return;
      }
      const onAbort = (): void => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
      };
      const waiter: Waiter = {
        lane,
        since: Date.now(),
        start: (permitId) => {
          signal?.removeEventListener("abort", onAbort);
          this.#stats.waitedMs += Date.now() - waiter.since;
          this.#stats.granted++;
          this.#stats.inFlight++;
          task()
            .then(resolve, reject)
            .finally(() => {
              this.#stats.inFlight--;
              this.#track(this.#release(permitId));
            });
        },
        fail: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  pauseFor(ms: number): void {
    const capped = Math.round(Math.min(Math.max(0, ms), this.policy.maxWaitMs ?? 60_000));
    if (capped <= 0) return;
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + capped);
    // Every worker holds back from now on: the pause is written on the database's clock.
    this.#track(
      this.#db.pool
        .query(
          `INSERT INTO ${this.#db.table("rate_buckets")} AS b (bucket, paused_until)
           VALUES ($1, ${DB_NOW_MS} + $2::bigint)
           ON CONFLICT (bucket) DO UPDATE SET paused_until = greatest(b.paused_until, excluded.paused_until)`,
          [this.#bucket, capped],
        )
        .catch((error: unknown) => {
          this.#options.logger?.warn(`could not share a vendor pause: ${String(error)}`, {
            bucket: this.#bucket,
          });
        }),
    );
  }

  /**
   * Follows the vendor's quota headers for every worker (see `observe_rate_quota`): what remains of the
   * window, less the requests in flight anywhere, until the window resets. A reset further away than
   * `maxWaitMs` is not waited for.
   */
  observe(headers: Headers): void {
    const now = Date.now();
    const quota = readQuota(headers, now);
    if (quota.remaining === undefined || quota.resetAtMs === undefined || quota.resetAtMs <= now) return;
    this.#track(
      this.#db.pool
        .query(`SELECT ${this.#db.table("observe_rate_quota")}($1, $2, $3, $4)`, [
          this.#bucket,
          Math.max(0, Math.floor(quota.remaining)),
          Math.round(quota.resetAtMs - now),
          this.policy.maxWaitMs ?? 60_000,
        ])
        .catch((error: unknown) => {
          this.#options.logger?.warn(`could not share a vendor quota: ${String(error)}`, {
            bucket: this.#bucket,
          });
        }),
    );
  }

  /** Stops granting; waiters are refused; resolves when the pending releases are written. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#queue.splice(0)) waiter.fail(new Error("the shared rate limits are closed"));
    this.#sleeper.wake();
    await Promise.allSettled([...this.#pending]);
  }

  #track(promise: Promise<unknown>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }

  async #release(permitId: number): Promise<void> {
    try {
      await this.#db.pool.query(`SELECT ${this.#db.table("release_rate_permit")}($1, $2)`, [
        this.#bucket,
        permitId,
      ]);
    } catch (error) {
      // The permit lapses on its own once this process stops renewing it.
      this.#options.logger?.warn(`could not release a rate-limit permit: ${String(error)}`, {
        bucket: this.#bucket,
      });
    }
    this.#sleeper.wake();
    this.#pump();
  }

  #pump(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#loop().finally(() => {
      this.#running = false;
      if (this.#queue.length > 0 && !this.#closed) this.#pump();
    });
  }

  async #acquire(lane: string | undefined): Promise<z.output<typeof GrantSchema>> {
    const laneCap = lane === undefined ? undefined : this.policy.lanes?.[lane];
    this.#stats.roundTrips++;
    const result = await this.#db.pool.query(
      `SELECT * FROM ${this.#db.table("acquire_rate_permit")}($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        this.#bucket,
        this.policy.requests ?? null,
        this.#windowMs,
        this.policy.concurrency,
        lane ?? null,
        laneCap ?? null,
        this.#options.holder,
        this.#options.permitTtlMs,
      ],
    );
    return GrantSchema.parse(result.rows[0]);
  }

  async #loop(): Promise<void> {
    let waitingFor: WaitReason | undefined;
    let failures = 0;
    while (this.#queue.length > 0 && !this.#closed) {
      const pausedMs = this.#pausedUntil - Date.now();
      if (pausedMs > 0) {
        this.#waitStarted("vendor-pause", pausedMs, waitingFor);
        waitingFor = "vendor-pause";
        await this.#sleeper.sleep(pausedMs);
        continue;
      }
      // The first waiter of each lane, in arrival order: a full lane does not hold back the others.
      const tried = new Set<string | undefined>();
      let sleepMs: number | undefined;
      let reason: WaitReason = "concurrency";
      let started = false;
      try {
        for (const waiter of [...this.#queue]) {
          if (tried.has(waiter.lane) || !this.#queue.includes(waiter)) continue;
          tried.add(waiter.lane);
          const grant = await this.#acquire(waiter.lane);
          failures = 0;
          if (grant.in_flight !== null) this.#stats.sharedInFlight = grant.in_flight;
          if (grant.reason === "granted") {
            if (grant.permit_id === null) throw new Error("a grant without a permit");
            const index = this.#queue.indexOf(waiter);
            if (index < 0) {
              // Aborted while asking: give the permit back.
              this.#track(this.#release(grant.permit_id));
            } else {
              this.#queue.splice(index, 1);
              waiter.start(grant.permit_id);
            }
            started = true;
            break;
          }
          if (grant.reason === "lane") continue;
          reason = grant.reason;
          sleepMs = grant.wait_ms ?? this.#options.pollMs;
          break;
        }
      } catch (error) {
        this.#stats.errors++;
        failures++;
        // The database is unreachable: the oldest request fails after a few tries (its push is retried
        // later), the others keep waiting.
        if (failures >= 3) {
          failures = 0;
          const message = error instanceof Error ? error.message : String(error);
          this.#queue.shift()?.fail(new Error(`the shared rate limits are unavailable: ${message}`));
        }
        await this.#sleeper.sleep(100 * failures);
        continue;
      }
      if (started) {
        waitingFor = undefined;
        continue;
      }
      const waitMs = sleepMs ?? this.#options.pollMs;
      this.#waitStarted(reason, waitMs, waitingFor);
      waitingFor = reason;
      await this.#sleeper.sleep(waitMs);
    }
  }

  #waitStarted(reason: WaitReason, waitMs: number, previous: WaitReason | undefined): void {
    if (previous === reason) return;
    this.#stats.waits[reason]++;
    try {
      this.#options.onWait?.({ bucket: this.#bucket, reason, waitMs });
    } catch {
      // A display's failure never holds requests back.
    }
  }
}

/**
 * Vendor rate limits whose state lives in PostgreSQL, so N workers on any number of machines together stay
 * within each vendor's limits per credential: a sliding window over the last requests, anchored on their
 * answers (exact: no window of the policy's length ever holds more than its budget at the vendor, whichever
 * worker sent them and however late a request left its process),
 * requests in flight counted across workers (with per-lane caps), and the vendor's "paused until" from
 * `Retry-After` and exhausted-quota headers, all on the database's clock. A killed worker's requests stop
 * counting once their permits lapse (`permitTtlMs`).
 *
 * The in-process limiter stays the default of a runtime; pass this one as its `rateLimits` when several
 * processes push with the same credentials.
 */
export function createPostgresRateLimits(
  db: PostgresDatabase,
  options: PostgresRateLimitsOptions = {},
): SharedRateLimits {
  const resolved = {
    ...options,
    holder: options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    permitTtlMs: options.permitTtlMs ?? 15_000,
    pollMs: options.pollMs ?? 15,
  };
  const limiters = new Map<string, PostgresRateLimiter>();
  let renewing: Promise<unknown> | undefined;
  // Keeps this process's permits alive while it runs; a killed process's permits lapse after their TTL.
  const heartbeat = setInterval(
    () => {
      if (renewing || ![...limiters.values()].some((l) => l.stats.inFlight > 0)) return;
      renewing = db.pool
        .query(
          `UPDATE ${db.table("rate_permits")} SET expires_at = ${DB_NOW_MS} + $2::bigint WHERE holder = $1`,
          [resolved.holder, resolved.permitTtlMs],
        )
        .catch((error: unknown) => {
          options.logger?.warn(`could not renew rate-limit permits: ${String(error)}`);
        })
        .finally(() => {
          renewing = undefined;
        });
    },
    Math.max(100, Math.floor(resolved.permitTtlMs / 3)),
  );
  heartbeat.unref();
  let closed: Promise<void> | undefined;
  return {
    limiterFor(bucket, policy) {
      let limiter = limiters.get(bucket);
      if (!limiter) {
        limiter = new PostgresRateLimiter(db, bucket, policy, resolved);
        limiters.set(bucket, limiter);
      }
      return limiter;
    },
    stats: () => [...limiters.values()].map((l) => l.stats),
    async shared() {
      const result = await db.pool.query(
        `WITH t AS (SELECT ${DB_NOW_MS} AS now_ms)
         SELECT b.bucket, b.granted, b.budget, b.window_ms, t.now_ms,
           greatest(b.paused_until,
             CASE WHEN b.quota_available <= 0 THEN coalesce(b.quota_reset_at, 0) ELSE 0 END) AS paused_until,
           (SELECT count(*) FROM ${db.table("rate_permits")} p
             WHERE p.bucket = b.bucket AND p.expires_at > t.now_ms) AS in_flight,
           (SELECT count(*) FROM unnest(b.recent_started) s WHERE s > t.now_ms - b.window_ms) AS in_window
         FROM ${db.table("rate_buckets")} b, t ORDER BY b.bucket`,
      );
      return result.rows.map((row) => {
        const r = SharedRowSchema.parse(row);
        return {
          bucket: r.bucket,
          inFlight: r.in_flight,
          budget: r.budget,
          windowMs: r.window_ms,
          startedInWindow: r.in_window,
          pausedUntil: r.paused_until > r.now_ms ? r.paused_until : 0,
          granted: r.granted,
        };
      });
    },
    close() {
      closed ??= (async () => {
        clearInterval(heartbeat);
        await Promise.allSettled([...limiters.values()].map((l) => l.close()));
        await renewing;
        // This process's permits are released as their requests end; any left (a request still running
        // at close) are removed now rather than when they lapse.
        await db.pool
          .query(`DELETE FROM ${db.table("rate_permits")} WHERE holder = $1`, [resolved.holder])
          .catch(() => undefined);
      })();
      return closed;
    },
  };
}
