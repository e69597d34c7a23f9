import { randomBytes } from "node:crypto";
import pg from "pg";
import { redactDatabaseUrl } from "../../src/core/store/postgres/database.js";

/**
 * The PostgreSQL the tests use: `HRFLOW_TEST_DATABASE_URL`, else the machine's local cluster as the
 * `postgres` role (trust authentication on 127.0.0.1). Every test works in schemas of its own, created
 * here and dropped when it ends, so it never touches anything else in that database.
 */
export const TEST_DATABASE_URL =
  process.env["HRFLOW_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

let reachable: Promise<void> | undefined;

/**
 * Fails with a message that says what to do when the test database cannot be reached (instead of a
 * driver error deep in a test).
 */
export function requirePostgres(): Promise<void> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `PostgreSQL is not reachable at ${redactDatabaseUrl(TEST_DATABASE_URL)} (${reason}). ` +
          "Start it with scripts/ensure-postgres.sh, or point HRFLOW_TEST_DATABASE_URL at a database " +
          "where this role may create schemas.",
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

/** A schema name no other test run uses (`t_<label>_<random>`). */
export function freshSchemaName(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/g, "_").slice(0, 20)}_${randomBytes(5).toString("hex")}`;
}

/** The test database URL with `?schema=` set. */
export function urlWithSchema(schema: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("schema", schema);
  return url.toString();
}

/** Drops schemas (and everything in them); missing ones are fine. */
export async function dropSchemas(...schemas: string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    for (const schema of schemas) {
      if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`unexpected schema name ${schema}`);
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  } finally {
    await client.end();
  }
}

/** Runs one statement on the test database (for assertions on what the store wrote). */
export async function querySql(text: string, values: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const result = await client.query(text, values);
    return result.rows as unknown[];
  } finally {
    await client.end();
  }
}
