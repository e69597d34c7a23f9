import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { Worker } from "node:worker_threads";
import { z } from "zod";
import {
  completeJob,
  expireJob,
  failJob,
  JobErrorSchema,
  JobEventSchema,
  newJobId,
  releaseJob,
  requeueJob,
  startJob,
  type Enqueued,
  type EnqueueOptions,
  type Job,
  type JobLease,
  type JobQueue,
  type JobState,
  type NewJob,
} from "./queue.js";
import { transaction } from "./sqlite.js";
import { createWriter, type WriterItem, type WriterResponse, type WriterResult } from "./sqlite-writer.js";
import type { LedgerEntry } from "./types.js";

/**
 * The job queue in the ledger's SQLite file (tables from migration 3).
 *
 * Single writer: in one process every write goes through one connection on the one JavaScript thread
 * (`node:sqlite` is synchronous), so writes are serialised by the event loop itself; another process on
 * the same file (the `jobs` and `dlq` commands) writes in `BEGIN IMMEDIATE` transactions and waits on the
 * busy timeout. Enqueues are grouped (group commit): they are written by a writer thread on its own
 * connection (`sqlite-writer.ts`), one transaction per group (each caller in its own savepoint, so one
 * failure fails only its caller); each caller hears back only after the commit (WAL, `synchronous = FULL`:
 * on disk). While one group commits, the event loop goes on answering webhooks and the next group gathers,
 * so one fsync makes a whole burst durable and never blocks the ingress. An in-memory database (which a
 * second connection cannot see) commits its groups on the main connection instead.
 */

const STATES = ["queued", "active", "retry", "completed", "dead"] as const;
const JsonRecord = z.record(z.string(), z.unknown());
const RowSchema = z.object({
  id: z.string(),
  target: z.string(),
  key: z.string(),
  event_id: z.string().nullable(),
  state: z.enum(STATES),
  attempts: z.number(),
  max_attempts: z.number(),
  run_at: z.number(),
  created_at: z.number(),
  updated_at: z.number(),
  started_at: z.number().nullable(),
  finished_at: z.number().nullable(),
  worker: z.string().nullable(),
  lease_expires_at: z.number().nullable(),
  dead_reason: z.string().nullable(),
  data: z.string(),
  last_error: z.string().nullable(),
  result: z.string().nullable(),
  history: z.string(),
});

function json<T>(text: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A row as a job; undefined when it does not parse (a row written by something else is ignored). */
function decode(row: unknown): Job | undefined {
  const parsed = RowSchema.safeParse(row);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  const data = json(r.data, JsonRecord);
  if (!data) return undefined;
  return {
    id: r.id,
    target: r.target,
    key: r.key,
    eventId: r.event_id ?? undefined,
    data,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at ?? undefined,
    finishedAt: r.finished_at ?? undefined,
    worker: r.worker ?? undefined,
    leaseExpiresAt: r.lease_expires_at ?? undefined,
    lastError: r.last_error === null ? undefined : json(r.last_error, JobErrorSchema),
    deadReason: r.dead_reason ?? undefined,
    result: r.result === null ? undefined : json(r.result, JsonRecord),
    history: json(r.history, z.array(JobEventSchema)) ?? [],
  };
}

/** The columns of a job (every one, for INSERT OR REPLACE-free updates by id). */
function encode(job: Job): Record<string, SQLInputValue> {
  return {
    id: job.id,
    target: job.target,
    key: job.key,
    event_id: job.eventId ?? null,
    state: job.state,
    attempts: job.attempts,
    max_attempts: job.maxAttempts,
    run_at: job.runAt,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    started_at: job.startedAt ?? null,
    finished_at: job.finishedAt ?? null,
    worker: job.worker ?? null,
    lease_expires_at: job.leaseExpiresAt ?? null,
    dead_reason: job.deadReason ?? null,
    data: JSON.stringify(job.data),
    last_error: job.lastError ? JSON.stringify(job.lastError) : null,
    result: job.result ? JSON.stringify(job.result) : null,
    history: JSON.stringify(job.history),
  };
}

const COLUMNS = Object.keys(encode(decodeTemplate()));
function decodeTemplate(): Job {
  return {
    id: "",
    target: "",
    key: "",
    eventId: undefined,
    data: {},
    state: "queued",
    attempts: 0,
    maxAttempts: 1,
    runAt: 0,
    createdAt: 0,
    updatedAt: 0,
    startedAt: undefined,
    finishedAt: undefined,
    worker: undefined,
    leaseExpiresAt: undefined,
    lastError: undefined,
    deadReason: undefined,
    result: undefined,
    history: [],
  };
}

interface PendingEnqueue {
  item: WriterItem;
  resolve: (results: Enqueued[]) => void;
  reject: (error: Error) => void;
}

/** A SQLite queue and what closes its writer (after committing what is still waiting). */
export interface SqliteQueue {
  queue: JobQueue;
  /** Commits what enqueues are waiting for, then stops the writer thread. */
  close: () => Promise<void>;
}

/** The writer thread's module, next to this one (`.ts` when run from the sources). */
const WRITER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./sqlite-writer.ts" : "./sqlite-writer.js",
  import.meta.url,
);

/**
 * The job queue on an open SQLite database migrated to version 3.
 * @param path the database file (the writer thread opens it too); `:memory:` commits on `db`
 * @param encodeSeed a ledger entry as the columns of the ledger table (seeds are inserted when absent)
 */
export function sqliteQueue(
  db: DatabaseSync,
  path: string,
  encodeSeed: (entry: LedgerEntry) => Record<string, SQLInputValue>,
): SqliteQueue {
  const update = db.prepare(
    `UPDATE jobs SET ${COLUMNS.filter((c) => c !== "id")
      .map((c) => `${c} = $${c}`)
      .join(", ")} WHERE id = $id`,
  );
  const byId = db.prepare("SELECT * FROM jobs WHERE id = ?");
  const expired = db.prepare("SELECT * FROM jobs WHERE state = 'active' AND lease_expires_at <= ?");
  const due = db.prepare(`SELECT * FROM jobs WHERE state IN ('queued', 'retry') AND run_at <= ?
    AND target NOT IN (SELECT target FROM paused_targets)
    AND NOT EXISTS (SELECT 1 FROM jobs a WHERE a.state = 'active' AND a.target = jobs.target AND a.key = jobs.key)
    ORDER BY run_at, created_at, rowid LIMIT ?`);

  const probe =
    db.prepare(`SELECT 1 AS due WHERE EXISTS (SELECT 1 FROM jobs WHERE state IN ('queued', 'retry')
      AND run_at <= ? AND target NOT IN (SELECT target FROM paused_targets))
    OR EXISTS (SELECT 1 FROM jobs WHERE state = 'active' AND lease_expires_at <= ?)`);
  const get = (id: string): Job | undefined => decode(byId.get(id));
  const save = (job: Job): void => {
    update.run(encode(job));
  };
  /** The job while the lease holds: active, same worker, same attempt (the fence). */
  const held = (lease: JobLease): Job | undefined => {
    const job = get(lease.job.id);
    return job?.state === "active" && job.worker === lease.worker && job.attempts === lease.attempt
      ? job
      : undefined;
  };
  const settle = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(transaction(db, work));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };

  /** One caller's jobs and seeds, encoded for the writer. */
  const encodeItem = (jobs: readonly NewJob[], options: EnqueueOptions): WriterItem => ({
    jobs: jobs.map((spec) => ({
      target: spec.target,
      key: spec.key,
      eventId: spec.eventId ?? null,
      finishedSince: options.nowMs - (options.dedupeWindowMs ?? 0),
      row: encode({
        ...decodeTemplate(),
        id: newJobId(options.nowMs),
        target: spec.target,
        key: spec.key,
        eventId: spec.eventId,
        data: spec.data,
        maxAttempts: Math.max(1, Math.floor(spec.maxAttempts)),
        runAt: spec.runAt ?? options.nowMs,
        createdAt: options.nowMs,
        updatedAt: options.nowMs,
        history: [{ at: options.nowMs, event: "enqueued", attempt: 0 }],
      }),
    })),
    seeds: (options.ledgerSeeds ?? []).map(encodeSeed),
  });
  const asEnqueued = (results: WriterResult[]): Enqueued[] => results;

  let pending: PendingEnqueue[] = [];
  let inFlight: PendingEnqueue[] | undefined;
  let scheduled = false;
  let requests = 0;
  let worker: Worker | undefined;
  let idle: (() => void) | undefined;
  const writeHere = path === ":memory:" ? createWriter(db) : undefined;

  const settleBatch = (batch: PendingEnqueue[], response: WriterResponse): void => {
    if ("error" in response) {
      // The commit itself failed: nothing of the group is durable.
      for (const p of batch) p.reject(new Error(`the job queue could not commit: ${response.error}`));
      return;
    }
    batch.forEach((p, i) => {
      const outcome = response.items[i];
      if (outcome && "ok" in outcome) p.resolve(asEnqueued(outcome.ok));
      else p.reject(new Error(`the job queue could not write the jobs: ${outcome?.error ?? "no answer"}`));
    });
  };

  const writerThread = (): Worker => {
    if (worker) return worker;
    const started = new Worker(WRITER_URL, { workerData: { sqliteWriterPath: path } });
    started.on("message", (response: WriterResponse) => {
      const batch = inFlight ?? [];
      inFlight = undefined;
      settleBatch(batch, response);
      send();
    });
    started.on("error", (error: Error) => {
      // The thread died: what it held is not known to be durable; callers hear it (503, sent again).
      const batch = [...(inFlight ?? []), ...pending];
      inFlight = undefined;
      pending = [];
      worker = undefined;
      for (const p of batch) p.reject(error);
      idle?.();
    });
    started.unref();
    worker = started;
    return started;
  };

  /** Sends what gathered while the last group committed (one group in flight at a time). */
  const send = (): void => {
    scheduled = false;
    if (inFlight !== undefined) return;
    if (pending.length === 0) {
      worker?.unref();
      idle?.();
      return;
    }
    const batch = pending;
    pending = [];
    const items = batch.map((p) => p.item);
    if (writeHere) {
      let response: WriterResponse;
      try {
        response = { id: ++requests, items: writeHere(items) };
      } catch (error) {
        response = { id: requests, error: error instanceof Error ? error.message : String(error) };
      }
      settleBatch(batch, response);
      if (pending.length === 0) idle?.();
      return;
    }
    inFlight = batch;
    const thread = writerThread();
    thread.ref(); // a group in flight keeps the process alive until it is durable
    thread.postMessage({ id: ++requests, items });
  };

  const expireLeases = (nowMs: number): void => {
    for (const row of expired.all(nowMs)) {
      const job = decode(row);
      if (!job) continue;
      expireJob(job, nowMs);
      save(job);
    }
  };

  const queue: JobQueue = {
    enqueue: (jobs, options) =>
      new Promise<Enqueued[]>((resolve, reject) => {
        pending.push({ item: encodeItem(jobs, options), resolve, reject });
        if (!scheduled && inFlight === undefined) {
          scheduled = true;
          setImmediate(send);
        }
      }),

    take: ({ worker, limit, leaseMs, nowMs }) => {
      // A read first (no lock, never waits for the writer): most polls find nothing to take.
      if (probe.get(nowMs, nowMs) === undefined) return Promise.resolve([]);
      return settle(() => {
        expireLeases(nowMs);
        const leases: JobLease[] = [];
        const taken = new Set<string>();
        // A few more rows than asked: two due jobs of one key give one lease.
        for (const row of due.all(nowMs, Math.max(1, limit) * 2 + 8)) {
          if (leases.length >= limit) break;
          const job = decode(row);
          if (!job) continue;
          const id = JSON.stringify([job.target, job.key]);
          if (taken.has(id)) continue;
          taken.add(id);
          leases.push(startJob(job, worker, nowMs, leaseMs));
          save(job);
        }
        return leases;
      });
    },

    heartbeat: (lease, leaseMs, nowMs) =>
      settle(() => {
        const job = held(lease);
        if (!job) return undefined;
        job.leaseExpiresAt = nowMs + leaseMs;
        job.updatedAt = nowMs;
        save(job);
        return { ...lease, job, expiresAt: nowMs + leaseMs };
      }),

    complete: (lease, { nowMs, result }) =>
      settle(() => {
        const job = held(lease);
        if (!job) return false;
        completeJob(job, nowMs, result);
        save(job);
        return true;
      }),

    fail: (lease, options) =>
      settle((): "retry" | "dead" | undefined => {
        const job = held(lease);
        if (!job) return undefined;
        const outcome = failJob(job, options);
        save(job);
        return outcome;
      }),

    release: (lease, nowMs) =>
      settle(() => {
        const job = held(lease);
        if (!job) return false;
        releaseJob(job, lease.worker, nowMs);
        save(job);
        return true;
      }),

    get: (id) => Promise.resolve(get(id)),

    list: (filter = {}) => {
      const where: string[] = [];
      const params: SQLInputValue[] = [];
      if (filter.states !== undefined) {
        where.push(`state IN (${filter.states.map(() => "?").join(", ") || "NULL"})`);
        params.push(...filter.states);
      }
      if (filter.target !== undefined) {
        where.push("target = ?");
        params.push(filter.target);
      }
      if (filter.key !== undefined) {
        where.push("key = ?");
        params.push(filter.key);
      }
      const limit = Math.max(0, Math.floor(filter.limit ?? 100));
      const rows = db
        .prepare(
          `SELECT * FROM jobs${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
           ORDER BY updated_at DESC, created_at DESC LIMIT ${limit}`,
        )
        .all(...params);
      return Promise.resolve(rows.map(decode).filter((j): j is Job => j !== undefined));
    },

    retry: (id, nowMs) =>
      settle(() => {
        const job = get(id);
        if (!job) return undefined;
        if (job.state === "retry" || job.state === "dead") {
          requeueJob(job, nowMs, "retried");
          save(job);
        }
        return job;
      }),

    retryAll: ({ nowMs, target }) => settle(() => moveAll("retry", nowMs, target, "retried")),

    redrive: ({ nowMs, target }) => settle(() => moveAll("dead", nowMs, target, "redriven")),

    pause: (target, nowMs) =>
      settle(() => {
        db.prepare("INSERT OR IGNORE INTO paused_targets (target, paused_at) VALUES (?, ?)").run(
          target,
          nowMs,
        );
      }),

    resume: (target) =>
      settle(() => {
        db.prepare("DELETE FROM paused_targets WHERE target = ?").run(target);
      }),

    stats: (nowMs) => {
      const counts: Record<JobState, number> = { queued: 0, active: 0, retry: 0, completed: 0, dead: 0 };
      const CountRow = z.object({ state: z.enum(STATES), n: z.number() });
      for (const row of db.prepare("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all()) {
        const parsed = CountRow.safeParse(row);
        if (parsed.success) counts[parsed.data.state] = parsed.data.n;
      }
      const oldest = z
        .object({ oldest: z.number().nullable() })
        .safeParse(
          db
            .prepare(
              "SELECT MIN(created_at) AS oldest FROM jobs WHERE state IN ('queued', 'retry') AND run_at <= ?",
            )
            .get(nowMs),
        );
      const oldestAt = oldest.success ? oldest.data.oldest : null;
      const paused = db
        .prepare("SELECT target FROM paused_targets ORDER BY target")
        .all()
        .map((row) => z.object({ target: z.string() }).safeParse(row))
        .flatMap((p) => (p.success ? [p.data.target] : []));
      return Promise.resolve({
        counts,
        oldestWaitingMs: oldestAt === null ? 0 : Math.max(0, nowMs - oldestAt),
        paused,
      });
    },

    purge: (before) =>
      settle(() =>
        Number(
          db.prepare("DELETE FROM jobs WHERE state = 'completed' AND finished_at < ?").run(before).changes,
        ),
      ),
  };

  /** Moves every job of a state (and target) to queued, due now; a dead one gets a fresh attempt budget. */
  function moveAll(
    from: "retry" | "dead",
    nowMs: number,
    target: string | undefined,
    event: "retried" | "redriven",
  ): number {
    const rows =
      target === undefined
        ? db.prepare("SELECT * FROM jobs WHERE state = ?").all(from)
        : db.prepare("SELECT * FROM jobs WHERE state = ? AND target = ?").all(from, target);
    let moved = 0;
    for (const row of rows) {
      const job = decode(row);
      if (!job) continue;
      requeueJob(job, nowMs, event);
      save(job);
      moved++;
    }
    return moved;
  }

  const close = async (): Promise<void> => {
    if (pending.length > 0 || inFlight !== undefined) {
      await new Promise<void>((resolve) => {
        idle = resolve;
        if (inFlight === undefined) send();
      });
      idle = undefined;
    }
    const thread = worker;
    worker = undefined;
    await thread?.terminate();
  };

  return { queue, close };
}
