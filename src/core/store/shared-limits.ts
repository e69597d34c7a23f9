import type { RateLimits, WaitReason } from "../http/rate-limiter.js";

/**
 * Vendor rate limits kept in a database that several processes share (see `Store.sharedRateLimits`), and
 * the figures they give `/metrics`. Backend-neutral: PostgreSQL implements it.
 */

/** What one process's limiter of one bucket did (for `/metrics`). */
export interface RateLimitStats {
  bucket: string;
  /** Requests this process was allowed to start. */
  granted: number;
  /** Times a request of this process was held back, by reason. */
  waits: Record<WaitReason, number>;
  /** Milliseconds spent waiting for a grant, summed over this process's requests. */
  waitedMs: number;
  /** Requests of this process in flight now. */
  inFlight: number;
  /** Requests in flight in every worker, as the database last said. */
  sharedInFlight: number;
  /** Round trips to the database to ask for a grant. */
  roundTrips: number;
  /** Failed round trips (the database unreachable). */
  errors: number;
}

/** A bucket as every worker sees it in the database. */
export interface SharedBucketState {
  bucket: string;
  /** Requests in flight in every worker. */
  inFlight: number;
  /** The policy's budget (requests per window; 0 when the vendor's headers decide) and window. */
  budget: number;
  windowMs: number;
  /** Requests started by every worker in the last window (at most the budget). */
  startedInWindow: number;
  /**
   * Epoch ms (database clock) until which every worker waits: the vendor asked (`Retry-After`) or its
   * announced quota is spent until its window resets; 0 when not paused.
   */
  pausedUntil: number;
  /** Requests granted since the bucket was created. */
  granted: number;
}

/** Vendor rate limits kept in PostgreSQL, shared by every process on the database. */
export interface SharedRateLimits extends RateLimits {
  /** This process's figures, per bucket. */
  stats(): RateLimitStats[];
  /** Every worker's figures, per bucket, read from the database. */
  shared(): Promise<SharedBucketState[]>;
}
