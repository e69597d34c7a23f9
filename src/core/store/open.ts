import { createMemoryStore } from "./memory.js";
import { createSqliteStore } from "./sqlite.js";
import type { Store } from "./types.js";

/**
 * Opens the store a location names: `:memory:` (in memory), or a SQLite file path. Callers never branch
 * on the backend: every store implements {@link Store}.
 */
export function openStore(location: string): Promise<Store> {
  if (location === ":memory:") return Promise.resolve(createMemoryStore());
  return Promise.resolve(createSqliteStore(location));
}
