import {
  completeJob,
  expireJob,
  failJob,
  newJobId,
  releaseJob,
  requeueJob,
  startJob,
  type Enqueued,
  type Job,
  type JobLease,
  type JobQueue,
  type JobState,
} from "./queue.js";
import type { LedgerEntry } from "./types.js";

const WAITING: readonly JobState[] = ["queued", "retry"];

/**
 * The job queue kept in memory (lost with the process): for tests and one-off runs. Jobs are copied in
 * and out, so a caller never holds the queue's own objects.
 * @param seedLedger writes a ledger entry when its key has none (the memory ledger's, for enqueue)
 */
export function createMemoryQueue(seedLedger: (entry: LedgerEntry) => void): JobQueue {
  const jobs = new Map<string, Job>();
  const paused = new Map<string, number>();
  const copy = (job: Job): Job => structuredClone(job);
  // The fence: a lease is held while the job is active for the same worker and attempt. An expired lease
  // that nobody took over yet is still held (the worker may finish); once taken, the attempt differs.
  const holds = (lease: JobLease): Job | undefined => {
    const job = jobs.get(lease.job.id);
    return job?.state === "active" && job.worker === lease.worker && job.attempts === lease.attempt
      ? job
      : undefined;
  };

  /** Expired leases: the attempt is over; the job waits again, or is dead when out of attempts. */
  const expireLeases = (nowMs: number): void => {
    for (const job of jobs.values())
      if (job.state === "active" && (job.leaseExpiresAt ?? 0) <= nowMs) expireJob(job, nowMs);
  };

  /** Queues again every job of a state (and target), due now; returns how many. */
  const moveAll = (
    from: "retry" | "dead",
    nowMs: number,
    target: string | undefined,
    event: "retried" | "redriven",
  ): number => {
    let moved = 0;
    for (const job of jobs.values()) {
      if (job.state !== from || (target !== undefined && job.target !== target)) continue;
      requeueJob(job, nowMs, event);
      moved++;
    }
    return moved;
  };

  return {
    enqueue: (newJobs, options) => {
      const { nowMs } = options;
      const window = options.dedupeWindowMs ?? 0;
      const results: Enqueued[] = [];
      const all = [...jobs.values()];
      for (const spec of newJobs) {
        const sameKey = all.filter((j) => j.target === spec.target && j.key === spec.key);
        const sameEvent =
          spec.eventId === undefined
            ? undefined
            : sameKey.find(
                (j) =>
                  j.eventId === spec.eventId &&
                  (j.state === "queued" ||
                    j.state === "retry" ||
                    j.state === "active" ||
                    (j.state === "completed" && (j.finishedAt ?? 0) >= nowMs - window)),
              );
        if (sameEvent) {
          results.push({ id: sameEvent.id, status: "duplicate", of: "event" });
          continue;
        }
        const waiting = sameKey.find((j) => WAITING.includes(j.state));
        if (waiting) {
          results.push({ id: waiting.id, status: "duplicate", of: "waiting" });
          continue;
        }
        const job: Job = {
          id: newJobId(nowMs),
          target: spec.target,
          key: spec.key,
          eventId: spec.eventId,
          data: structuredClone(spec.data),
          state: "queued",
          attempts: 0,
          maxAttempts: Math.max(1, Math.floor(spec.maxAttempts)),
          runAt: spec.runAt ?? nowMs,
          createdAt: nowMs,
          updatedAt: nowMs,
          startedAt: undefined,
          finishedAt: undefined,
          worker: undefined,
          leaseExpiresAt: undefined,
          lastError: undefined,
          deadReason: undefined,
          result: undefined,
          history: [{ at: nowMs, event: "enqueued", attempt: 0 }],
        };
        all.push(job);
        results.push({ id: job.id, status: "created" });
      }
      // Nothing above can fail half-way: commit everything at once.
      for (const job of all) jobs.set(job.id, job);
      for (const entry of options.ledgerSeeds ?? []) seedLedger(entry);
      return Promise.resolve(results);
    },

    take: ({ worker, limit, leaseMs, nowMs }) => {
      expireLeases(nowMs);
      const busy = new Set(
        [...jobs.values()].filter((j) => j.state === "active").map((j) => JSON.stringify([j.target, j.key])),
      );
      const due = [...jobs.values()]
        .filter((j) => WAITING.includes(j.state) && j.runAt <= nowMs && !paused.has(j.target))
        .sort((a, b) => a.runAt - b.runAt || a.createdAt - b.createdAt);
      const leases: JobLease[] = [];
      for (const job of due) {
        if (leases.length >= limit) break;
        const id = JSON.stringify([job.target, job.key]);
        if (busy.has(id)) continue;
        busy.add(id);
        leases.push({ ...startJob(job, worker, nowMs, leaseMs), job: copy(job) });
      }
      return Promise.resolve(leases);
    },

    heartbeat: (lease, leaseMs, nowMs) => {
      const job = holds(lease);
      if (!job) return Promise.resolve(undefined);
      job.leaseExpiresAt = nowMs + leaseMs;
      job.updatedAt = nowMs;
      return Promise.resolve({ ...lease, job: copy(job), expiresAt: nowMs + leaseMs });
    },

    complete: (lease, { nowMs, result }) => {
      const job = holds(lease);
      if (!job) return Promise.resolve(false);
      completeJob(job, nowMs, result === undefined ? undefined : structuredClone(result));
      return Promise.resolve(true);
    },

    fail: (lease, options) => {
      const job = holds(lease);
      if (!job) return Promise.resolve(undefined);
      return Promise.resolve(failJob(job, { ...options, error: { ...options.error } }));
    },

    release: (lease, nowMs) => {
      const job = holds(lease);
      if (!job) return Promise.resolve(false);
      releaseJob(job, lease.worker, nowMs);
      return Promise.resolve(true);
    },

    get: (id) => {
      const job = jobs.get(id);
      return Promise.resolve(job ? copy(job) : undefined);
    },

    list: (filter = {}) => {
      const found = [...jobs.values()]
        .filter(
          (j) =>
            (filter.states === undefined || filter.states.includes(j.state)) &&
            (filter.target === undefined || j.target === filter.target) &&
            (filter.key === undefined || j.key === filter.key),
        )
        .sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt);
      return Promise.resolve(found.slice(0, Math.max(0, filter.limit ?? 100)).map(copy));
    },

    retry: (id, nowMs) => {
      const job = jobs.get(id);
      if (!job) return Promise.resolve(undefined);
      if (job.state === "retry" || job.state === "dead") requeueJob(job, nowMs, "retried");
      return Promise.resolve(copy(job));
    },

    retryAll: ({ nowMs, target }) => Promise.resolve(moveAll("retry", nowMs, target, "retried")),

    redrive: ({ nowMs, target }) => Promise.resolve(moveAll("dead", nowMs, target, "redriven")),

    pause: (target, nowMs) => {
      if (!paused.has(target)) paused.set(target, nowMs);
      return Promise.resolve();
    },

    resume: (target) => {
      paused.delete(target);
      return Promise.resolve();
    },

    stats: (nowMs) => {
      const counts: Record<JobState, number> = { queued: 0, active: 0, retry: 0, completed: 0, dead: 0 };
      let oldest: number | undefined;
      for (const job of jobs.values()) {
        counts[job.state] += 1;
        if (WAITING.includes(job.state) && job.runAt <= nowMs)
          oldest = Math.min(oldest ?? job.createdAt, job.createdAt);
      }
      return Promise.resolve({
        counts,
        oldestWaitingMs: oldest === undefined ? 0 : Math.max(0, nowMs - oldest),
        paused: [...paused.keys()].sort(),
      });
    },

    purge: (before) => {
      let removed = 0;
      for (const [id, job] of jobs) {
        if (job.state === "completed" && (job.finishedAt ?? 0) < before) {
          jobs.delete(id);
          removed++;
        }
      }
      return Promise.resolve(removed);
    },
  };
}
