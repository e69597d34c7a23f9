import type { Logger } from "../../logger.js";
import type { Store } from "../types.js";
import {
  DEFAULT_POSTGRES_SCHEMA,
  parsePostgresLocation,
  PostgresDatabase,
  redactDatabaseUrl,
} from "./database.js";
import { postgresLedger, type PostgresClock } from "./ledger.js";
import { migratePostgres, POSTGRES_MIGRATIONS, schemaVersion } from "./migrations.js";
import { createPostgresQueue } from "./queue.js";
import { createPostgresRateLimits, type PostgresRateLimitsOptions } from "./rate-limits.js";
import { postgresRuns } from "./runs.js";

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:5432/database`, with the driver's own parameters (`sslmode`, ...) and
   * optionally `schema=NAME`. The password is never printed: {@link Store.location} shows `***`.
   */
  connectionString: string;
  /** The schema the tables live in (created when missing). @default the URL's `schema`, else "hrflow_connectors" */
  schema?: string | undefined;
  /** Connections kept by this process. @default 10 */
  poolMax?: number | undefined;
  /**
   * Which clock claims and job leases, due times and dedupe windows run on: `database` (PostgreSQL's, the
   * one every machine shares; the `nowMs` callers pass is only used to express answers in their time) or
   * `caller` (the `nowMs` of each call, as the SQLite store does: for tests on a fake clock, one process).
   * @default "database"
   */
  clock?: PostgresClock | undefined;
  /** Shown in `pg_stat_activity`. @default "hrflow-connectors" */
  applicationName?: string | undefined;
  logger?: Logger | undefined;
}

/** A {@link Store} on PostgreSQL; its vendor rate limits can be shared by every worker on the database. */
export interface PostgresStore extends Store {
  readonly kind: "postgres";
  /** The schema holding the store's tables. */
  readonly schema: string;
  /** @internal The database (pool and schema), for the queue and the rate limits built on this store. */
  readonly database: PostgresDatabase;
  sharedRateLimits(options?: PostgresRateLimitsOptions): ReturnType<typeof createPostgresRateLimits>;
}

/**
 * Opens a store on PostgreSQL for many workers on many machines: the ledger and its claims (leases on the
 * database clock, fenced writes), and vendor rate limits shared by every process that opens it. Applies
 * the schema migrations it has not seen (versioned, in one transaction under an advisory lock) before it
 * resolves; fails with a message naming the database (without its password) when it cannot.
 *
 * @example
 * ```ts
 * const store = await createPostgresStore({ connectionString: process.env.DATABASE_URL! });
 * const runtime = createRuntime({ store, rateLimits: store.sharedRateLimits() });
 * ```
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const parsed = parsePostgresLocation(options.connectionString);
  const schema = options.schema ?? parsed.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const db = new PostgresDatabase({
    connectionString: parsed.connectionString,
    schema,
    poolMax: options.poolMax,
    applicationName: options.applicationName,
    logger: options.logger,
  });
  try {
    await migratePostgres(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open PostgreSQL at ${redactDatabaseUrl(options.connectionString)}: ${reason}`, {
      cause: error,
    });
  }
  const latest = Math.max(...POSTGRES_MIGRATIONS.map((m) => m.version));
  const queue = createPostgresQueue(db, {
    connectionString: parsed.connectionString,
    clock: options.clock ?? "database",
    logger: options.logger,
  });
  const limits: { close(): Promise<void> }[] = [];
  let closed: Promise<void> | undefined;
  return {
    kind: "postgres",
    location: db.location,
    schema,
    database: db,
    ledger: postgresLedger(db, { clock: options.clock }),
    queue: queue.queue,
    runs: postgresRuns(db),
    async ping() {
      const version = await schemaVersion(db);
      if (version < latest)
        throw new Error(`the database schema "${schema}" is at version ${version}, expected ${latest}`);
    },
    sharedRateLimits(rateOptions = {}) {
      const created = createPostgresRateLimits(db, { logger: options.logger, ...rateOptions });
      limits.push(created);
      return created;
    },
    close() {
      closed ??= (async () => {
        for (const limit of limits) await limit.close();
        await queue.close();
        await db.close();
      })();
      return closed;
    },
  };
}
