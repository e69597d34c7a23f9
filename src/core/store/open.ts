import type { Logger } from "../logger.js";
import { createMemoryStore } from "./memory.js";
import { isPostgresLocation, redactDatabaseUrl } from "./postgres/database.js";
import { createPostgresStore } from "./postgres/store.js";
import { createSqliteStore } from "./sqlite.js";
import type { Store } from "./types.js";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Told about connections lost in the background (PostgreSQL). */
  logger?: Logger | undefined;
}

/**
 * Opens the store a location names: `:memory:` (in memory), `postgres://...` or `postgresql://...`
 * (PostgreSQL, migrated before it resolves; `?schema=NAME` picks the schema, default `hrflow_connectors`),
 * or a SQLite file path (any other `scheme://` is refused). Callers never branch on the backend: every store implements {@link Store}.
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (location === ":memory:") return createMemoryStore();
  if (isPostgresLocation(location))
    return createPostgresStore({ connectionString: location, logger: options.logger });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location))
    throw new Error(
      `unsupported store location ${redactDatabaseUrl(location)}: use postgres://... or a file path`,
    );
  return createSqliteStore(location);
}
