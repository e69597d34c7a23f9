import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";

/** One versioned schema change of the SQLite store. Applied once, in order, in its own transaction. */
export interface SqliteMigration {
  version: number;
  name: string;
  up(db: DatabaseSync): void;
}

const LegacyStep = z.object({
  status: z.enum(["done", "failed", "ambiguous"]),
  at: z.string(),
  vendorId: z.string().optional(),
  detail: z.string().optional(),
});
const LegacyEntry = z.object({
  connector: z.string(),
  target: z.string(),
  profileKey: z.string(),
  sourceKey: z.string().optional(),
  baseUrl: z.string().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  vendorId: z.string().optional(),
  outcome: z.enum(["created", "updated", "unchanged", "partial", "failed", "pending"]),
  steps: z.record(z.string(), LegacyStep),
  attempts: z.number(),
  lastError: z.object({ name: z.string(), message: z.string() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/**
 * Moves entries of the 0.1 ledger (one JSON column per entry) into the new tables: an `ambiguous` step
 * becomes `in-flight` (a push then looks before creating), steps are tied to the candidate id the entry
 * held, and the candidate email the old ledger kept is dropped (nothing reads it).
 */
function importLegacyLedger(db: DatabaseSync): void {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'push_ledger'")
    .get();
  if (!exists) return;
  const insert = db.prepare(`INSERT OR IGNORE INTO ledger
    (connector, target, profile_key, source_key, base_url, vendor_id, outcome, failure_kind, attempts, created_at, updated_at, data)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const row of db.prepare("SELECT data FROM push_ledger").all()) {
    const text = (row as { data?: unknown }).data;
    if (typeof text !== "string") continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue;
    }
    const parsed = LegacyEntry.safeParse(json);
    if (!parsed.success) continue;
    const e = parsed.data;
    const sourceKey = e.sourceKey;
    if (sourceKey === undefined) continue;
    const steps = Object.fromEntries(
      Object.entries(e.steps).map(([name, step]) => [
        name,
        {
          status: step.status === "ambiguous" ? "in-flight" : step.status,
          at: step.at,
          ...(e.vendorId !== undefined && name !== "candidate" ? { recordId: e.vendorId } : {}),
          ...(step.vendorId !== undefined ? { vendorId: step.vendorId } : {}),
          ...(step.detail !== undefined ? { detail: step.detail.slice(0, 300) } : {}),
        },
      ]),
    );
    const kind = e.outcome === "failed" || e.outcome === "partial" ? "retryable" : undefined;
    const data = {
      options: e.options ?? {},
      steps,
      ...(e.lastError && kind ? { lastError: { ...e.lastError, kind } } : {}),
    };
    insert.run(
      e.connector,
      e.target,
      e.profileKey,
      sourceKey,
      e.baseUrl ?? "",
      e.vendorId ?? null,
      e.outcome,
      kind ?? null,
      e.attempts,
      e.createdAt,
      e.updatedAt,
      JSON.stringify(data),
    );
  }
  db.exec("DROP TABLE push_ledger");
}

/**
 * The migrations of the SQLite store, in order. A new table is a new version at the end; a released
 * version is never edited.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: "ledger and claims",
    up: (db) => {
      db.exec(`CREATE TABLE ledger (
        connector TEXT NOT NULL,
        target TEXT NOT NULL,
        profile_key TEXT NOT NULL,
        source_key TEXT NOT NULL,
        base_url TEXT NOT NULL,
        vendor_id TEXT,
        outcome TEXT NOT NULL,
        failure_kind TEXT,
        attempts INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (connector, target, profile_key)
      )`);
      db.exec("CREATE INDEX ledger_by_outcome ON ledger (outcome, updated_at)");
      db.exec("CREATE INDEX ledger_by_update ON ledger (updated_at)");
      db.exec(`CREATE TABLE claims (
        connector TEXT NOT NULL,
        target TEXT NOT NULL,
        profile_key TEXT NOT NULL,
        owner TEXT,
        token INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (connector, target, profile_key)
      )`);
      importLegacyLedger(db);
    },
  },
  {
    version: 2,
    name: "runs",
    up: (db) => {
      // One column per counter, so that several workers add to a run's counts with one atomic UPDATE.
      db.exec(`CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        command TEXT NOT NULL,
        report_path TEXT,
        note TEXT,
        created INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        partial INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        refused INTEGER NOT NULL DEFAULT 0,
        discarded INTEGER NOT NULL DEFAULT 0
      )`);
      db.exec("CREATE INDEX runs_by_start ON runs (started_at)");
    },
  },
  {
    version: 3,
    name: "job queue of the webhook service",
    up: (db) => {
      db.exec(`CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        target TEXT NOT NULL,
        key TEXT NOT NULL,
        event_id TEXT,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        run_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        worker TEXT,
        lease_expires_at INTEGER,
        dead_reason TEXT,
        data TEXT NOT NULL,
        last_error TEXT,
        result TEXT,
        history TEXT NOT NULL
      )`);
      // Only what take and enqueue read (due jobs in order, live leases, the jobs of one key): every index
      // is written by every enqueue, and enqueues are the hot path. Job ids are time-ordered, so the
      // primary key grows at its end.
      db.exec("CREATE INDEX jobs_due ON jobs (run_at, created_at) WHERE state IN ('queued', 'retry')");
      db.exec("CREATE INDEX jobs_active ON jobs (lease_expires_at) WHERE state = 'active'");
      db.exec("CREATE INDEX jobs_by_key ON jobs (target, key, state)");
      db.exec(`CREATE TABLE paused_targets (
        target TEXT PRIMARY KEY,
        paused_at INTEGER NOT NULL
      )`);
    },
  },
  {
    version: 4,
    name: "last sign of life of a run",
    up: (db) => {
      // NULL for the runs recorded before: their started_at stands in.
      db.exec("ALTER TABLE runs ADD COLUMN last_seen_at TEXT");
    },
  },
];
