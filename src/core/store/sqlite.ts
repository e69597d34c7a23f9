import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { RUN_COUNTERS, runRowDecoder, type RunRecord, type RunStore } from "./runs.js";
import { SQLITE_MIGRATIONS, type SqliteMigration } from "./sqlite-migrations.js";
import { sqliteQueue } from "./sqlite-queue.js";
import {
  ClaimLostError,
  UNFINISHED,
  type Claim,
  type ClaimHeld,
  type LedgerEntry,
  type LedgerFilter,
  type LedgerKey,
  type LedgerStore,
  type Store,
} from "./types.js";

const StepSchema = z.object({
  status: z.enum(["done", "failed", "in-flight"]),
  at: z.string(),
  recordId: z.string().optional(),
  vendorId: z.string().optional(),
  detail: z.string().optional(),
  origin: z.enum(["created", "found"]).optional(),
  seen: z.boolean().optional(),
});

/** The JSON column: what is not a column of its own. */
const DataSchema = z.object({
  options: z.record(z.string(), z.unknown()),
  steps: z.record(z.string(), StepSchema),
  lastError: z
    .object({
      name: z.string(),
      message: z.string(),
      kind: z.enum(["retryable", "config", "auth", "mapping", "in-doubt"]),
    })
    .optional(),
  fingerprint: z.record(z.string(), z.string()).optional(),
});

const RowSchema = z.object({
  connector: z.string(),
  target: z.string(),
  profile_key: z.string(),
  source_key: z.string(),
  base_url: z.string(),
  vendor_id: z.string().nullable(),
  outcome: z.enum(["created", "updated", "unchanged", "partial", "failed", "pending", "in-doubt"]),
  attempts: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
  data: z.string(),
});

function decode(row: unknown): LedgerEntry | undefined {
  const parsed = RowSchema.safeParse(row);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  let json: unknown;
  try {
    json = JSON.parse(r.data);
  } catch {
    return undefined;
  }
  const data = DataSchema.safeParse(json);
  if (!data.success) return undefined;
  return {
    connector: r.connector,
    target: r.target,
    profileKey: r.profile_key,
    sourceKey: r.source_key,
    baseUrl: r.base_url,
    options: data.data.options,
    vendorId: r.vendor_id ?? undefined,
    outcome: r.outcome,
    steps: data.data.steps,
    attempts: r.attempts,
    lastError: data.data.lastError,
    fingerprint: data.data.fingerprint,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A ledger entry as the columns of the `ledger` table. */
export function encodeLedgerEntry(entry: LedgerEntry): Record<string, string | number | null> {
  const data: z.input<typeof DataSchema> = { options: entry.options, steps: entry.steps };
  if (entry.lastError) data.lastError = entry.lastError;
  if (entry.fingerprint) data.fingerprint = entry.fingerprint;
  return {
    connector: entry.connector,
    target: entry.target,
    profile_key: entry.profileKey,
    source_key: entry.sourceKey,
    base_url: entry.baseUrl,
    vendor_id: entry.vendorId ?? null,
    outcome: entry.outcome,
    failure_kind: entry.lastError?.kind ?? null,
    attempts: entry.attempts,
    created_at: entry.createdAt,
    updated_at: entry.updatedAt,
    data: JSON.stringify(data),
  };
}

const ClaimRowSchema = z.object({
  owner: z.string().nullable(),
  token: z.number(),
  expires_at: z.number(),
});

/** Runs `work` in one write transaction (BEGIN IMMEDIATE takes the write lock at once: no upgrade deadlock). */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** Applies the migrations the database has not seen yet, in order, each in its own transaction. */
export function migrate(db: DatabaseSync, migrations: readonly SqliteMigration[]): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  let applied = 0;
  for (const migration of migrations) {
    transaction(db, () => {
      const seen = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").get(migration.version);
      if (seen) return;
      migration.up(db);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
      applied++;
    });
  }
  return applied;
}

/** The ledger on an open SQLite database (tables from migration 1). */
export function sqliteLedger(db: DatabaseSync): LedgerStore {
  const getStmt = db.prepare("SELECT * FROM ledger WHERE connector = ? AND target = ? AND profile_key = ?");
  const putStmt = db.prepare(`INSERT INTO ledger
    (connector, target, profile_key, source_key, base_url, vendor_id, outcome, failure_kind, attempts, created_at, updated_at, data)
    VALUES ($connector, $target, $profile_key, $source_key, $base_url, $vendor_id, $outcome, $failure_kind, $attempts, $created_at, $updated_at, $data)
    ON CONFLICT (connector, target, profile_key) DO UPDATE SET
      source_key = excluded.source_key, base_url = excluded.base_url, vendor_id = excluded.vendor_id,
      outcome = excluded.outcome, failure_kind = excluded.failure_kind, attempts = excluded.attempts,
      updated_at = excluded.updated_at, data = excluded.data`);
  const claimGet = db.prepare(
    "SELECT owner, token, expires_at FROM claims WHERE connector = ? AND target = ? AND profile_key = ?",
  );
  const claimSet = db.prepare(`INSERT INTO claims (connector, target, profile_key, owner, token, expires_at)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (connector, target, profile_key) DO UPDATE SET
      owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at`);
  const claimOf = (key: LedgerKey): z.output<typeof ClaimRowSchema> | undefined => {
    const parsed = ClaimRowSchema.safeParse(claimGet.get(key.connector, key.target, key.profileKey));
    return parsed.success ? parsed.data : undefined;
  };
  const holds = (claim: Claim): boolean => {
    const row = claimOf(claim);
    return row !== undefined && row.owner === claim.owner && row.token === claim.token;
  };

  return {
    get: (key) => Promise.resolve(decode(getStmt.get(key.connector, key.target, key.profileKey))),
    put: (entry, claim) => {
      try {
        transaction(db, () => {
          if (claim && !holds(claim)) throw new ClaimLostError(entry, claim.owner);
          putStmt.run(encodeLedgerEntry(entry));
        });
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    list: (filter?: LedgerFilter) => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (filter?.connector !== undefined) {
        where.push("connector = ?");
        params.push(filter.connector);
      }
      if (filter?.profileKey !== undefined) {
        where.push("profile_key = ?");
        params.push(filter.profileKey);
      }
      if (filter?.outcomes !== undefined) {
        where.push(`outcome IN (${filter.outcomes.map(() => "?").join(", ") || "NULL"})`);
        params.push(...filter.outcomes);
      }
      if (filter?.updatedBefore !== undefined) {
        where.push("updated_at < ?");
        params.push(filter.updatedBefore);
      }
      const sql = `SELECT * FROM ledger${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
        ORDER BY updated_at DESC${filter?.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : ""}`;
      const rows = db.prepare(sql).all(...params);
      return Promise.resolve(rows.map(decode).filter((e): e is LedgerEntry => e !== undefined));
    },
    forget: (key) => {
      const result = db
        .prepare("DELETE FROM ledger WHERE connector = ? AND target = ? AND profile_key = ?")
        .run(key.connector, key.target, key.profileKey);
      return Promise.resolve(Number(result.changes) > 0);
    },
    claim: (key, owner, leaseMs, nowMs) =>
      Promise.resolve(
        transaction(db, (): Claim | ClaimHeld => {
          const row = claimOf(key);
          if (row?.owner && row.owner !== owner && row.expires_at > nowMs)
            return { heldBy: row.owner, expiresAt: row.expires_at };
          const token = row?.owner === owner && row.expires_at > nowMs ? row.token : (row?.token ?? 0) + 1;
          const expiresAt = nowMs + leaseMs;
          claimSet.run(key.connector, key.target, key.profileKey, owner, token, expiresAt);
          return { ...key, owner, token, expiresAt };
        }),
      ),
    renew: (claim, leaseMs, nowMs) =>
      Promise.resolve(
        transaction(db, (): Claim | undefined => {
          if (!holds(claim)) return undefined;
          const expiresAt = nowMs + leaseMs;
          claimSet.run(claim.connector, claim.target, claim.profileKey, claim.owner, claim.token, expiresAt);
          return { ...claim, expiresAt };
        }),
      ),
    release: (claim) => {
      transaction(db, () => {
        if (holds(claim)) claimSet.run(claim.connector, claim.target, claim.profileKey, null, claim.token, 0);
      });
      return Promise.resolve();
    },
    purge: (before) => {
      const result = db
        .prepare(
          `DELETE FROM ledger WHERE updated_at < ? AND outcome NOT IN (${UNFINISHED.map(() => "?").join(", ")})
           AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.connector = ledger.connector AND c.target = ledger.target
             AND c.profile_key = ledger.profile_key AND c.owner IS NOT NULL)`,
        )
        .run(before, ...UNFINISHED);
      return Promise.resolve(Number(result.changes));
    },
  };
}

/** SQLite keeps times as ISO 8601 text. */
const decodeRun = runRowDecoder(z.string());

/**
 * The runs on an open SQLite database (table from migration 2, `last_seen_at` from 4). Times are ISO 8601
 * text in UTC (`toISOString()`), so they compare as text.
 */
export function sqliteRuns(db: DatabaseSync): RunStore {
  const columns = RUN_COUNTERS.join(", ");
  const insert = db.prepare(`INSERT INTO runs
    (id, kind, status, started_at, ended_at, last_seen_at, command, report_path, note, ${columns})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ${RUN_COUNTERS.map(() => "?").join(", ")})`);
  const add = db.prepare(
    `UPDATE runs SET ${RUN_COUNTERS.map((c) => `${c} = ${c} + ?`).join(", ")} WHERE id = ?`,
  );
  const end = db.prepare("UPDATE runs SET status = ?, ended_at = ?, note = COALESCE(?, note) WHERE id = ?");
  // The end of an abandoned run: only while it is still running and still without a recent sign of life.
  const endStale = db.prepare(`UPDATE runs SET status = ?, ended_at = ?, note = COALESCE(?, note)
    WHERE id = ? AND status = 'running' AND COALESCE(last_seen_at, started_at) < ?`);
  const beat = db.prepare("UPDATE runs SET last_seen_at = ? WHERE id = ? AND status = 'running'");
  // A run settled as abandoned (interrupted, ended at its last sign of life) whose process is alive after all.
  const revive =
    db.prepare(`UPDATE runs SET status = 'running', ended_at = NULL, note = NULL, last_seen_at = ?
    WHERE id = ? AND status = 'interrupted' AND ended_at = COALESCE(last_seen_at, started_at)`);
  const setCounts = db.prepare(
    `UPDATE runs SET ${RUN_COUNTERS.map((c) => `${c} = ?`).join(", ")} WHERE id = ?`,
  );
  const getStmt = db.prepare("SELECT * FROM runs WHERE id = ?");
  const settle = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return {
    create: (run) =>
      settle(() => {
        insert.run(
          run.id,
          run.kind,
          run.status,
          run.startedAt,
          run.endedAt ?? null,
          run.lastSeenAt ?? run.startedAt,
          run.command,
          run.reportPath ?? null,
          run.note ?? null,
          ...RUN_COUNTERS.map((c) => run.counts[c]),
        );
      }),
    count: (id, delta) =>
      settle(() => Number(add.run(...RUN_COUNTERS.map((c) => delta[c] ?? 0), id).changes) > 0),
    finish: (id, ended) =>
      settle(() =>
        transaction(db, () => {
          const changed =
            Number(
              (ended.ifStaleBefore === undefined
                ? end.run(ended.status, ended.endedAt, ended.note ?? null, id)
                : endStale.run(ended.status, ended.endedAt, ended.note ?? null, id, ended.ifStaleBefore)
              ).changes,
            ) > 0;
          if (changed && ended.counts) {
            const counts = ended.counts;
            setCounts.run(...RUN_COUNTERS.map((c) => counts[c]), id);
          }
          return changed;
        }),
      ),
    heartbeat: (id, at) =>
      settle(() => Number(beat.run(at, id).changes) > 0 || Number(revive.run(at, id).changes) > 0),
    get: (id) => settle(() => decodeRun(getStmt.get(id))),
    list: (filter) =>
      settle(() => {
        const where: string[] = [];
        const params: string[] = [];
        if (filter?.kind !== undefined) {
          where.push("kind = ?");
          params.push(filter.kind);
        }
        if (filter?.statuses !== undefined) {
          where.push(`status IN (${filter.statuses.map(() => "?").join(", ") || "NULL"})`);
          params.push(...filter.statuses);
        }
        if (filter?.startedBefore !== undefined) {
          where.push("started_at < ?");
          params.push(filter.startedBefore);
        }
        const limit = filter?.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : "";
        const sql = `SELECT * FROM runs${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
          ORDER BY started_at DESC, id DESC${limit}`;
        return db
          .prepare(sql)
          .all(...params)
          .map(decodeRun)
          .filter((r): r is RunRecord => r !== undefined);
      }),
  };
}

/** Options of {@link openSqliteDatabase}. */
export interface SqliteOpenOptions {
  /** Migrations to apply. @default every migration of this package */
  migrations?: readonly SqliteMigration[];
}

/**
 * Puts the database in WAL mode. Switching needs a moment alone with the file, and SQLite does not wait
 * for it (another process opening the same new file at that instant gets "database is locked" at once),
 * so it is tried again for up to 10 s. Once a file is in WAL mode the switch is a no-op.
 */
function switchToWal(db: DatabaseSync): void {
  const deadline = Date.now() + 10_000;
  for (let pauseMs = 5; ; pauseMs = Math.min(pauseMs * 2, 200)) {
    try {
      db.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (error) {
      const busy = error instanceof Error && /locked|busy/i.test(error.message);
      if (!busy || Date.now() > deadline) throw error;
      // A synchronous pause: opening a store is synchronous, and this happens only on a new file.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
    }
  }
}

/**
 * Opens (creating when missing) a SQLite database in WAL mode with a busy timeout, the folder made 0700
 * and the file 0600 where the platform allows (they hold vendor ids and option values), and migrates it.
 */
export function openSqliteDatabase(path: string, options: SqliteOpenOptions = {}): DatabaseSync {
  if (path !== ":memory:") {
    const folder = dirname(path);
    if (!existsSync(folder)) mkdirSync(folder, { recursive: true, mode: 0o700 });
  }
  const fresh = path === ":memory:" || !existsSync(path);
  // Loaded when a database is opened, not when the package is: Node 22 prints an experimental warning
  // for node:sqlite, which users of the in-memory store or of PostgreSQL should not see.
  const sqlite = process.getBuiltinModule("node:sqlite");
  // The busy timeout first: two processes opening a new file at once wait for each other from here on.
  const db = new sqlite.DatabaseSync(path, { timeout: 10_000 });
  if (fresh && path !== ":memory:") chmodSync(path, 0o600);
  db.exec("PRAGMA busy_timeout = 10000");
  switchToWal(db);
  // FULL: a commit is on disk when it returns (an acknowledged event survives a power cut, not only a crash).
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  migrate(db, options.migrations ?? SQLITE_MIGRATIONS);
  return db;
}

/**
 * A store in one SQLite file (Node's built-in `node:sqlite`): the ledger, its claims, the runs and the
 * service's job queue, shared safely by every process of the machine that opens the same file (WAL, write
 * transactions taken with BEGIN IMMEDIATE). Created with its folder when missing.
 */
export function createSqliteStore(path: string): Store {
  const db = openSqliteDatabase(path);
  const { queue, close } = sqliteQueue(db, path, encodeLedgerEntry);
  let closing: Promise<void> | undefined;
  return {
    kind: "sqlite",
    location: path,
    ledger: sqliteLedger(db),
    queue,
    runs: sqliteRuns(db),
    ping: () => {
      db.prepare("SELECT 1").get();
      return Promise.resolve();
    },
    close: () => {
      closing ??= (async () => {
        await close();
        db.close();
      })();
      return closing;
    },
  };
}
