import pg from "pg";
import type { Logger } from "../../logger.js";

/** The schema the store's tables live in unless the location or the options name another. */
export const DEFAULT_POSTGRES_SCHEMA = "hrflow_connectors";

/** A lower-case SQL identifier, short enough to take the `_queue` suffix of the pg-boss schema. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,50}$/;

/** True for a `postgres://` or `postgresql://` location. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/** A database URL safe to print and log: the password replaced by `***`. */
export function redactDatabaseUrl(location: string): string {
  if (!URL.canParse(location)) return location.replace(/:\/\/([^:/@]*):[^@/]*@/, "://$1:***@");
  const url = new URL(location);
  if (url.password) url.password = "***";
  for (const name of ["password", "sslpassword"])
    if (url.searchParams.has(name)) url.searchParams.set(name, "***");
  return url.toString();
}

/** What {@link parsePostgresLocation} reads from a location. */
export interface PostgresLocation {
  /** The URL handed to the driver, without the `schema` parameter. */
  connectionString: string;
  /** The schema named by `?schema=`, when there is one. */
  schema: string | undefined;
}

/** Splits the `schema` query parameter (ours, not the driver's) off a `postgres://` URL. */
export function parsePostgresLocation(location: string): PostgresLocation {
  if (!URL.canParse(location)) throw new Error(`not a valid database URL: ${redactDatabaseUrl(location)}`);
  const url = new URL(location);
  const schema = url.searchParams.get("schema") ?? undefined;
  url.searchParams.delete("schema");
  return { connectionString: url.toString(), schema };
}

/** Checks a schema name and returns it quoted for SQL. */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema))
    throw new Error(
      `schema name "${schema}" is not allowed: use lower-case letters, digits and underscores (at most 51)`,
    );
  return `"${schema}"`;
}

/** What runs a statement: the pool, or one client inside a transaction. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** Options of {@link PostgresDatabase}. */
export interface PostgresDatabaseOptions {
  connectionString: string;
  schema: string;
  /** Connections kept by the pool. @default 10 */
  poolMax?: number | undefined;
  /** Shown in `pg_stat_activity`. @default "hrflow-connectors" */
  applicationName?: string | undefined;
  /** Give up connecting after this long. @default 10000 */
  connectTimeoutMs?: number | undefined;
  logger?: Logger | undefined;
}

/**
 * One PostgreSQL database as the store uses it: a `pg` pool, the schema its tables are in (quoted), and
 * a transaction helper. Statements name their tables with {@link PostgresDatabase.table}, never through
 * `search_path`, so a pooled connection shared with other code cannot point them elsewhere.
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** The schema name quoted for SQL. */
  readonly quotedSchema: string;
  readonly location: string;

  constructor(options: PostgresDatabaseOptions) {
    this.schema = options.schema;
    this.quotedSchema = quoteSchema(options.schema);
    this.location = redactDatabaseUrl(options.connectionString);
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 10,
      application_name: options.applicationName ?? "hrflow-connectors",
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    });
    const logger = options.logger;
    // An idle connection that breaks (a database restart) must not crash the process: the pool drops it
    // and opens another one on the next query.
    this.pool.on("error", (error) => {
      logger?.warn(`PostgreSQL connection lost: ${error.message}`, { database: this.location });
    });
  }

  /** `"schema".name`, for statements. */
  table(name: string): string {
    return `${this.quotedSchema}.${name}`;
  }

  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

/** SQL for "now" in epoch milliseconds on the database's clock (the one clock every machine shares). */
export const DB_NOW_MS = "floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint";
