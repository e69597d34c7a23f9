import { z } from "zod";
import type { FailureKind, LedgerEntry } from "./types.js";

/**
 * The durable job queue of the webhook service: one job per (profile, target) to push, taken by workers
 * under a lease, retried with backoff, dead-lettered with a reason when it cannot succeed.
 *
 * Backend-neutral on purpose: the embedded backend keeps it in the ledger's SQLite file; the PostgreSQL
 * backend implements it on pg-boss. How the concepts map onto pg-boss:
 *
 * | here                         | pg-boss                                                             |
 * | ---------------------------- | ------------------------------------------------------------------- |
 * | `target`                     | a queue name (one per service target; pause = stop fetching it)     |
 * | `key`                        | `singletonKey` on a `stately`-like policy (one waiting, one active) |
 * | `eventId` + `dedupeWindowMs` | `singletonKey` + `singletonSeconds` throttling, or a table of its own |
 * | `enqueue(..., ledgerSeeds)`  | `insert`/`send` with the `db` option inside the ledger transaction  |
 * | `take`                       | `fetch` (state `active`, `expireInSeconds` = lease)                 |
 * | `heartbeat`                  | `touch`                                                             |
 * | `complete` / `fail`          | `complete` / `fail`; `retryAt` = `startAfter` of the retry          |
 * | `dead`                       | `failed` with a `deadLetter` queue                                  |
 * | `retry` / `redrive`          | `retry` / `redrive`                                                 |
 *
 * Times are epoch milliseconds and are given by the caller (`nowMs`), like the ledger's claims, so a
 * contract test can move time without waiting. Every method is atomic across every process that opens
 * the same database.
 */

/**
 * Where a job is:
 * - `queued`: waiting to run, at `runAt` or later;
 * - `active`: taken by a worker whose lease ends at `leaseExpiresAt` (an expired lease is taken again);
 * - `retry`: the last attempt failed in a way that can succeed later; runs again at `runAt`;
 * - `completed`: pushed (or deliberately left: discarded by logics, unchanged);
 * - `dead`: dead-lettered with `deadReason` (cannot succeed as is, or attempts exhausted); only a person
 *   (`retry`, `redrive`) brings it back.
 */
export type JobState = "queued" | "active" | "retry" | "completed" | "dead";

/** Every state, in the order a job moves through them. */
export const JOB_STATES = [
  "queued",
  "active",
  "retry",
  "completed",
  "dead",
] as const satisfies readonly JobState[];

/** A job's own data: JSON only, never a secret (credentials are looked up by the worker). */
export type JobData = Readonly<Record<string, unknown>>;

/** Why an attempt failed, already redacted and bounded. */
export interface JobError {
  name: string;
  message: string;
  /** The ledger's failure kind; `retryable` for anything that may succeed later. */
  kind: FailureKind;
}

/** One line of a job's history (kept short: the most recent {@link JOB_HISTORY_LIMIT}). */
export interface JobEvent {
  /** Epoch milliseconds. */
  at: number;
  event:
    | "enqueued"
    | "started"
    | "completed"
    | "failed"
    | "dead"
    | "lease-expired"
    | "released"
    | "retried"
    | "redriven";
  /** The attempt it belongs to (0 before the first). */
  attempt: number;
  /** A short note (the error's name and message, the worker); never a secret, never profile data. */
  detail?: string | undefined;
}

/** How many history lines a job keeps. */
export const JOB_HISTORY_LIMIT = 30;

/** A stored {@link JobError}, as the backends read it back. */
export const JobErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  kind: z.enum(["retryable", "config", "auth", "mapping", "in-doubt"]),
});

/** A stored {@link JobEvent}, as the backends read it back. */
export const JobEventSchema = z.object({
  at: z.number(),
  event: z.enum([
    "enqueued",
    "started",
    "completed",
    "failed",
    "dead",
    "lease-expired",
    "released",
    "retried",
    "redriven",
  ]),
  attempt: z.number(),
  detail: z.string().optional(),
});

/** A job as the queue holds it. */
export interface Job {
  /** Unique id (a UUID), given by the queue. */
  id: string;
  /** The service target (route target) it pushes to; a target can be paused. */
  target: string;
  /** What it is about within the target (the profile): at most one job per key waits, and one runs. */
  key: string;
  /** The digest of the event that asked for it, when one did. */
  eventId: string | undefined;
  data: JobData;
  state: JobState;
  /** Attempts started so far (an attempt whose worker died counts). */
  attempts: number;
  /** Attempts allowed before the job is dead-lettered. */
  maxAttempts: number;
  /** When it may run (queued, retry). */
  runAt: number;
  createdAt: number;
  updatedAt: number;
  /** When the current or last attempt started. */
  startedAt: number | undefined;
  /** When it completed or was dead-lettered. */
  finishedAt: number | undefined;
  /** The worker holding it (active), or the last one that did. */
  worker: string | undefined;
  /** End of the current lease (active only). */
  leaseExpiresAt: number | undefined;
  lastError: JobError | undefined;
  /** Why it is dead (dead only). */
  deadReason: string | undefined;
  /** What the completed attempt reported (action, vendor id, ledger key), as JSON. */
  result: JobData | undefined;
  history: JobEvent[];
}

/** A job to add. */
export interface NewJob {
  target: string;
  key: string;
  eventId?: string | undefined;
  data: JobData;
  /** Attempts before dead-lettering (at least 1). */
  maxAttempts: number;
  /** Earliest start, epoch ms. @default the enqueue time */
  runAt?: number | undefined;
}

/** Options of {@link JobQueue.enqueue}. */
export interface EnqueueOptions {
  nowMs: number;
  /**
   * How long after it completed a job still absorbs an identical event (same target, key and `eventId`).
   * HrFlow events carry no id nor time, so an update sent twice looks the same as one sent again much
   * later: the window tells them apart. Waiting and running jobs always absorb it. @default 0
   */
  dedupeWindowMs?: number | undefined;
  /**
   * Ledger entries written in the same transaction as the jobs, each only when the ledger has no entry for
   * its key (never overwriting a push's record): the "pending" entry that explains a job, so the ledger
   * shows what was accepted even before a worker runs it.
   */
  ledgerSeeds?: readonly LedgerEntry[] | undefined;
}

/**
 * What became of one {@link NewJob}: a new job, or the id of the job that absorbed it (`waiting`: a job
 * of the same key had not started yet and will read the profile when it runs; `event`: the same event is
 * queued, running or was completed within the dedupe window).
 */
export type Enqueued =
  { id: string; status: "created" } | { id: string; status: "duplicate"; of: "waiting" | "event" };

/** A job held by a worker. Every write about it names the lease, so a worker that lost it writes nothing. */
export interface JobLease {
  readonly job: Job;
  readonly worker: string;
  /** The attempt this lease is for (the job's `attempts` when it was taken): the fence. */
  readonly attempt: number;
  readonly expiresAt: number;
}

/** Options of {@link JobQueue.take}. */
export interface TakeOptions {
  worker: string;
  /** At most this many jobs. */
  limit: number;
  leaseMs: number;
  nowMs: number;
}

/** Options of {@link JobQueue.fail}. */
export interface FailOptions {
  nowMs: number;
  error: JobError;
  /**
   * When to try again (epoch ms: the backoff, or the vendor's `Retry-After`). Undefined: dead-letter now
   * (the failure cannot succeed as is). A job out of attempts is dead-lettered whatever this says.
   */
  retryAt: number | undefined;
  /** The dead-letter reason, when dead-lettered. @default the error's kind and message */
  deadReason?: string | undefined;
}

/** Filter of {@link JobQueue.list}. */
export interface JobFilter {
  states?: readonly JobState[] | undefined;
  target?: string | undefined;
  key?: string | undefined;
  /** At most this many, most recently updated first. @default 100 */
  limit?: number | undefined;
}

/** What {@link JobQueue.stats} reports. */
export interface QueueStats {
  /** Jobs per state (every state present, 0 when none). */
  counts: Record<JobState, number>;
  /** Age of the oldest job waiting (queued or retry, due now), in ms; 0 when none. */
  oldestWaitingMs: number;
  /** Paused targets. */
  paused: string[];
}

/** The job queue of a {@link Store}. */
export interface JobQueue {
  /**
   * Adds jobs and writes `ledgerSeeds`, all in one transaction: when it resolves, all of it is durable;
   * when it rejects, none of it is. Duplicates add nothing (see {@link Enqueued}). Returns one result per
   * job, in order.
   */
  enqueue(jobs: readonly NewJob[], options: EnqueueOptions): Promise<Enqueued[]>;
  /**
   * Takes up to `limit` jobs that are due (queued or retry with `runAt <= nowMs`) or whose lease expired
   * (that attempt counts; out of attempts, it is dead-lettered instead), oldest due first, skipping paused
   * targets and keys that another live lease holds. Each becomes `active` for `leaseMs`.
   */
  take(options: TakeOptions): Promise<JobLease[]>;
  /** Extends a lease still held; undefined when it was lost (expired and taken, or changed by hand). */
  heartbeat(lease: JobLease, leaseMs: number, nowMs: number): Promise<JobLease | undefined>;
  /** Marks the job completed with what it reported; false when the lease was lost (nothing written). */
  complete(lease: JobLease, options: { nowMs: number; result?: JobData | undefined }): Promise<boolean>;
  /** Records a failed attempt: `retry` at `retryAt`, or `dead`. Undefined when the lease was lost. */
  fail(lease: JobLease, options: FailOptions): Promise<"retry" | "dead" | undefined>;
  /** Hands a job back without counting the attempt (shutdown): queued, due now. False when lost. */
  release(lease: JobLease, nowMs: number): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  list(filter?: JobFilter): Promise<Job[]>;
  /**
   * Runs a `retry` or `dead` job again now (a dead one with a fresh attempt budget). Undefined when there
   * is no such job; the job unchanged when it is in another state.
   */
  retry(id: string, nowMs: number): Promise<Job | undefined>;
  /** Runs every `retry` job now (optionally of one target). Returns how many. */
  retryAll(options: { nowMs: number; target?: string | undefined }): Promise<number>;
  /** Re-drives the dead-letter queue: every `dead` job (optionally of one target) queued again with a fresh attempt budget. */
  redrive(options: { nowMs: number; target?: string | undefined }): Promise<number>;
  /** Stops `take` from handing out this target's jobs until {@link resume} (jobs keep arriving). */
  pause(target: string, nowMs: number): Promise<void>;
  resume(target: string): Promise<void>;
  stats(nowMs: number): Promise<QueueStats>;
  /** Deletes completed jobs finished before `before` (epoch ms); returns how many. */
  purge(before: number): Promise<number>;
}

/**
 * A new job id: a UUID in the version 7 layout (48 bits of milliseconds, then random bits), so ids sort by
 * creation time and a database index on them grows at its end instead of at random places.
 */
export function newJobId(nowMs: number): string {
  // A version 4 UUID (Node draws them from a pool of random bytes: cheap on the ingress's hot path) with
  // its first 48 bits replaced by the time and its version nibble by 7; the variant bits stay as drawn.
  const random = crypto.randomUUID();
  const time = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, "0").slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}

/** Appends a line to a job's history, keeping the most recent {@link JOB_HISTORY_LIMIT}. */
export function withEvent(history: readonly JobEvent[], event: JobEvent): JobEvent[] {
  const next = [...history, event];
  return next.length > JOB_HISTORY_LIMIT ? next.slice(next.length - JOB_HISTORY_LIMIT) : next;
}

/** The dead-letter reason of a failure, when none is given. */
export function deadReasonOf(error: JobError, attempts: number, maxAttempts: number): string {
  return attempts >= maxAttempts && error.kind === "retryable"
    ? `gave up after ${attempts} attempt(s): ${error.name}: ${error.message}`
    : `${error.kind}: ${error.name}: ${error.message}`;
}

// ---------------------------------------------------------------------------------------------------
// Job transitions: what each queue operation does to a job, defined once. Every backend applies them to
// its copy of the job and writes it back (PostgreSQL also tells pg-boss the outcome they return).

/** Takes a job for `worker`: active, one more attempt, leased until `nowMs + leaseMs`. */
export function startJob(job: Job, worker: string, nowMs: number, leaseMs: number): JobLease {
  job.state = "active";
  job.attempts += 1;
  job.worker = worker;
  job.startedAt = nowMs;
  job.leaseExpiresAt = nowMs + leaseMs;
  job.updatedAt = nowMs;
  job.history = withEvent(job.history, {
    at: nowMs,
    event: "started",
    attempt: job.attempts,
    detail: worker,
  });
  return { job, worker, attempt: job.attempts, expiresAt: nowMs + leaseMs };
}

/** Ends an attempt whose lease ran out (its worker stopped or stalled): waits again, or dead when out of attempts. */
export function expireJob(job: Job, nowMs: number): "retry" | "dead" {
  const detail = `the lease of ${job.worker ?? "a worker"} expired (the worker stopped or stalled)`;
  job.history = withEvent(job.history, { at: nowMs, event: "lease-expired", attempt: job.attempts, detail });
  job.leaseExpiresAt = undefined;
  job.updatedAt = nowMs;
  if (job.attempts >= job.maxAttempts) {
    bury(job, nowMs, `gave up after ${job.attempts} attempt(s): ${detail}`);
    return "dead";
  }
  job.state = "retry";
  job.runAt = nowMs;
  return "retry";
}

/** Ends a job that succeeded. */
export function completeJob(job: Job, nowMs: number, result: JobData | undefined): void {
  job.state = "completed";
  job.finishedAt = nowMs;
  job.updatedAt = nowMs;
  job.leaseExpiresAt = undefined;
  job.lastError = undefined;
  job.result = result;
  job.history = withEvent(job.history, { at: nowMs, event: "completed", attempt: job.attempts });
}

/** Ends a failed attempt: waits until `retryAt` while attempts are left, else dead-lettered. */
export function failJob(job: Job, { nowMs, error, retryAt, deadReason }: FailOptions): "retry" | "dead" {
  job.lastError = error;
  job.leaseExpiresAt = undefined;
  job.updatedAt = nowMs;
  if (retryAt !== undefined && job.attempts < job.maxAttempts) {
    job.state = "retry";
    job.runAt = retryAt;
    const detail = `${error.name}: ${error.message}`;
    job.history = withEvent(job.history, { at: nowMs, event: "failed", attempt: job.attempts, detail });
    return "retry";
  }
  bury(job, nowMs, deadReason ?? deadReasonOf(error, job.attempts, job.maxAttempts));
  return "dead";
}

/** Hands a job back untried (a worker stopping): queued now, the attempt not counted. */
export function releaseJob(job: Job, worker: string, nowMs: number): void {
  job.state = "queued";
  job.attempts = Math.max(0, job.attempts - 1);
  job.runAt = nowMs;
  job.leaseExpiresAt = undefined;
  job.updatedAt = nowMs;
  job.history = withEvent(job.history, {
    at: nowMs,
    event: "released",
    attempt: job.attempts,
    detail: worker,
  });
}

/** Queues a waiting or dead job again, due now; a dead one gets a fresh attempt budget. */
export function requeueJob(job: Job, nowMs: number, event: "retried" | "redriven"): void {
  if (job.state === "dead") job.attempts = 0;
  job.state = "queued";
  job.runAt = nowMs;
  job.updatedAt = nowMs;
  job.finishedAt = undefined;
  job.deadReason = undefined;
  job.history = withEvent(job.history, { at: nowMs, event, attempt: job.attempts });
}

function bury(job: Job, nowMs: number, reason: string): void {
  job.state = "dead";
  job.finishedAt = nowMs;
  job.deadReason = reason;
  job.history = withEvent(job.history, { at: nowMs, event: "dead", attempt: job.attempts, detail: reason });
}
