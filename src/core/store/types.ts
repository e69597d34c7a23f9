/**
 * The push ledger: a durable record, per (connector, target account, HrFlow profile), of what a push did in
 * the vendor — which vendor record it worked on, which steps are done *for that record*, which non-idempotent
 * requests are in flight (write-ahead), how it ended and why it failed. Claims (leases) keep two pushes of
 * the same key, in one process or several, from running at once.
 *
 * A backend is an implementation of {@link Store}; callers never branch on the backend.
 */
import type { RunStore } from "./runs.js";

import type { WaitListener } from "../http/rate-limiter.js";
import type { SharedRateLimits } from "./shared-limits.js";
import type { JobQueue } from "./queue.js";

/** How a push ended. `pending`: under way or stopped before finishing; `in-doubt`: a create may have happened and cannot be checked. */
export type LedgerOutcome =
  "created" | "updated" | "unchanged" | "partial" | "failed" | "pending" | "in-doubt";

/**
 * Why the last attempt failed, which decides what `replay` does with it: `retryable` failures are replayed;
 * `config`, `auth` and `mapping` ones need a fix first (listed apart); `in-doubt` needs `ledger resolve`.
 */
export type FailureKind = "retryable" | "config" | "auth" | "mapping" | "in-doubt";

/** One step of a push (`candidate`, `cv`, `application:123`, ...), as recorded. */
export interface StepRecord {
  /**
   * `in-flight`: a request that is not safe to repeat was recorded *before* it was sent (write-ahead); a
   * push that finds it does not know whether the vendor executed it, and looks before sending it again.
   */
  status: "done" | "failed" | "in-flight";
  /** When the status was written (ISO 8601). For `in-flight`, when the request was about to be sent. */
  at: string;
  /** The vendor record the step was done for (the candidate id); steps of another record do not count. */
  recordId?: string | undefined;
  /** What the step produced in the vendor (an application id), when it says. */
  vendorId?: string | undefined;
  /** A short note (file name, reason of a failure); never a secret, never profile data. */
  detail?: string | undefined;
  /** Candidate step only: whether this ledger created the record or found it (someone else's record). */
  origin?: "created" | "found" | undefined;
  /**
   * Candidate step only: false while the vendor has not shown the record yet (a create answered without
   * the record: Greenhouse v1's asynchronous creation, Flatchr's id-less answer). A record never seen that
   * is missing shortly after its create is still being made; one seen and then missing was deleted.
   */
  seen?: boolean | undefined;
}

/** Identifies one profile pushed to one account of one vendor. */
export interface LedgerKey {
  connector: string;
  /** Non-secret identity of the target: base URL, account fingerprint, scope (company, position). */
  target: string;
  profileKey: string;
}

/** The last error of a push, already redacted and bounded. */
export interface LedgerError {
  name: string;
  message: string;
  kind: FailureKind;
}

/** Everything the ledger keeps about one push. Nothing else is stored (no email, no profile content). */
export interface LedgerEntry extends LedgerKey {
  /** The HrFlow source, so that `replay` can pull the profile again. */
  sourceKey: string;
  /** The vendor base URL and the non-secret vendor options of the last push, so it can be replayed. */
  baseUrl: string;
  options: Record<string, unknown>;
  /** The vendor record (candidate id) the steps belong to; undefined when the vendor gives none (Flatchr). */
  vendorId: string | undefined;
  outcome: LedgerOutcome;
  steps: Record<string, StepRecord>;
  attempts: number;
  lastError: LedgerError | undefined;
  /**
   * Hashes of the payload fields of the last complete push (field name to a short hash), so a dry run can
   * say whether the profile changed and which fields, without keeping the profile itself.
   */
  fingerprint: Record<string, string> | undefined;
  createdAt: string;
  updatedAt: string;
}

/** Filter of {@link LedgerStore.list}. */
export interface LedgerFilter {
  connector?: string | undefined;
  outcomes?: readonly LedgerOutcome[] | undefined;
  profileKey?: string | undefined;
  /** Only entries updated before this time (ISO 8601). */
  updatedBefore?: string | undefined;
  /** At most this many, most recently updated first when set. */
  limit?: number | undefined;
}

/** A lease on one key, held by one owner. `token` grows with every new claim of the key (a fence). */
export interface Claim extends LedgerKey {
  owner: string;
  token: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Someone else holds the key. */
export interface ClaimHeld {
  heldBy: string;
  expiresAt: number;
}

/** Where ledger entries and claims live. */
export interface LedgerStore {
  get(key: LedgerKey): Promise<LedgerEntry | undefined>;
  /**
   * Writes an entry. With a claim, the write happens only while that claim is still the key's current one;
   * otherwise it throws {@link ClaimLostError} (another owner took over an expired lease).
   */
  put(entry: LedgerEntry, claim?: Claim): Promise<void>;
  list(filter?: LedgerFilter): Promise<LedgerEntry[]>;
  /** Removes an entry; true when there was one. */
  forget(key: LedgerKey): Promise<boolean>;
  /**
   * Takes the key for `leaseMs` when it is free, expired, or already held by `owner`. Atomic across every
   * process that shares the database.
   */
  claim(key: LedgerKey, owner: string, leaseMs: number, nowMs: number): Promise<Claim | ClaimHeld>;
  /** Extends a claim still held; undefined when it was lost. */
  renew(claim: Claim, leaseMs: number, nowMs: number): Promise<Claim | undefined>;
  /** Gives a claim back (no-op when it was lost). */
  release(claim: Claim): Promise<void>;
  /** Removes finished entries (not pending, in-doubt or claimed) last updated before `before`; returns how many. */
  purge(before: string): Promise<number>;
}

/** A database holding the ledger, the runs (and, for the service, the job queue). */
export interface Store {
  /** `memory`, `sqlite` or `postgres`, for messages and `/readyz`. */
  readonly kind: string;
  /** Where it lives, without credentials (a file path, a redacted URL). */
  readonly location: string;
  readonly ledger: LedgerStore;
  /** The job queue of the webhook service, in the same database as the ledger. */
  readonly queue: JobQueue;
  /** What each batch and service run did (`hrflow-connectors runs`). */
  readonly runs: RunStore;
  /** Answers when the database is reachable and migrated (for `/readyz`). */
  ping(): Promise<void>;
  /**
   * Vendor rate limits kept in this database, shared by every process on every machine that opens it;
   * absent on backends that cannot share them beyond one process (memory, SQLite). A runtime keeps the
   * in-process limits unless it is given these.
   */
  sharedRateLimits?(options?: { onWait?: WaitListener | undefined }): SharedRateLimits;
  close(): Promise<void>;
}

/** Raised by {@link LedgerStore.put} when the writer's claim is no longer the key's current claim. */
export class ClaimLostError extends Error {
  override readonly name = "ClaimLostError";
  constructor(key: LedgerKey, owner: string) {
    super(
      `the claim of ${owner} on ${key.connector} profile ${key.profileKey} was taken over after it expired; this push stopped writing`,
    );
  }
}

/** The string form of a key (for maps). */
export function ledgerId(key: LedgerKey): string {
  return JSON.stringify([key.connector, key.target, key.profileKey]);
}

/** True when an entry passes a filter (the backends that filter in memory use it). */
export function matchesFilter(entry: LedgerEntry, filter: LedgerFilter | undefined): boolean {
  if (filter?.connector !== undefined && entry.connector !== filter.connector) return false;
  if (filter?.profileKey !== undefined && entry.profileKey !== filter.profileKey) return false;
  if (filter?.outcomes !== undefined && !filter.outcomes.includes(entry.outcome)) return false;
  if (filter?.updatedBefore !== undefined && !(entry.updatedAt < filter.updatedBefore)) return false;
  return true;
}

/** Outcomes that a purge never removes: the push is not finished. */
export const UNFINISHED: readonly LedgerOutcome[] = ["pending", "in-doubt", "failed", "partial"];

/** True for a claim (as opposed to {@link ClaimHeld}). */
export function isClaim(value: Claim | ClaimHeld): value is Claim {
  return "token" in value;
}
