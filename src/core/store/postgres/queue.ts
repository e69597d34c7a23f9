import { randomUUID } from "node:crypto";
import type { PoolClient } from "pg";
import { PgBoss, TestClock, CLOCK_OVERRIDE_SETTING, type Db } from "pg-boss";
import { z } from "zod";
import type { Logger } from "../../logger.js";
import {
  completeJob,
  expireJob,
  failJob,
  JobErrorSchema,
  JobEventSchema,
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
  type QueueStats,
} from "../queue.js";
import type { PostgresDatabase } from "./database.js";
import { seedLedgerEntry, type PostgresClock } from "./ledger.js";

/**
 * The job queue of the webhook service on PostgreSQL, with pg-boss as its engine.
 *
 * pg-boss holds the queue (one pg-boss queue, `hrflow_push`, in the schema `<store schema>_queue`, with its
 * own versioned migrations): every job is a pg-boss job inserted through pg-boss **inside the store's
 * transaction** (a `db` executor bound to that transaction's connection, so the jobs and the ledger seeds
 * that explain them commit together); workers take jobs with pg-boss's `fetch` (`FOR UPDATE SKIP LOCKED`,
 * the `singleton` policy keeping one job per (target, profile) active, a paused target left out through its
 * `ignoreGroups`); `startAfter` schedules retries at the time the worker chose (backoff, `Retry-After`);
 * `complete`, `fail`, `cancel` (dead) and `resume` (re-drive) are pg-boss's, fenced by the attempt pg-boss
 * handed out (`{ id, retryCount }`).
 *
 * What the service's {@link JobQueue} says about a job and pg-boss has no column for (the target, key and
 * event id, the attempt budget, the lease the worker asked for, the history, the last error, the dead-letter
 * reason, the result) lives in this store's `queue_jobs` table, written in the same transactions, keyed by
 * the pg-boss job id. pg-boss's own supervisor is off: it would move jobs behind that table's back; leases
 * expire when `take` finds them expired (on the database clock), and completed jobs go with `purge`.
 * pg-boss's dead-letter *queue* (a copy under a new id) is not used: a dead job keeps its id, so the
 * operations API and the ledger timeline keep pointing at it.
 */

/** The pg-boss queue every job goes to (targets are groups within it). */
export const PG_BOSS_QUEUE = "hrflow_push";

const STATES = ["queued", "active", "retry", "completed", "dead"] as const;
const JsonRecord = z.record(z.string(), z.unknown());
const Int8 = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);
const RowSchema = z.object({
  id: z.string(),
  target: z.string(),
  key: z.string(),
  event_id: z.string().nullable(),
  state: z.enum(STATES),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  run_at: Int8,
  created_at: Int8,
  updated_at: Int8,
  started_at: Int8.nullable(),
  finished_at: Int8.nullable(),
  worker: z.string().nullable(),
  lease_expires_at: Int8.nullable(),
  boss_attempt: z.number().int().nullable(),
  dead_reason: z.string().nullable(),
  data: JsonRecord,
  last_error: JobErrorSchema.nullable(),
  result: JsonRecord.nullable(),
  history: z.array(JobEventSchema),
});

const AffectedSchema = z.object({ affected: z.number() });

/** An enqueue waiting for its group's transaction. */
interface PendingEnqueue {
  jobs: readonly NewJob[];
  options: EnqueueOptions;
  resolve: (results: Enqueued[]) => void;
  reject: (error: Error) => void;
}

/** A job and the attempt number pg-boss gave its current lease (its fence). */
interface Stored {
  job: Job;
  bossAttempt: number | undefined;
}

function decode(row: unknown): Stored | undefined {
  const parsed = RowSchema.safeParse(row);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  return {
    bossAttempt: r.boss_attempt ?? undefined,
    job: {
      id: r.id,
      target: r.target,
      key: r.key,
      eventId: r.event_id ?? undefined,
      data: r.data,
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
      lastError: r.last_error ?? undefined,
      deadReason: r.dead_reason ?? undefined,
      result: r.result ?? undefined,
      history: r.history,
    },
  };
}

const COLUMNS = [
  "id",
  "target",
  "key",
  "event_id",
  "state",
  "attempts",
  "max_attempts",
  "run_at",
  "created_at",
  "updated_at",
  "started_at",
  "finished_at",
  "worker",
  "lease_expires_at",
  "boss_attempt",
  "dead_reason",
  "data",
  "last_error",
  "result",
  "history",
] as const;

function encode(stored: Stored): unknown[] {
  const { job } = stored;
  return [
    job.id,
    job.target,
    job.key,
    job.eventId ?? null,
    job.state,
    job.attempts,
    job.maxAttempts,
    job.runAt,
    job.createdAt,
    job.updatedAt,
    job.startedAt ?? null,
    job.finishedAt ?? null,
    job.worker ?? null,
    job.leaseExpiresAt ?? null,
    stored.bossAttempt ?? null,
    job.deadReason ?? null,
    JSON.stringify(job.data),
    job.lastError ? JSON.stringify(job.lastError) : null,
    job.result ? JSON.stringify(job.result) : null,
    JSON.stringify(job.history),
  ];
}

/** Options of {@link createPostgresQueue}. */
export interface PostgresQueueOptions {
  /** The driver URL (pg-boss keeps a small pool of its own for its migrations and housekeeping). */
  connectionString: string;
  /** `database`: time is PostgreSQL's; `caller`: the `nowMs` of each call (tests on a fake clock). */
  clock: PostgresClock;
  /** Connections of pg-boss's own pool. @default 2 */
  poolMax?: number | undefined;
  logger?: Logger | undefined;
}

/** A queue with its engine, to stop with the store. */
export interface PostgresQueue {
  queue: JobQueue;
  /** Starts pg-boss (migrating its schema) now instead of on first use. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A pg-boss `db` executor that runs on one connection (inside its transaction). */
function executor(client: PoolClient): Db {
  return {
    executeSql: async (text: string, values?: unknown[]) => {
      const result = await client.query(text, values);
      return { rows: result.rows };
    },
  };
}

/**
 * The {@link JobQueue} of a PostgreSQL store, on pg-boss (see the module comment for what pg-boss holds
 * and what the `queue_jobs` table adds). pg-boss starts on first use, so a store used only for the ledger
 * (a CLI push) never installs it.
 */
export function createPostgresQueue(db: PostgresDatabase, options: PostgresQueueOptions): PostgresQueue {
  const callerClock = options.clock === "caller";
  const bossSchema = `${db.schema}_queue`;
  const jobs = db.table("queue_jobs");
  const pausedTable = db.table("queue_paused");
  // In caller-clock mode pg-boss reads the time of each call through its TestClock (the clock function
  // of its schema), so "due", "expired" and "within the window" mean the same in both tables.
  const testClock = callerClock ? new TestClock() : undefined;
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema: bossSchema,
    max: options.poolMax ?? 2,
    application_name: "hrflow-connectors (pg-boss)",
    supervise: false,
    schedule: false,
    migrate: true,
    createSchema: true,
    registerInstance: false,
    openTelemetry: { enabled: false },
    ...(testClock ? { clock: testClock } : {}),
  });
  boss.on("error", (error: Error) => {
    options.logger?.warn(`pg-boss: ${error.message}`);
  });
  let started: Promise<void> | undefined;
  const start = (): Promise<void> => {
    started ??= (async () => {
      await boss.start();
      await boss.createQueue(PG_BOSS_QUEUE, {
        policy: "singleton",
        // Attempts are counted and budgeted in queue_jobs: pg-boss retries whatever it is told to.
        retryLimit: 1_000_000,
        retryDelay: 0,
        expireInSeconds: 24 * 3600,
        // Nothing is deleted behind the queue's back: `purge` removes completed jobs.
        deleteAfterSeconds: 0,
        retentionSeconds: 10 * 365 * 24 * 3600,
      });
    })();
    return started;
  };

  // Caller-clock mode: one operation at a time per store object, each at its own time.
  let turn: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    if (!callerClock) return work();
    const next = turn.then(work, work);
    turn = next.catch(() => undefined);
    return next;
  };

  /** Runs `work` in one transaction where pg-boss statements run too, at the call's time. */
  const run = <T>(
    nowMs: number,
    work: (client: PoolClient, boss: { db: Db }, now: number) => Promise<T>,
  ): Promise<T> =>
    serial(async () => {
      await start();
      if (testClock) await testClock.setTime(nowMs);
      return db.transaction(async (client) => {
        if (callerClock) await client.query(`SET LOCAL ${CLOCK_OVERRIDE_SETTING} = 'on'`);
        const now = callerClock
          ? nowMs
          : z
              .object({ now: Int8 })
              .parse(
                (
                  await client.query(
                    `SELECT floor(extract(epoch FROM "${bossSchema}".job_now()) * 1000)::bigint AS now`,
                  )
                ).rows[0],
              ).now;
        return work(client, { db: executor(client) }, now);
      });
    });

  const read = async (client: PoolClient, id: string, lock = true): Promise<Stored | undefined> => {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
    const result = await client.query(`SELECT * FROM ${jobs} WHERE id = $1${lock ? " FOR UPDATE" : ""}`, [
      id,
    ]);
    return decode(result.rows[0]);
  };
  const save = async (client: PoolClient, stored: Stored): Promise<void> => {
    await client.query(
      `UPDATE ${jobs} SET ${COLUMNS.slice(1)
        .map((c, i) => `${c} = $${i + 2}`)
        .join(", ")} WHERE id = $1`,
      encode(stored),
    );
  };
  /** The job while the lease holds: active, same worker, same attempt (the fence). */
  const held = async (client: PoolClient, lease: JobLease): Promise<Stored | undefined> => {
    const stored = await read(client, lease.job.id);
    const job = stored?.job;
    return job?.state === "active" && job.worker === lease.worker && job.attempts === lease.attempt
      ? stored
      : undefined;
  };
  /** pg-boss's handle of the attempt a lease holds (its own fence). */
  const attemptOf = (stored: Stored): { id: string; retryCount: number } => ({
    id: stored.job.id,
    retryCount: stored.bossAttempt ?? 0,
  });
  /** Ends an attempt in pg-boss as "to run again at `runAt`" (its `retry` state). */
  const bossRetry = async (
    ctx: { db: Db },
    stored: Stored,
    runAt: number,
    output: Record<string, unknown>,
  ): Promise<void> => {
    await boss.fail(PG_BOSS_QUEUE, attemptOf(stored), output, ctx);
    await boss.update(PG_BOSS_QUEUE, undefined, { id: stored.job.id, startAfter: new Date(runAt), ...ctx });
  };
  /** Dead-letters a job held in pg-boss's active state (pg-boss `cancel`: out of its fetches, same id). */
  const bossDead = async (ctx: { db: Db }, stored: Stored): Promise<void> => {
    await boss.cancel(PG_BOSS_QUEUE, attemptOf(stored), ctx);
  };
  /** Brings a retry or dead job back, due at `now`. */
  const bringBack = async (
    client: PoolClient,
    ctx: { db: Db },
    stored: Stored,
    now: number,
    event: "retried" | "redriven",
  ): Promise<void> => {
    const { job } = stored;
    if (job.state === "dead") await boss.resume(PG_BOSS_QUEUE, job.id, ctx);
    else await boss.update(PG_BOSS_QUEUE, undefined, { id: job.id, startAfter: new Date(now), ...ctx });
    requeueJob(job, now, event);
    await save(client, stored);
  };

  const moveAll = (
    from: "retry" | "dead",
    nowMs: number,
    target: string | undefined,
    event: "retried" | "redriven",
  ): Promise<number> =>
    run(nowMs, async (client, ctx, now) => {
      const result = await client.query(
        `SELECT * FROM ${jobs} WHERE state = $1 AND ($2::text IS NULL OR target = $2) ORDER BY created_at FOR UPDATE`,
        [from, target ?? null],
      );
      let moved = 0;
      for (const row of result.rows) {
        const stored = decode(row);
        if (!stored) continue;
        await bringBack(client, ctx, stored, now, event);
        moved++;
      }
      return moved;
    });

  const queue: JobQueue = {
    enqueue: (newJobs, options) => {
      const item: PendingEnqueue = {
        jobs: newJobs,
        options,
        resolve: () => undefined,
        reject: () => undefined,
      };
      const done = new Promise<Enqueued[]>((resolve, reject) => {
        item.resolve = resolve;
        item.reject = reject;
      });
      // On the caller's clock each call runs alone, at its own time.
      if (callerClock) {
        run(options.nowMs, (client, ctx, now) => enqueueItem(client, ctx, item, now)).then(
          item.resolve,
          item.reject,
        );
        return done;
      }
      waiting.push(item);
      pump();
      return done;
    },

    take: ({ worker, limit, leaseMs, nowMs }) =>
      run(nowMs, async (client, ctx, now) => {
        // Leases that ran out: the attempt counts; out of attempts, the job is dead-lettered instead.
        const expired = await client.query(
          `SELECT * FROM ${jobs} WHERE state = 'active' AND lease_expires_at <= $1 ORDER BY lease_expires_at
           FOR UPDATE SKIP LOCKED`,
          [now],
        );
        for (const row of expired.rows) {
          const stored = decode(row);
          if (!stored) continue;
          // The transition decides; pg-boss is told the same outcome.
          if (expireJob(stored.job, now) === "dead") await bossDead(ctx, stored);
          else await bossRetry(ctx, stored, now, { reason: "lease expired" });
          await save(client, stored);
        }
        const paused = (await client.query(`SELECT target FROM ${pausedTable}`)).rows.map(
          (row) => z.object({ target: z.string() }).parse(row).target,
        );
        // pg-boss answers a fetch that lost a race for a key's active slot (a unique violation) with no
        // job, but the failed statement has ended this transaction: the fetch runs under a savepoint, rolled
        // back in that case. Any other failure is thrown.
        await client.query("SAVEPOINT hrflow_fetch");
        let fetched: { id: string; retryCount: number }[];
        try {
          fetched = await boss.fetch(PG_BOSS_QUEUE, {
            batchSize: Math.max(1, Math.floor(limit)),
            ...(paused.length > 0 ? { ignoreGroups: paused } : {}),
            ...ctx,
          });
        } catch (error) {
          await client.query("ROLLBACK TO SAVEPOINT hrflow_fetch");
          throw error;
        }
        try {
          await client.query("RELEASE SAVEPOINT hrflow_fetch");
        } catch {
          await client.query("ROLLBACK TO SAVEPOINT hrflow_fetch");
          fetched = [];
        }
        const leases: JobLease[] = [];
        // pg-boss picks by creation time; jobs created at the same instant are handed out in the order
        // they were enqueued (queue_jobs.seq), as the other backends do.
        const order = await client.query(
          `SELECT id FROM ${jobs} WHERE id = ANY($1::uuid[]) ORDER BY run_at, created_at, seq`,
          [fetched.map((item) => item.id)],
        );
        const attemptById = new Map(fetched.map((item) => [item.id, item.retryCount]));
        for (const { id } of order.rows.map((r) => z.object({ id: z.string() }).parse(r))) {
          const item = { id, retryCount: attemptById.get(id) ?? 0 };
          const stored = await read(client, item.id);
          if (!stored) continue;
          leases.push(startJob(stored.job, worker, now, leaseMs));
          stored.bossAttempt = item.retryCount;
          await save(client, stored);
        }
        return leases;
      }),

    heartbeat: (lease, leaseMs, nowMs) =>
      run(nowMs, async (client, ctx, now) => {
        const stored = await held(client, lease);
        if (!stored) return undefined;
        await boss.touch(PG_BOSS_QUEUE, attemptOf(stored), ctx);
        stored.job.leaseExpiresAt = now + leaseMs;
        stored.job.updatedAt = now;
        await save(client, stored);
        return { ...lease, job: stored.job, expiresAt: now + leaseMs };
      }),

    complete: (lease, { nowMs, result }) =>
      run(nowMs, async (client, ctx, now) => {
        const stored = await held(client, lease);
        if (!stored) return false;
        const done = await boss.complete(PG_BOSS_QUEUE, attemptOf(stored), result ?? null, ctx);
        // pg-boss declares its command answer as an empty interface; it carries the count it settled.
        if (AffectedSchema.parse(done).affected !== 1) return false;
        completeJob(stored.job, now, result);
        await save(client, stored);
        return true;
      }),

    fail: (lease, { nowMs, error, retryAt, deadReason }) =>
      run(nowMs, async (client, ctx, now): Promise<"retry" | "dead" | undefined> => {
        const stored = await held(client, lease);
        if (!stored) return undefined;
        const outcome = failJob(stored.job, { nowMs: now, error, retryAt, deadReason });
        if (outcome === "retry" && retryAt !== undefined) await bossRetry(ctx, stored, retryAt, { error });
        else await bossDead(ctx, stored);
        await save(client, stored);
        return outcome;
      }),

    release: (lease, nowMs) =>
      run(nowMs, async (client, ctx, now) => {
        const stored = await held(client, lease);
        if (!stored) return false;
        await bossRetry(ctx, stored, now, { reason: "handed back" });
        releaseJob(stored.job, lease.worker, now);
        await save(client, stored);
        return true;
      }),

    async get(id) {
      const client = await db.pool.connect();
      try {
        return (await read(client, id, false))?.job;
      } finally {
        client.release();
      }
    },

    async list(filter = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown): string => {
        params.push(value);
        return `$${params.length}`;
      };
      if (filter.states !== undefined) where.push(`state = ANY(${param(filter.states)}::text[])`);
      if (filter.target !== undefined) where.push(`target = ${param(filter.target)}`);
      if (filter.key !== undefined) where.push(`key = ${param(filter.key)}`);
      const limit = param(Math.max(0, Math.floor(filter.limit ?? 100)));
      const result = await db.pool.query(
        `SELECT * FROM ${jobs}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
         ORDER BY updated_at DESC, created_at DESC LIMIT ${limit}::integer`,
        params,
      );
      return result.rows.flatMap((row) => {
        const stored = decode(row);
        return stored ? [stored.job] : [];
      });
    },

    retry: (id, nowMs) =>
      run(nowMs, async (client, ctx, now) => {
        const stored = await read(client, id);
        if (!stored) return undefined;
        if (stored.job.state === "retry" || stored.job.state === "dead")
          await bringBack(client, ctx, stored, now, "retried");
        return stored.job;
      }),

    retryAll: ({ nowMs, target }) => moveAll("retry", nowMs, target, "retried"),

    redrive: ({ nowMs, target }) => moveAll("dead", nowMs, target, "redriven"),

    pause: (target, nowMs) =>
      run(nowMs, async (client, _ctx, now) => {
        await client.query(
          `INSERT INTO ${pausedTable} (target, paused_at) VALUES ($1, $2) ON CONFLICT (target) DO NOTHING`,
          [target, now],
        );
      }),

    async resume(target) {
      await db.pool.query(`DELETE FROM ${pausedTable} WHERE target = $1`, [target]);
    },

    stats: (nowMs) =>
      run(nowMs, async (client, _ctx, now): Promise<QueueStats> => {
        const counts: Record<JobState, number> = { queued: 0, active: 0, retry: 0, completed: 0, dead: 0 };
        const CountRow = z.object({ state: z.enum(STATES), n: Int8 });
        for (const row of (await client.query(`SELECT state, count(*) AS n FROM ${jobs} GROUP BY state`))
          .rows) {
          const parsed = CountRow.safeParse(row);
          if (parsed.success) counts[parsed.data.state] = parsed.data.n;
        }
        const oldest = z
          .object({ oldest: Int8.nullable() })
          .parse(
            (
              await client.query(
                `SELECT min(created_at) AS oldest FROM ${jobs} WHERE state IN ('queued', 'retry') AND run_at <= $1`,
                [now],
              )
            ).rows[0],
          ).oldest;
        const paused = (await client.query(`SELECT target FROM ${pausedTable} ORDER BY target`)).rows.map(
          (row) => z.object({ target: z.string() }).parse(row).target,
        );
        return { counts, oldestWaitingMs: oldest === null ? 0 : Math.max(0, now - oldest), paused };
      }),

    purge: (before) =>
      run(Date.now(), async (client, ctx) => {
        const result = await client.query(
          `DELETE FROM ${jobs} WHERE state = 'completed' AND finished_at < $1 RETURNING id`,
          [before],
        );
        const ids = result.rows.map((row) => z.object({ id: z.string() }).parse(row).id);
        for (let i = 0; i < ids.length; i += 1000)
          await boss.deleteJob(PG_BOSS_QUEUE, ids.slice(i, i + 1000), ctx);
        return ids.length;
      }),
  };

  /** One caller's jobs and ledger seeds (all of it commits, or none of it). */
  async function enqueueItem(
    client: PoolClient,
    ctx: { db: Db },
    item: PendingEnqueue,
    now: number,
  ): Promise<Enqueued[]> {
    const window = item.options.dedupeWindowMs ?? 0;
    const results: Enqueued[] = [];
    for (const spec of item.jobs) results.push(await enqueueOne(client, ctx, spec, now, window));
    for (const entry of item.options.ledgerSeeds ?? []) await seedLedgerEntry(db, client, entry);
    return results;
  }

  // Enqueues are grouped: those that arrive while the groups in flight are being written share the next
  // transaction, so a burst of webhooks costs a few commits instead of one each. A group that fails is
  // written again one caller at a time, so one caller's failure is only its own.
  const waiting: PendingEnqueue[] = [];
  let writing = 0;
  const groups = new Set<Promise<void>>();
  const MAX_GROUPS_IN_FLIGHT = 4;
  function pump(): void {
    while (waiting.length > 0 && writing < MAX_GROUPS_IN_FLIGHT) {
      const group = waiting.splice(0, 64);
      writing++;
      const written = writeGroup(group).finally(() => {
        writing--;
        groups.delete(written);
        pump();
      });
      groups.add(written);
    }
  }
  async function writeGroup(group: PendingEnqueue[]): Promise<void> {
    try {
      const results = await run(Date.now(), async (client, ctx, now) => {
        const out: Enqueued[][] = [];
        for (const item of group) out.push(await enqueueItem(client, ctx, item, now));
        return out;
      });
      group.forEach((item, i) => {
        item.resolve(results[i] ?? []);
      });
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      for (const item of group)
        await run(Date.now(), (client, ctx, now) => enqueueItem(client, ctx, item, now)).then(
          item.resolve,
          (failure: unknown) => {
            item.reject(failure instanceof Error ? failure : new Error(String(failure)));
          },
        );
    }
  }

  /** Adds one job, or finds the one that absorbs it (see {@link Enqueued}). */
  async function enqueueOne(
    client: PoolClient,
    ctx: { db: Db },
    spec: NewJob,
    now: number,
    windowMs: number,
  ): Promise<Enqueued> {
    // Enqueues of one (target, key) are serialised, so two webhooks for one profile cannot both add a job.
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
      `hrflow_connectors:enqueue:${db.schema}:${JSON.stringify([spec.target, spec.key])}`,
    ]);
    if (spec.eventId !== undefined) {
      const same = await client.query(
        `SELECT id FROM ${jobs} WHERE target = $1 AND key = $2 AND event_id = $3
         AND (state IN ('queued', 'retry', 'active') OR (state = 'completed' AND finished_at >= $4)) LIMIT 1`,
        [spec.target, spec.key, spec.eventId, now - windowMs],
      );
      const row = z.object({ id: z.string() }).safeParse(same.rows[0]);
      if (row.success) return { id: row.data.id, status: "duplicate", of: "event" };
    }
    const waiting = await client.query(
      `SELECT id FROM ${jobs} WHERE target = $1 AND key = $2 AND state IN ('queued', 'retry') LIMIT 1`,
      [spec.target, spec.key],
    );
    const row = z.object({ id: z.string() }).safeParse(waiting.rows[0]);
    if (row.success) return { id: row.data.id, status: "duplicate", of: "waiting" };
    const id = randomUUID();
    const runAt = spec.runAt ?? now;
    await boss.insert(
      PG_BOSS_QUEUE,
      [
        {
          id,
          data: { target: spec.target, key: spec.key },
          startAfter: new Date(runAt),
          singletonKey: JSON.stringify([spec.target, spec.key]),
          group: { id: spec.target },
        },
      ],
      ctx,
    );
    const stored: Stored = {
      bossAttempt: undefined,
      job: {
        id,
        target: spec.target,
        key: spec.key,
        eventId: spec.eventId,
        data: spec.data,
        state: "queued",
        attempts: 0,
        maxAttempts: Math.max(1, Math.floor(spec.maxAttempts)),
        runAt,
        createdAt: now,
        updatedAt: now,
        startedAt: undefined,
        finishedAt: undefined,
        worker: undefined,
        leaseExpiresAt: undefined,
        lastError: undefined,
        deadReason: undefined,
        result: undefined,
        history: [{ at: now, event: "enqueued", attempt: 0 }],
      },
    };
    await client.query(
      `INSERT INTO ${jobs} (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(", ")})`,
      encode(stored),
    );
    return { id, status: "created" };
  }

  return {
    queue,
    start,
    async close() {
      // Enqueues already asked for are written before the engine stops.
      while (groups.size > 0) await Promise.allSettled([...groups]);
      await turn;
      if (started) {
        await started.catch(() => undefined);
        await boss.stop({ graceful: false, close: true });
      }
    },
  };
}
