import { createHash, timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import { fastify, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import {
  createRuntime,
  emptyRunCounts,
  EventParser,
  newRunId,
  type RunCounter,
  type LedgerEntry,
  type NewJob,
  type ProfileRef,
  type Runtime,
  type RuntimeOptions,
  type Store,
} from "../index.js";
import { settleAbandonedRuns, startRunHeartbeat, type RunHeartbeat } from "../core/store/runs.js";
import type { ServiceLogger } from "./logger.js";
import { createServiceMetrics, type PushOutcomeLabel, type ServiceMetrics } from "./metrics.js";
import { registerOperations } from "./operations.js";
import type { ServiceSettings, ServiceTarget } from "./settings.js";
import { canonicalJson, verifyIngress } from "./verify.js";
import { createWorkerPool, type ServiceJobData, type WorkerPool } from "./workers.js";

/** Options of {@link createService}. */
export interface ServiceOptions {
  settings: ServiceSettings;
  /** The database of the ledger and the queue (migrated when opened). */
  store: Store;
  logger: ServiceLogger;
  /** Runtime options beyond the store, logger and events (claim lease, settle window, clock, fetch). */
  runtime?: Omit<RuntimeOptions, "store" | "logger" | "onEvent">;
}

/** A running (or ready to run) webhook service. */
export interface Service {
  readonly runtime: Runtime;
  readonly metrics: ServiceMetrics;
  readonly workers: WorkerPool;
  /** The HTTP server (routes registered). */
  readonly http: FastifyInstance;
  /** Listens and starts the workers; resolves to the base URL. */
  start(): Promise<string>;
  /**
   * Stops accepting (new requests get 503 while the server closes; requests in flight are answered),
   * lets pushes in flight finish for up to the grace period then hands the rest back, and closes the
   * database. Safe to call twice.
   */
  stop(graceMs?: number): Promise<void>;
}

/** One event of a webhook, read and routed. */
interface RoutedEvent {
  index: number;
  type: string | undefined;
  profile: ProfileRef | undefined;
  targets: ServiceTarget[];
  reason?: string;
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** Reads each event and decides its targets (an event no route takes is ignored, with why). */
function routeEvents(events: readonly unknown[], settings: ServiceSettings): RoutedEvent[] {
  const byName = new Map(settings.targets.map((t) => [t.name, t]));
  return events.map((event, index): RoutedEvent => {
    const parser = new EventParser({ request: event });
    const type = parser.eventType;
    const profile = parser.getProfile();
    if (!profile) return { index, type, profile, targets: [], reason: "the event names no profile" };
    if (type === undefined) return { index, type, profile, targets: [], reason: "the event has no type" };
    const names = new Set<string>();
    for (const route of settings.routes) {
      if (route.sources !== undefined && !route.sources.includes(profile.source.key)) continue;
      if (!route.events.includes(type)) continue;
      for (const name of route.targets) names.add(name);
    }
    const targets = [...names].flatMap((name) => byName.get(name) ?? []);
    return targets.length > 0
      ? { index, type, profile, targets }
      : { index, type, profile, targets, reason: `no route takes ${type} events of this source` };
  });
}

const profileId = (profile: ProfileRef): string =>
  "key" in profile ? profile.key : `ref:${profile.reference}`;

/** The vendor options as plain JSON for the ledger (ids and names, never secrets). */
function jsonOptions(options: Record<string, unknown>): Record<string, unknown> {
  const parsed: unknown = JSON.parse(JSON.stringify(options));
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? { ...parsed } : {};
}

/** The token of an `Authorization: Bearer ...` header, if the request carries one. */
function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : undefined;
}

/** Constant-time comparison of a presented token with the configured one (digests: equal lengths). */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The run counter a job's end adds to (a retry is not an end; a lost record is counted nowhere). */
const RUN_COUNTER_OF: Partial<Record<PushOutcomeLabel, RunCounter>> = {
  created: "created",
  updated: "updated",
  unchanged: "unchanged",
  discarded: "discarded",
  partial: "partial",
  dead: "failed",
};

/**
 * Creates the webhook service: `POST /webhooks/hrflow` (verify, route, write jobs and ledger entries in one
 * transaction, then 202), in-process workers on one runtime, `/healthz`, `/readyz`, `/metrics`, and the
 * operations API under `/admin` when an admin token is configured.
 */
export function createService(options: ServiceOptions): Service {
  const { settings, store, logger } = options;
  const clock = { now: (): number => runtime.clock.now() };
  const metrics: ServiceMetrics = createServiceMetrics(store.queue, () => clock.now());
  const runtime: Runtime = createRuntime({
    ...options.runtime,
    store,
    logger,
    onEvent: (event) => {
      metrics.runtimeEvent(event);
    },
  });
  // One run record per service process: what `runs` and `/admin/runs` show, counted as jobs end.
  const runId = newRunId(clock.now());
  let runRecorded: Promise<boolean> | undefined;
  /** The run's signs of life while the service runs (stopped before its end is recorded). */
  let heartbeat: RunHeartbeat | undefined;
  const countOutcome = (outcome: PushOutcomeLabel): void => {
    const counter = RUN_COUNTER_OF[outcome];
    if (!counter || !runRecorded) return;
    void runRecorded
      .then((ok) => (ok ? store.runs.count(runId, { [counter]: 1 }) : false))
      .catch(() => false);
  };
  const countingMetrics: ServiceMetrics = {
    ...metrics,
    pushed: (connector, outcome, seconds) => {
      metrics.pushed(connector, outcome, seconds);
      countOutcome(outcome);
    },
  };
  const workers = createWorkerPool({
    queue: store.queue,
    runtime,
    settings,
    logger,
    metrics: countingMetrics,
  });
  const http = fastify({
    logger: false,
    // Answers new requests with 503 while closing; idle keep-alive connections are closed at once.
    return503OnClosing: true,
    forceCloseConnections: "idle",
    bodyLimit: settings.webhook.maxBodyBytes,
  });
  let stopped: Promise<void> | undefined;
  let started = false;

  // The webhook is read raw: the signature covers the bytes as sent. Only JSON is taken (415 otherwise).
  http.removeAllContentTypeParsers();
  http.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => {
    done(null, body);
  });
  http.setErrorHandler((error: { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (request.url.startsWith("/webhooks/")) {
      if (status === 413) metrics.rejected("too_large");
      else if (status === 415) metrics.rejected("content_type");
    }
    if (status >= 500) logger.error("request failed", { url: request.routeOptions.url, code: error.code });
    void reply.code(status).send({
      error:
        status === 413
          ? "payload too large"
          : status === 415
            ? "unsupported media type"
            : status >= 500
              ? "internal error"
              : "bad request",
    });
  });

  http.post("/webhooks/hrflow", async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.body;
    if (!(raw instanceof Buffer)) {
      metrics.rejected("content_type");
      return reply.code(415).send({ error: "unsupported media type" });
    }
    const verified = verifyIngress({
      rawBody: raw,
      headers: request.headers,
      secret: settings.webhook.secret,
      allowUnsigned: settings.webhook.allowUnsigned,
      maxBytes: settings.webhook.maxBodyBytes,
    });
    if (!verified.ok) {
      metrics.rejected(verified.reason);
      logger.warn("webhook refused", { reason: verified.reason, detail: verified.detail });
      // No detail for the sender: what failed would help a forger.
      return verified.reason === "malformed"
        ? reply.code(400).send({ error: "bad request" })
        : reply.code(401).send({ error: "unauthorized" });
    }
    const nowMs = clock.now();
    const nowIso = new Date(nowMs).toISOString();
    const routed = routeEvents(verified.events, settings);
    const jobs: NewJob[] = [];
    const seeds: LedgerEntry[] = [];
    const described: { target: string; profile: string; event: string | undefined }[] = [];
    for (const event of routed) {
      const { profile } = event;
      if (!profile) continue;
      const eventId = sha256(canonicalJson(verified.events[event.index]));
      for (const target of event.targets) {
        const ledger = {
          connector: target.definition.name,
          target: target.ledgerTarget,
          profileKey: profileId(profile),
        };
        const data: ServiceJobData = {
          profile,
          ledger,
          ...(event.type !== undefined ? { event: event.type } : {}),
        };
        jobs.push({
          target: target.name,
          key: `${profile.source.key}|${profileId(profile)}`,
          eventId,
          data,
          maxAttempts: settings.jobs.maxAttempts,
        });
        seeds.push({
          ...ledger,
          sourceKey: profile.source.key,
          baseUrl: (target.baseUrl ?? target.definition.defaultBaseUrl).replace(/\/+$/, ""),
          options: jsonOptions(target.options),
          vendorId: undefined,
          outcome: "pending",
          steps: {},
          attempts: 0,
          lastError: undefined,
          fingerprint: undefined,
          createdAt: nowIso,
          updatedAt: nowIso,
        });
        described.push({ target: target.name, profile: profileId(profile), event: event.type });
      }
    }
    let results: Awaited<ReturnType<typeof store.queue.enqueue>> = [];
    try {
      // One transaction: the jobs and the ledger entries that explain them, durable before the answer.
      if (jobs.length > 0)
        results = await store.queue.enqueue(jobs, {
          nowMs,
          dedupeWindowMs: settings.jobs.dedupeWindowMs,
          ledgerSeeds: seeds,
        });
    } catch (error) {
      metrics.rejected("unavailable");
      logger.error("webhook not stored", { error: error instanceof Error ? error.message : String(error) });
      // 503: nothing was stored; HrFlow (or whoever sends) may send it again.
      return reply.code(503).send({ error: "unavailable" });
    }
    const created = results.filter((r) => r.status === "created").length;
    const ignored = routed.filter((e) => e.targets.length === 0);
    metrics.eventReceived("accepted", routed.length - ignored.length);
    metrics.eventReceived("ignored", ignored.length);
    metrics.eventReceived("duplicate", results.length - created);
    if (created > 0) workers.nudge();
    logger.info("webhook accepted", {
      variant: verified.variant,
      events: routed.length,
      jobs: created,
      duplicates: results.length - created,
      ignored: ignored.length,
      jobIds: results.map((r) => r.id),
    });
    return reply.code(202).send({
      jobs: results.map((r, i) => ({
        id: r.id,
        status: r.status === "created" ? "queued" : "duplicate",
        target: described[i]?.target,
        profile: described[i]?.profile,
        event: described[i]?.event,
      })),
      ignored: ignored.map((e) => ({ index: e.index, reason: e.reason })),
    });
  });

  http.get("/healthz", async (_request, reply) => reply.send({ status: "ok" }));

  http.get("/readyz", async (_request, reply) => {
    const problems: string[] = [];
    try {
      await store.ping();
      // Reading the queue proves the migrations ran.
      await store.queue.stats(clock.now());
    } catch {
      problems.push("database unreachable or not migrated");
    }
    if (!started || stopped) problems.push("not started or shutting down");
    else if (workers.running < workers.size)
      problems.push(`${workers.running} of ${workers.size} workers running`);
    return reply.code(problems.length === 0 ? 200 : 503).send({
      status: problems.length === 0 ? "ready" : "not ready",
      database: store.kind,
      workers: workers.running,
      problems,
    });
  });

  http.get("/metrics", async (request, reply) => {
    if (settings.metricsToken !== undefined && !tokenMatches(bearerOf(request), settings.metricsToken))
      return reply.code(401).send({ error: "unauthorized" });
    const text = await metrics.registry.metrics();
    return reply.header("content-type", metrics.registry.contentType).send(text);
  });

  if (settings.adminToken !== undefined) {
    const token = settings.adminToken;
    void http.register(
      (admin, _opts, done) => {
        admin.addHook("onRequest", async (request, reply) => {
          if (!tokenMatches(bearerOf(request), token)) return reply.code(401).send({ error: "unauthorized" });
          return undefined;
        });
        registerOperations(admin, {
          store,
          settings,
          runId,
          runStaleMs: runtime.runStaleMs,
          now: () => clock.now(),
          nudge: () => {
            workers.nudge();
          },
        });
        done();
      },
      { prefix: "/admin" },
    );
  }

  return {
    runtime,
    metrics,
    workers,
    http,
    async start() {
      await http.listen({ host: settings.listen.host, port: settings.listen.port });
      // Runs of serve processes (or batches) that were killed read as interrupted from now on, not only
      // once someone lists runs; a failure here never stops the service from starting.
      await settleAbandonedRuns(store.runs, clock.now(), runtime.runStaleMs).then(
        (settled) => {
          for (const run of settled)
            logger.info("run ended as interrupted: its process stopped without ending it", {
              run: run.id,
              kind: run.kind,
              lastSeenAt: run.endedAt,
            });
        },
        (error: unknown) => {
          logger.warn("could not check for abandoned runs", { error: String(error) });
        },
      );
      const startedAt = new Date(clock.now()).toISOString();
      runRecorded = store.runs
        .create({
          id: runId,
          kind: "service",
          status: "running",
          startedAt,
          endedAt: undefined,
          lastSeenAt: startedAt,
          command: `serve (${settings.workers} workers; targets ${settings.targets.map((t) => t.name).join(", ")})`,
          counts: emptyRunCounts(),
          reportPath: undefined,
          note: undefined,
        })
        .then(
          () => true,
          (error: unknown) => {
            logger.warn("could not record the service run", { error: String(error) });
            return false;
          },
        );
      if (await runRecorded)
        heartbeat = startRunHeartbeat(store.runs, runId, {
          everyMs: runtime.runHeartbeatMs,
          now: () => clock.now(),
          onError: (error) => {
            logger.warn("could not record a sign of life of the service run", { error: String(error) });
          },
        });
      workers.start();
      started = true;
      const address = http.server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      const url = `http://${host}:${address.port}`;
      logger.info("service listening", {
        url,
        workers: settings.workers,
        database: store.kind,
        operationsApi: settings.adminToken !== undefined,
        targets: settings.targets.map((t) => t.name),
      });
      return url;
    },
    stop(graceMs = settings.shutdownGraceMs) {
      stopped ??= (async () => {
        logger.info("shutting down", { graceMs });
        // Stop accepting first: requests in flight are answered, nothing new arrives.
        await http.close();
        const { finished, handedBack } = await workers.stop(graceMs);
        await heartbeat?.stop();
        if (await runRecorded)
          await store.runs
            .finish(runId, {
              status: handedBack > 0 ? "interrupted" : "completed",
              endedAt: new Date(clock.now()).toISOString(),
              note: `stopped: ${finished} job(s) finished, ${handedBack} handed back`,
            })
            .catch(() => false);
        await runtime.close();
        logger.info("stopped", { finished, handedBack });
      })();
      return stopped;
    },
  };
}
