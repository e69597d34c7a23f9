import { resolve } from "node:path";
import {
  ConfigError,
  createRuntime,
  isPostgresLocation,
  openStore,
  redactDatabaseUrl,
  type Logger,
  type Runtime,
  type RuntimeEvent,
} from "../index.js";
import type { Env } from "./config.js";

import { DEFAULT_LEDGER } from "./defaults.js";

/**
 * The store the flags and environment name: `--ledger` or `--database` (either takes a SQLite file or a
 * `postgres://` URL; both at once must name the same store), else `HRFLOW_CONNECTORS_LEDGER`, else
 * `DATABASE_URL` (only a PostgreSQL URL in it), else the default SQLite file. A path is resolved against the
 * working directory; a URL is kept as it is.
 */
export function ledgerLocation(flag: string | undefined, env: Env, cwd: string, database?: string): string {
  const located = (location: string): string =>
    location === ":memory:" || /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? location : resolve(cwd, location);
  if (flag !== undefined && database !== undefined && located(flag) !== located(database))
    throw new ConfigError(
      [
        {
          path: "--database",
          message: `names ${displayLocation(located(database))} while --ledger names ${displayLocation(located(flag))}: give one of them`,
        },
      ],
      { summary: "Cannot open the push ledger" },
    );
  for (const [path, value] of [
    ["--ledger", flag],
    ["--database", database],
  ] as const)
    if (value !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !isPostgresLocation(value))
      throw new ConfigError(
        [{ path, message: `expected a postgres:// URL or a SQLite file, got ${displayLocation(value)}` }],
        { summary: "Cannot open the push ledger" },
      );
  // DATABASE_URL is a common name: only a PostgreSQL URL in it is ours.
  const shared = env["DATABASE_URL"];
  const ledger =
    flag ??
    database ??
    env["HRFLOW_CONNECTORS_LEDGER"] ??
    (shared !== undefined && isPostgresLocation(shared) ? shared : undefined) ??
    DEFAULT_LEDGER;
  return located(ledger);
}

/** A location safe to print (a database URL without its password). */
export function displayLocation(location: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return location;
  return redactDatabaseUrl(location);
}

/** Options of {@link openCliRuntime}. */
export interface CliRuntimeOptions {
  location: string;
  logger: Logger;
  env: Env;
  onEvent?: (event: RuntimeEvent) => void;
}

/**
 * The runtime of one CLI command: its ledger store, rate limits and claims. Test hooks read from the
 * environment: `HRFLOW_CONNECTORS_SETTLE_MS` and `HRFLOW_CONNECTORS_LEASE_MS` shorten the settle window and
 * the claim lease, `HRFLOW_CONNECTORS_RUN_HEARTBEAT_MS` and `HRFLOW_CONNECTORS_RUN_STALE_MS` how often a run
 * shows a sign of life and how long without one makes it abandoned, and
 * `HRFLOW_CONNECTORS_CRASH_AT=<checkpoint>` makes the process kill itself at that point of a push (the crash
 * tests use them; the defaults suit real vendors).
 */
export async function openCliRuntime(options: CliRuntimeOptions): Promise<Runtime> {
  let store;
  try {
    store = await openStore(options.location, { logger: options.logger });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const path = isPostgresLocation(options.location) ? "--database / DATABASE_URL" : "--ledger / --database";
    throw new ConfigError(
      [{ path, message: `cannot open ${displayLocation(options.location)}: ${reason}` }],
      { summary: "Cannot open the push ledger" },
    );
  }
  const positive = (name: string): number | undefined => {
    const value = Number(options.env[name]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const settleWindowMs = positive("HRFLOW_CONNECTORS_SETTLE_MS");
  const leaseMs = positive("HRFLOW_CONNECTORS_LEASE_MS");
  const runHeartbeatMs = positive("HRFLOW_CONNECTORS_RUN_HEARTBEAT_MS");
  const runStaleMs = positive("HRFLOW_CONNECTORS_RUN_STALE_MS");
  // The crash tests' hook: the process kills itself (SIGKILL, no cleanup) at the named point of a push.
  const crashAt = options.env["HRFLOW_CONNECTORS_CRASH_AT"];
  // Several workers on one PostgreSQL share each vendor's budget; other stores keep the in-process limits.
  const onEvent = options.onEvent;
  const rateLimits = store.sharedRateLimits?.(
    onEvent
      ? {
          onWait: (wait) => {
            onEvent({ type: "wait", ...wait });
          },
        }
      : {},
  );
  return createRuntime({
    store,
    ...(rateLimits ? { rateLimits } : {}),
    logger: options.logger,
    ...(settleWindowMs !== undefined ? { settleWindowMs } : {}),
    ...(leaseMs !== undefined ? { leaseMs } : {}),
    ...(runHeartbeatMs !== undefined ? { runHeartbeatMs } : {}),
    ...(runStaleMs !== undefined ? { runStaleMs } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(crashAt
      ? {
          checkpoint: (name: string) => {
            if (name === crashAt) process.kill(process.pid, "SIGKILL");
          },
        }
      : {}),
  });
}
