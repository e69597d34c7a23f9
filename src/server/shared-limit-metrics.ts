import { Gauge, type Registry } from "prom-client";
import type { SharedBucketState, SharedRateLimits } from "../index.js";

/** The connector of a rate-limit bucket (`connector|base URL|account`): the only part fit for a label. */
function connectorOf(bucket: string): string {
  return bucket.split("|", 1)[0] ?? "unknown";
}

/**
 * Adds the shared vendor limits to a service's metrics: what this worker did with them and what every
 * worker is doing, per connector (never the bucket itself: it names an account). Read at each scrape; a
 * database that cannot answer leaves the shared figures out of that scrape.
 */
export function registerSharedLimitMetrics(registry: Registry, limits: SharedRateLimits): void {
  const sum = <T>(items: readonly T[], pick: (item: T) => number): Map<string, number> => {
    const totals = new Map<string, number>();
    for (const item of items) {
      const bucket = (item as { bucket: string }).bucket;
      const connector = connectorOf(bucket);
      totals.set(connector, (totals.get(connector) ?? 0) + pick(item));
    }
    return totals;
  };
  new Gauge({
    name: "hrflow_connectors_worker_rate_limit_granted",
    help: "Vendor requests this worker was allowed to start by the shared limits, by connector",
    labelNames: ["connector"],
    registers: [registry],
    collect() {
      for (const [connector, n] of sum(limits.stats(), (s) => s.granted)) this.set({ connector }, n);
    },
  });
  new Gauge({
    name: "hrflow_connectors_worker_rate_limit_waited_seconds",
    help: "Time this worker's requests waited for the shared limits, by connector",
    labelNames: ["connector"],
    registers: [registry],
    collect() {
      for (const [connector, ms] of sum(limits.stats(), (s) => s.waitedMs))
        this.set({ connector }, ms / 1000);
    },
  });
  new Gauge({
    name: "hrflow_connectors_worker_rate_limit_in_flight",
    help: "Vendor requests of this worker in flight, by connector",
    labelNames: ["connector"],
    registers: [registry],
    collect() {
      for (const [connector, n] of sum(limits.stats(), (s) => s.inFlight)) this.set({ connector }, n);
    },
  });
  new Gauge({
    name: "hrflow_connectors_worker_rate_limit_round_trips",
    help: "Round trips of this worker to the database for a rate-limit grant, and failed ones",
    labelNames: ["result"],
    registers: [registry],
    collect() {
      const stats = limits.stats();
      this.set(
        { result: "ok" },
        stats.reduce((n, s) => n + s.roundTrips - s.errors, 0),
      );
      this.set(
        { result: "error" },
        stats.reduce((n, s) => n + s.errors, 0),
      );
    },
  });
  // One read of the database per scrape feeds the four shared gauges (each collects in turn).
  let read: { at: number; buckets: Promise<SharedBucketState[] | undefined> } | undefined;
  const buckets = (): Promise<SharedBucketState[] | undefined> => {
    const now = Date.now();
    if (!read || now - read.at > 1000) read = { at: now, buckets: limits.shared().catch(() => undefined) };
    return read.buckets;
  };
  const gauge = (
    name: string,
    help: string,
    value: (states: SharedBucketState[], now: number) => Map<string, number>,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: ["connector"],
      registers: [registry],
      async collect() {
        const states = await buckets();
        if (!states) return;
        for (const [connector, n] of value(states, Date.now())) this.set({ connector }, n);
      },
    });
  };
  gauge(
    "hrflow_connectors_shared_rate_limit_in_flight",
    "Vendor requests in flight in every worker, by connector",
    (states) => sum(states, (b) => b.inFlight),
  );
  gauge(
    "hrflow_connectors_shared_rate_limit_window_used_ratio",
    "Share of the vendor's request budget started by every worker in its current window, by connector (highest account)",
    (states) => {
      const usage = new Map<string, number>();
      for (const b of states) {
        const ratio = b.budget > 0 ? b.startedInWindow / b.budget : 0;
        usage.set(connectorOf(b.bucket), Math.max(usage.get(connectorOf(b.bucket)) ?? 0, ratio));
      }
      return usage;
    },
  );
  gauge(
    "hrflow_connectors_shared_rate_limit_paused",
    "Accounts every worker holds back for the vendor (Retry-After, spent quota), by connector",
    (states, now) => sum(states, (b) => (b.pausedUntil > now ? 1 : 0)),
  );
  gauge(
    "hrflow_connectors_shared_rate_limit_buckets",
    "Vendor accounts (credentials) the shared limits know, by connector",
    (states) => sum(states, () => 1),
  );
}
