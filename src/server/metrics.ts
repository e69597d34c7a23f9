import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { JOB_STATES, type JobQueue, type RuntimeEvent } from "../index.js";
import type { RejectReason } from "./verify.js";

/** Why a webhook request was refused, as a metric label. */
export type RejectLabel = RejectReason | "too_large" | "content_type" | "unavailable";

/** How a push attempt ended, as a metric label. */
export type PushOutcomeLabel =
  "created" | "updated" | "unchanged" | "discarded" | "partial" | "retry" | "dead" | "lost";

/**
 * The service's Prometheus metrics, in a registry of its own (no process-wide state). Labels are
 * low-cardinality only: a connector name, a reason, an outcome, a job state; never a profile key, a target
 * URL or an account.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  eventReceived(result: "accepted" | "duplicate" | "ignored", count: number): void;
  rejected(reason: RejectLabel): void;
  pushed(connector: string, outcome: PushOutcomeLabel, seconds: number): void;
  /** Counts what the runtime waited for (rate limits, vendor pauses, claims, settling). */
  runtimeEvent(event: RuntimeEvent): void;
}

/** Creates the metrics; job counts and the oldest wait are read from the queue at each scrape. */
export function createServiceMetrics(queue: JobQueue, now: () => number): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const events = new Counter({
    name: "hrflow_connectors_webhook_events_total",
    help: "HrFlow events received in verified webhooks, by what became of them",
    labelNames: ["result"],
    registers: [registry],
  });
  const rejected = new Counter({
    name: "hrflow_connectors_webhook_rejected_total",
    help: "Webhook requests refused, by reason",
    labelNames: ["reason"],
    registers: [registry],
  });
  const pushes = new Counter({
    name: "hrflow_connectors_pushes_total",
    help: "Push attempts by connector and outcome",
    labelNames: ["connector", "outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "hrflow_connectors_push_duration_seconds",
    help: "Duration of push attempts by connector",
    labelNames: ["connector"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const waits = new Counter({
    name: "hrflow_connectors_runtime_waits_total",
    help: "Waits of the push engine (rate limit, vendor pause, claim, settle), by connector and reason",
    labelNames: ["connector", "reason"],
    registers: [registry],
  });
  const waitSeconds = new Counter({
    name: "hrflow_connectors_runtime_wait_seconds_total",
    help: "Time announced by the push engine's waits, by connector and reason",
    labelNames: ["connector", "reason"],
    registers: [registry],
  });
  new Gauge({
    name: "hrflow_connectors_jobs",
    help: "Jobs in the queue by state",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const stats = await queue.stats(now());
      for (const state of JOB_STATES) this.set({ state }, stats.counts[state]);
    },
  });
  new Gauge({
    name: "hrflow_connectors_queue_oldest_waiting_seconds",
    help: "Age of the oldest job due and waiting for a worker",
    registers: [registry],
    async collect() {
      this.set((await queue.stats(now())).oldestWaitingMs / 1000);
    },
  });
  return {
    registry,
    eventReceived: (result, count) => {
      if (count > 0) events.inc({ result }, count);
    },
    rejected: (reason) => {
      rejected.inc({ reason });
    },
    pushed: (connector, outcome, seconds) => {
      pushes.inc({ connector, outcome });
      duration.observe({ connector }, seconds);
    },
    runtimeEvent: (event) => {
      // The bucket is `connector|baseUrl|account`: only the connector is a label.
      const connector = event.bucket.split("|")[0] ?? "unknown";
      waits.inc({ connector, reason: event.reason });
      waitSeconds.inc({ connector, reason: event.reason }, Math.max(0, event.waitMs) / 1000);
    },
  };
}
