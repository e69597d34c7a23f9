import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  connectorDefinitions,
  createSqliteStore,
  ledgerTarget,
  type Job,
  type JobState,
  type Store,
} from "../../src/index.js";
import { createServiceLogger } from "../../src/server/logger.js";
import { createService, type Service } from "../../src/server/service.js";
import {
  DEFAULT_EVENTS,
  DEFAULT_JOB_SETTINGS,
  type JobSettings,
  type ServiceSettings,
  type ServiceTarget,
} from "../../src/server/settings.js";
import { hrflowKey, type Sandbox } from "../../src/testing/index.js";
import { collect, registerSecret } from "./leaks.js";

/** The webhook secret and admin token of the test services. */
export const WEBHOOK_SECRET = "whsec-test-0123456789abcdef";
export const ADMIN_TOKEN = "admin-token-0123456789abcdef";

/** A service started in this process on loopback, with its database and what it logged. */
export interface TestService {
  url: string;
  service: Service;
  store: Store;
  /** The JSON log lines written so far. */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** A target on a sandbox vendor (its fake, credentials and options). */
export function sandboxTarget(sandbox: Sandbox, connector: string, name = connector): ServiceTarget {
  const vendor = sandbox.vendor(connector);
  const def = connectorDefinitions().find((d) => d.name === connector);
  if (!def) throw new Error(`no connector ${connector}`);
  const { baseUrl, ...options } = vendor.options();
  const auth = vendor.auth();
  const url = typeof baseUrl === "string" ? baseUrl : undefined;
  return {
    name,
    definition: def,
    auth,
    options,
    baseUrl: url,
    logics: [],
    format: undefined,
    ledgerTarget: ledgerTarget(def, { auth, baseUrl: url, options: def.optionsSchema.parse(options) }),
    allowInsecureCvUrls: true,
    timeoutMs: 5_000,
    requestAttempts: 1,
  };
}

/** Options of {@link startTestService}. */
export interface TestServiceOptions {
  targets: ServiceTarget[];
  store?: Store;
  jobs?: Partial<JobSettings>;
  workers?: number;
  adminToken?: string | undefined;
  metricsToken?: string | undefined;
  secret?: string | undefined;
  allowUnsigned?: boolean;
  maxBodyBytes?: number;
}

/** Starts a service on 127.0.0.1:0 against a sandbox, with a SQLite database in a temporary folder. */
export async function startTestService(sandbox: Sandbox, options: TestServiceOptions): Promise<TestService> {
  const store =
    options.store ?? createSqliteStore(join(mkdtempSync(join(tmpdir(), "svc-")), "service.sqlite"));
  registerSecret(WEBHOOK_SECRET, ADMIN_TOKEN);
  const settings: ServiceSettings = {
    listen: { host: "127.0.0.1", port: 0 },
    webhook: {
      secret: "secret" in options ? options.secret : WEBHOOK_SECRET,
      allowUnsigned: options.allowUnsigned ?? false,
      maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    },
    adminToken: "adminToken" in options ? options.adminToken : ADMIN_TOKEN,
    metricsToken: options.metricsToken,
    hrflowClient: sandbox.hrflowClient,
    targets: options.targets,
    routes: [
      { sources: [sandbox.sourceKey], events: DEFAULT_EVENTS, targets: options.targets.map((t) => t.name) },
    ],
    workers: options.workers ?? 2,
    jobs: {
      ...DEFAULT_JOB_SETTINGS,
      pollMs: 50,
      leaseMs: 5_000,
      backoffBaseMs: 50,
      backoffMaxMs: 200,
      ...options.jobs,
    },
    shutdownGraceMs: 5_000,
    secrets: [WEBHOOK_SECRET, ADMIN_TOKEN],
  };
  const logs: Record<string, unknown>[] = [];
  const logger = createServiceLogger({
    secrets: settings.secrets,
    level: "debug",
    destination: {
      write: (line: string) => {
        collect(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  const service = createService({
    settings,
    store,
    logger,
    runtime: { settleWindowMs: 200, leaseMs: 2_000 },
  });
  const url = await service.start();
  return { url, service, store, logs, stop: () => service.stop() };
}

/** Polls the queue until `done` holds (a generous deadline only guards against a hang; nothing is timed). */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string,
  deadlineMs = 60_000,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until no job is queued, active or waiting for a retry due within `horizonMs`. */
export async function waitForJobs(
  store: Store,
  settled: (counts: Record<JobState, number>) => boolean,
  what: string,
): Promise<Job[]> {
  await waitFor(async () => {
    const stats = await store.queue.stats(Date.now());
    return settled(stats.counts) ? true : undefined;
  }, what);
  return store.queue.list({ limit: 1000 });
}

/**
 * Adds `count` distinct profiles (no CV, each with its own email) to the sandbox's HrFlow source; returns
 * their keys and emails.
 */
export function addProfiles(
  sandbox: Sandbox,
  count: number,
  prefix: string,
): { key: string; email: string }[] {
  const [template] = sandbox.samples;
  if (!template) throw new Error("the sandbox has no sample profile");
  return Array.from({ length: count }, (_, i) => {
    const key = hrflowKey(`${prefix}-${i}`);
    const email = `${prefix}-${i}@candidates.example`;
    const profile = structuredClone(template.profile);
    const info = typeof profile["info"] === "object" && profile["info"] !== null ? profile["info"] : {};
    profile["key"] = key;
    profile["reference"] = `${prefix}-ref-${i}`;
    profile["info"] = {
      ...info,
      email,
      first_name: `Gen${i}`,
      last_name: prefix,
      full_name: `Gen${i} ${prefix}`,
    };
    sandbox.hrflow.addProfile(sandbox.sourceKey, profile);
    return { key, email };
  });
}
