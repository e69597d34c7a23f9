import type { ConnectorDefinition, FormatFn, Hrflow, LogicFn, VendorAuth } from "../index.js";

/**
 * What the service runs with, resolved and checked: connector definitions, auth instances and logic
 * functions, not names. The `serve` command builds it from a configuration file (`src/cli/serve-config.ts`);
 * a program embedding the service builds it itself.
 */

/** One place pushes go: a connector, an account (credentials) and the vendor options. */
export interface ServiceTarget {
  /** The name routes use, unique; also the queue name (a target is paused by it). */
  name: string;
  definition: ConnectorDefinition;
  auth: VendorAuth;
  /** Vendor options as `pushProfile` takes them (already validated by the connector's schema). */
  options: Record<string, unknown>;
  /** Vendor API base URL. @default the vendor's production URL */
  baseUrl: string | undefined;
  /** Logic functions applied before the mapping, in order. */
  logics: LogicFn[];
  /** A format that replaces the default mapping. */
  format: FormatFn | undefined;
  /**
   * The ledger's target of these pushes (`baseUrl|account|scope`), so the ingress can write the ledger
   * entry that explains a job under the key the push will use.
   */
  ledgerTarget: string;
  /** Allow CV downloads from http:// and loopback hosts (the sandbox only). @default false */
  allowInsecureCvUrls: boolean;
  /** Per-request timeout of vendor calls. @default the connector's */
  timeoutMs: number | undefined;
  /** Attempts of one vendor request within a push (the job is retried on top of that). @default the connector's */
  requestAttempts: number | undefined;
}

/** Which events go to which targets. */
export interface ServiceRoute {
  /** HrFlow source keys this route listens to; undefined: every source. */
  sources: readonly string[] | undefined;
  /** Event names (`profile.storing.success`, ...) that trigger a push. */
  events: readonly string[];
  /** Names of {@link ServiceTarget}s. */
  targets: readonly string[];
}

/** How jobs are run and retried. */
export interface JobSettings {
  /** Attempts before a job is dead-lettered. @default 8 */
  maxAttempts: number;
  /** First retry delay; doubled per attempt with full jitter. @default 5000 */
  backoffBaseMs: number;
  /** Longest retry delay (a vendor's `Retry-After` may ask for more, up to `maxRetryAfterMs`). @default 600000 */
  backoffMaxMs: number;
  /** The longest `Retry-After` honoured as asked; longer ones are cut to this. @default 3600000 */
  maxRetryAfterMs: number;
  /** A worker's lease on a job, renewed every third of it; a dead worker's job is taken again after it. @default 60000 */
  leaseMs: number;
  /** How often an idle worker looks for due jobs (an accepted webhook wakes them at once). @default 1000 */
  pollMs: number;
  /** How long after completion an identical event still adds no job. @default 600000 */
  dedupeWindowMs: number;
}

/** Everything {@link createService} needs. */
export interface ServiceSettings {
  listen: { host: string; port: number };
  webhook: {
    /** The webhook secret configured in HrFlow; undefined only with `allowUnsigned`. */
    secret: string | undefined;
    /** Accept events without a signature header. Never the default. */
    allowUnsigned: boolean;
    /** Largest body accepted (413 above). @default 1048576 */
    maxBodyBytes: number;
  };
  /** Bearer token of the operations API; without one, the API is not mounted at all. */
  adminToken: string | undefined;
  /**
   * Bearer token `GET /metrics` requires (Prometheus: `authorization: { credentials: ... }`); without one,
   * `/metrics` is open, for a scraper on a private network.
   */
  metricsToken?: string | undefined;
  hrflowClient: Hrflow;
  targets: readonly ServiceTarget[];
  routes: readonly ServiceRoute[];
  /** Concurrent pushes in this process. @default 4 */
  workers: number;
  jobs: JobSettings;
  /** How long SIGTERM waits for pushes in flight before handing them back. @default 25000 */
  shutdownGraceMs: number;
  /** Values that must never appear in a log line, an answer or a metric (secrets of the configuration). */
  secrets: readonly string[];
}

/** Defaults of {@link JobSettings}. */
export const DEFAULT_JOB_SETTINGS: JobSettings = {
  maxAttempts: 8,
  backoffBaseMs: 5_000,
  backoffMaxMs: 600_000,
  maxRetryAfterMs: 3_600_000,
  leaseMs: 60_000,
  pollMs: 1_000,
  dedupeWindowMs: 600_000,
};

/** Events that trigger a push unless a route names others: a profile parsed, stored or updated. */
export const DEFAULT_EVENTS: readonly string[] = [
  "profile.parsing.success",
  "profile.storing.success",
  "profile.storing.update",
  "profile.indexing.success",
  "profile.indexing.update",
];
