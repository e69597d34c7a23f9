import { z } from "zod";
import {
  failureKind,
  isBusyError,
  isConnectorsError,
  runPushProfile,
  type JobData,
  type JobError,
  type JobLease,
  type JobQueue,
  type ProfileRef,
  type Runtime,
} from "../index.js";
import type { ServiceLogger } from "./logger.js";
import type { PushOutcomeLabel, ServiceMetrics } from "./metrics.js";
import type { JobSettings, ServiceSettings, ServiceTarget } from "./settings.js";

/** What a job of the service carries (written by the ingress). */
export const JobDataSchema = z.object({
  profile: z.union([
    z.object({ key: z.string().min(1), source: z.object({ key: z.string().min(1) }) }),
    z.object({ reference: z.string().min(1), source: z.object({ key: z.string().min(1) }) }),
  ]),
  /** The event that asked for the push. */
  event: z.string().optional(),
  /** The ledger key the push records under (the profile key is `ref:<reference>` until it is known). */
  ledger: z.object({ connector: z.string(), target: z.string(), profileKey: z.string() }),
});

/** The data of a service job. */
export type ServiceJobData = z.output<typeof JobDataSchema>;

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  queue: JobQueue;
  /** The one runtime every worker pushes through: shared vendor limits, claims, caches. */
  runtime: Runtime;
  settings: Pick<ServiceSettings, "hrflowClient" | "targets" | "workers" | "jobs">;
  logger: ServiceLogger;
  metrics: ServiceMetrics;
  /** @default Math.random */
  random?: () => number;
}

/** The in-process workers. */
export interface WorkerPool {
  start(): void;
  /** Wakes idle workers (a job was just accepted). */
  nudge(): void;
  /**
   * Stops taking jobs, lets pushes in flight finish for up to `graceMs`, then aborts the rest and hands
   * their jobs back (not counted as an attempt). Resolves when every worker has stopped.
   */
  stop(graceMs: number): Promise<{ finished: number; handedBack: number }>;
  /** Workers currently running their loop (for `/readyz`). */
  readonly running: number;
  readonly size: number;
}

/**
 * The retry delay of a failed attempt: exponential from `backoffBaseMs` (doubling per attempt, capped at
 * `backoffMaxMs`) with jitter over its upper half, so workers that failed together do not retry together;
 * never shorter than what the vendor asked (`Retry-After`, capped at `maxRetryAfterMs`).
 */
export function retryDelayMs(
  attempt: number,
  jobs: Pick<JobSettings, "backoffBaseMs" | "backoffMaxMs" | "maxRetryAfterMs">,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  const exponential = Math.min(jobs.backoffMaxMs, jobs.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + (random() * exponential) / 2;
  const asked = retryAfterMs === undefined ? 0 : Math.min(Math.max(0, retryAfterMs), jobs.maxRetryAfterMs);
  return Math.max(jittered, asked);
}

/** The shortest time between two wake-ups of idle workers by accepted webhooks. */
const NUDGE_MS = 20;

const RetryAfter = z.object({ retryAfterMs: z.number() });

/** The error as a job keeps it: name, message (already redacted by the engine), kind. */
function describe(error: unknown): JobError {
  if (isConnectorsError(error))
    return { name: error.name, message: error.message.slice(0, 1000), kind: failureKind(error) };
  const name = error instanceof Error ? error.name : "Error";
  // Not an error of this package: its message may hold anything, so only the name is kept.
  return { name, message: "unexpected error (see the service log)", kind: "retryable" };
}

/** Creates the worker pool (not started). */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const { queue, runtime, settings, logger, metrics } = options;
  const random = options.random ?? Math.random;
  const jobs = settings.jobs;
  const targets = new Map(settings.targets.map((t) => [t.name, t]));
  const now = (): number => runtime.clock.now();
  let stopping = false;
  // Read through a function: the loop awaits, and `stop()` may change it meanwhile.
  const isStopping = (): boolean => stopping;
  let running = 0;
  const loops: Promise<void>[] = [];
  const inFlight = new Map<string, AbortController>();
  let wake: (() => void) | undefined;
  let nudged = false;
  let wakeTimer: NodeJS.Timeout | undefined;
  let handedBack = 0;
  let finished = 0;

  /** Waits for a nudge, the poll interval or the stop, whichever first. */
  const idle = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const previous = wake;
      const done = (): void => {
        if (wakeTimer) clearTimeout(wakeTimer);
        wakeTimer = undefined;
        wake = undefined;
        previous?.();
        resolve();
      };
      wake = done;
      wakeTimer ??= setTimeout(() => wake?.(), jobs.pollMs);
    });

  const pushOutcome = (action: string | undefined): PushOutcomeLabel =>
    action === "created" || action === "updated" || action === "unchanged" ? action : "discarded";

  const run = async (lease: JobLease, worker: string): Promise<void> => {
    const { job } = lease;
    const log = logger.child({ jobId: job.id, target: job.target, attempt: lease.attempt });
    const target = targets.get(job.target);
    const data = JobDataSchema.safeParse(job.data);
    const connector = target?.definition.name ?? "unknown";
    const startedAt = now();
    if (!target || !data.success) {
      const error: JobError = target
        ? {
            name: "ConfigError",
            message: "the job's data cannot be read by this version of the service",
            kind: "config",
          }
        : {
            name: "ConfigError",
            message: `no target named "${job.target}" is configured any more: add it back, then re-drive the dead-letter queue`,
            kind: "config",
          };
      await queue.fail(lease, { nowMs: now(), error, retryAt: undefined });
      metrics.pushed(connector, "dead", 0);
      log.error("job dead-lettered", { reason: error.message });
      return;
    }
    const controller = new AbortController();
    inFlight.set(job.id, controller);
    let current = lease;
    // Renew the lease while the push runs; a lease lost (taken over after a stall) stops the push.
    const heartbeat = setInterval(
      () => {
        queue.heartbeat(current, jobs.leaseMs, now()).then(
          (renewed) => {
            if (renewed) current = renewed;
            else controller.abort(new Error("the job's lease was lost"));
          },
          (error: unknown) => {
            log.warn("could not renew the job's lease", { error: String(error) });
          },
        );
      },
      Math.max(50, Math.floor(jobs.leaseMs / 3)),
    );
    log.info("push started", { connector, worker });
    try {
      const response = await runPushProfile(
        target.definition,
        pushOptions(target, data.data.profile, log, controller.signal),
      );
      const seconds = (now() - startedAt) / 1000;
      if (response.status_code === 202) {
        // Partial (a failed CV upload): pushing again finishes it, so it is retried like an outage.
        await fail(
          current,
          { name: "PartialPush", message: response.message, kind: "retryable" },
          undefined,
          log,
          connector,
          seconds,
        );
        return;
      }
      const result: JobData = {
        status: response.status_code,
        action: response.result?.action ?? "discarded",
        ...(response.result?.vendorId !== undefined ? { vendorId: response.result.vendorId } : {}),
        profileKey: response.result?.profileKey ?? data.data.ledger.profileKey,
        message: response.message,
      };
      const written = await queue.complete(current, { nowMs: now(), result });
      finished++;
      metrics.pushed(connector, written ? pushOutcome(response.result?.action) : "lost", seconds);
      log.info(written ? "push completed" : "push completed, but the job's lease was lost", {
        action: result["action"],
        vendorId: response.result?.vendorId,
        profileKey: result["profileKey"],
        seconds,
      });
    } catch (error) {
      const seconds = (now() - startedAt) / 1000;
      if (stopping && controller.signal.aborted) {
        // Shutdown past the grace period: hand the job back; the write-ahead ledger settles what was in flight.
        if (await queue.release(current, now())) handedBack++;
        log.warn("push interrupted by shutdown; job handed back", { seconds });
        return;
      }
      const retryAfter = RetryAfter.safeParse(error);
      await fail(
        current,
        describe(error),
        retryAfter.success ? retryAfter.data.retryAfterMs : undefined,
        log,
        connector,
        seconds,
        isBusyError(error),
      );
    } finally {
      clearInterval(heartbeat);
      inFlight.delete(job.id);
    }
  };

  const fail = async (
    lease: JobLease,
    error: JobError,
    retryAfterMs: number | undefined,
    log: ServiceLogger,
    connector: string,
    seconds: number,
    busy = false,
  ): Promise<void> => {
    // Failures that cannot succeed as they are (bad options, refused credentials, a profile the vendor
    // cannot take, a create in doubt) go to the dead-letter queue at once, with their reason.
    const retryAt =
      error.kind === "retryable"
        ? now() +
          (busy
            ? Math.min(jobs.backoffBaseMs, 5_000)
            : retryDelayMs(lease.attempt, jobs, retryAfterMs, random))
        : undefined;
    const state = await queue.fail(lease, { nowMs: now(), error, retryAt });
    metrics.pushed(connector, state ?? "lost", seconds);
    if (state === "retry")
      log.warn("push failed; will retry", {
        error: error.name,
        message: error.message,
        retryAt: new Date(retryAt ?? 0).toISOString(),
      });
    else if (state === "dead")
      log.error("push failed; job dead-lettered", {
        error: error.name,
        message: error.message,
        kind: error.kind,
      });
    else log.warn("push failed, but the job's lease was lost", { error: error.name });
  };

  const pushOptions = (
    target: ServiceTarget,
    profile: ProfileRef,
    log: ServiceLogger,
    signal: AbortSignal,
  ): Record<string, unknown> => ({
    ...target.options,
    hrflowClient: settings.hrflowClient,
    auth: target.auth,
    profile,
    runtime,
    logger: log,
    signal,
    ...(target.logics.length > 0 ? { logics: target.logics } : {}),
    ...(target.format ? { format: target.format } : {}),
    ...(target.baseUrl !== undefined ? { baseUrl: target.baseUrl } : {}),
    ...(target.allowInsecureCvUrls ? { allowInsecureCvUrls: true } : {}),
    ...(target.timeoutMs !== undefined ? { timeoutMs: target.timeoutMs } : {}),
    ...(target.requestAttempts !== undefined ? { retry: { maxAttempts: target.requestAttempts } } : {}),
  });

  const loop = async (index: number): Promise<void> => {
    const worker = `${runtime.owner}/w${index}`;
    running++;
    try {
      while (!stopping) {
        let lease: JobLease | undefined;
        try {
          [lease] = await queue.take({ worker, limit: 1, leaseMs: jobs.leaseMs, nowMs: now() });
        } catch (error) {
          logger.error("could not take a job", {
            worker,
            error: error instanceof Error ? error.message : String(error),
          });
        }
        if (lease)
          await run(lease, worker).catch((error: unknown) => {
            // The database failed under the job (its lease expires and it is taken again): keep working.
            logger.error("could not record a job's outcome", {
              jobId: lease.job.id,
              error: error instanceof Error ? error.message : String(error),
            });
          });
        else if (!isStopping()) await idle();
      }
    } finally {
      running--;
    }
  };

  return {
    start() {
      for (let i = 0; i < settings.workers; i++) loops.push(loop(i + 1));
    },
    nudge() {
      // Coalesced: a burst of accepted webhooks wakes idle workers at most every NUDGE_MS, so a queue whose
      // due jobs all belong to paused targets is not searched on every request.
      if (nudged || wake === undefined) return;
      nudged = true;
      setTimeout(() => {
        nudged = false;
        wake?.();
      }, NUDGE_MS).unref();
    },
    async stop(graceMs) {
      stopping = true;
      wake?.();
      const all = Promise.all(loops);
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<"late">((resolve) => {
        timer = setTimeout(() => {
          resolve("late");
        }, graceMs);
      });
      if ((await Promise.race([all.then(() => "done" as const), grace])) === "late") {
        for (const controller of inFlight.values())
          controller.abort(new Error("the service is shutting down"));
        await all;
      }
      clearTimeout(timer);
      return { finished, handedBack };
    },
    get running() {
      return running;
    },
    get size() {
      return settings.workers;
    },
  };
}
