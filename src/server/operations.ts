import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { JOB_STATES, settleAbandonedRuns, type Job, type LedgerEntry, type Store } from "../index.js";
import type { ServiceSettings } from "./settings.js";
import { JobDataSchema } from "./workers.js";

/**
 * What the operations API and the `jobs`/`dlq` commands share: reading jobs with their ledger timeline,
 * retrying, re-driving, pausing. Both act on the database directly, so the CLI works whether the service
 * runs or not.
 */

/** A ledger step in time order, for a job's timeline. */
export interface TimelineLine {
  at: string;
  step: string;
  status: string;
  detail?: string | undefined;
  vendorId?: string | undefined;
}

/** A job with what the ledger says about its profile and target. */
export interface JobDetail {
  job: Job;
  ledger:
    | {
        connector: string;
        target: string;
        profileKey: string;
        outcome: LedgerEntry["outcome"];
        vendorId: string | undefined;
        attempts: number;
        lastError: LedgerEntry["lastError"];
        updatedAt: string;
        timeline: TimelineLine[];
      }
    | undefined;
}

/** The ledger key of a job: its result's profile key once known, else the one written at ingress. */
export async function jobDetail(store: Store, job: Job): Promise<JobDetail> {
  const data = JobDataSchema.safeParse(job.data);
  if (!data.success) return { job, ledger: undefined };
  const resolved = job.result?.["profileKey"];
  const key = {
    ...data.data.ledger,
    ...(typeof resolved === "string" && resolved !== "" ? { profileKey: resolved } : {}),
  };
  const entry = await store.ledger.get(key);
  if (!entry) return { job, ledger: undefined };
  const timeline = Object.entries(entry.steps)
    .map(([step, record]) => ({
      at: record.at,
      step,
      status: record.status,
      ...(record.detail !== undefined ? { detail: record.detail } : {}),
      ...(record.vendorId !== undefined ? { vendorId: record.vendorId } : {}),
    }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return {
    job,
    ledger: {
      connector: entry.connector,
      target: entry.target,
      profileKey: entry.profileKey,
      outcome: entry.outcome,
      vendorId: entry.vendorId,
      attempts: entry.attempts,
      lastError: entry.lastError,
      updatedAt: entry.updatedAt,
      timeline,
    },
  };
}

const StateList = z
  .string()
  .transform((text) => text.split(",").map((s) => s.trim()))
  .pipe(z.array(z.enum(JOB_STATES)));
const ListQuery = z.object({
  state: StateList.optional(),
  target: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const TargetQuery = z.object({ target: z.string().min(1).optional() });
const RunsQuery = z.object({
  kind: z.enum(["batch", "service"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
const IdParams = z.object({ id: z.string().min(1) });
const TargetParams = z.object({ target: z.string().min(1) });

/** What {@link registerOperations} needs. */
export interface OperationsContext {
  /** The run record of this service process. */
  runId: string;
  store: Store;
  /** How long a `running` run may go without a sign of life before it reads as abandoned. */
  runStaleMs: number;
  settings: Pick<ServiceSettings, "targets">;
  now: () => number;
  /** Wakes the workers (after a retry or a re-drive). */
  nudge: () => void;
}

/**
 * The operations API (JSON), mounted under `/admin` behind the admin token:
 *
 * - `GET /jobs?state=dead,retry&target=T&key=K&limit=N`, `GET /jobs/:id` (with the ledger timeline)
 * - `POST /jobs/:id/retry`, `POST /jobs/retry-failed?target=T`
 * - `GET /dlq?target=T`, `POST /dlq/redrive?target=T`
 * - `GET /targets` (with paused flags), `POST /targets/:target/pause`, `POST /targets/:target/resume`
 * - `GET /stats`
 * - `GET /runs?kind=service|batch&limit=N`, `GET /runs/:id` (this process's run is `GET /runs/current`)
 */
export function registerOperations(app: FastifyInstance, context: OperationsContext): void {
  const { store, now } = context;
  const known = new Set(context.settings.targets.map((t) => t.name));
  const bad = (message: string): { error: string } => ({ error: message });
  // Runs whose process was killed are ended (interrupted, with a note) before people read them; a failure
  // to end them never fails the read.
  const settleAbandoned = (): Promise<unknown> =>
    settleAbandonedRuns(store.runs, now(), context.runStaleMs).catch(() => []);

  app.get("/jobs", async (request, reply) => {
    const query = ListQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(bad(query.error.issues.map((i) => i.message).join("; ")));
    const jobs = await store.queue.list({
      states: query.data.state,
      target: query.data.target,
      key: query.data.key,
      limit: query.data.limit,
    });
    return reply.send({ jobs });
  });

  app.post("/jobs/retry-failed", async (request, reply) => {
    const query = TargetQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(bad("target must be a target name"));
    const retried = await store.queue.retryAll({ nowMs: now(), target: query.data.target });
    context.nudge();
    return reply.send({ retried });
  });

  app.get("/jobs/:id", async (request, reply) => {
    const params = IdParams.parse(request.params);
    const job = await store.queue.get(params.id);
    if (!job) return reply.code(404).send(bad("no such job"));
    return reply.send(await jobDetail(store, job));
  });

  app.post("/jobs/:id/retry", async (request, reply) => {
    const params = IdParams.parse(request.params);
    const before = await store.queue.get(params.id);
    if (!before) return reply.code(404).send(bad("no such job"));
    if (before.state !== "retry" && before.state !== "dead")
      return reply.code(409).send(bad(`the job is ${before.state}: only retry and dead jobs can be retried`));
    const job = await store.queue.retry(params.id, now());
    context.nudge();
    return reply.send({ job });
  });

  app.get("/dlq", async (request, reply) => {
    const query = TargetQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(bad("target must be a target name"));
    const jobs = await store.queue.list({ states: ["dead"], target: query.data.target, limit: 1000 });
    return reply.send({ jobs });
  });

  app.post("/dlq/redrive", async (request, reply) => {
    const query = TargetQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(bad("target must be a target name"));
    const redriven = await store.queue.redrive({ nowMs: now(), target: query.data.target });
    context.nudge();
    return reply.send({ redriven });
  });

  app.get("/targets", async (_request, reply) => {
    const stats = await store.queue.stats(now());
    const targets = context.settings.targets.map((t) => ({
      name: t.name,
      connector: t.definition.name,
      paused: stats.paused.includes(t.name),
    }));
    return reply.send({ targets });
  });

  for (const action of ["pause", "resume"] as const) {
    app.post(`/targets/:target/${action}`, async (request, reply) => {
      const params = TargetParams.parse(request.params);
      if (!known.has(params.target)) return reply.code(404).send(bad("no such target"));
      if (action === "pause") await store.queue.pause(params.target, now());
      else await store.queue.resume(params.target);
      context.nudge();
      return reply.send({ target: params.target, paused: action === "pause" });
    });
  }

  app.get("/stats", async (_request, reply) => reply.send(await store.queue.stats(now())));

  app.get("/runs", async (request, reply) => {
    const query = RunsQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(bad(query.error.issues.map((i) => i.message).join("; ")));
    await settleAbandoned();
    const runs = await store.runs.list({ kind: query.data.kind, limit: query.data.limit });
    return reply.send({ runs });
  });

  app.get("/runs/:id", async (request, reply) => {
    const params = IdParams.parse(request.params);
    await settleAbandoned();
    const run = await store.runs.get(params.id === "current" ? context.runId : params.id);
    if (!run) return reply.code(404).send(bad("no such run"));
    return reply.send({ run });
  });
}
