import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { matches, type LedgerEntry, type LedgerFilter, type LedgerKey, type PushStore } from "./types.js";

const StepSchema = z.object({
  status: z.enum(["done", "failed", "ambiguous"]),
  at: z.string(),
  vendorId: z.string().optional(),
  detail: z.string().optional(),
});

const EntrySchema = z.object({
  connector: z.string(),
  target: z.string(),
  profileKey: z.string(),
  sourceKey: z.string().optional(),
  baseUrl: z.string().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  email: z.string().optional(),
  vendorId: z.string().optional(),
  outcome: z.enum(["created", "updated", "unchanged", "partial", "failed", "pending"]),
  steps: z.record(z.string(), StepSchema),
  attempts: z.number(),
  lastError: z.object({ name: z.string(), message: z.string() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const RowSchema = z.object({ data: z.string() });

function decode(row: unknown): LedgerEntry | undefined {
  const parsed = RowSchema.safeParse(row);
  if (!parsed.success) return undefined;
  const entry = EntrySchema.safeParse(JSON.parse(parsed.data.data));
  if (!entry.success) return undefined;
  const e = entry.data;
  return { ...e, sourceKey: e.sourceKey, email: e.email, vendorId: e.vendorId, lastError: e.lastError };
}

/**
 * A ledger in a SQLite file (Node's built-in `node:sqlite`, WAL mode), created with its folder when missing. Safe to
 * share between the CLI runs of one machine.
 */
export function createSqliteStore(path: string): PushStore {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec(`CREATE TABLE IF NOT EXISTS push_ledger (
    connector TEXT NOT NULL,
    target TEXT NOT NULL,
    profile_key TEXT NOT NULL,
    outcome TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (connector, target, profile_key)
  )`);
  const getStmt = db.prepare(
    "SELECT data FROM push_ledger WHERE connector = ? AND target = ? AND profile_key = ?",
  );
  const putStmt =
    db.prepare(`INSERT INTO push_ledger (connector, target, profile_key, outcome, updated_at, data)
    VALUES ($connector, $target, $profileKey, $outcome, $updatedAt, $data)
    ON CONFLICT (connector, target, profile_key) DO UPDATE SET outcome = excluded.outcome, updated_at = excluded.updated_at, data = excluded.data`);
  const listStmt = db.prepare("SELECT data FROM push_ledger ORDER BY updated_at");
  return {
    get: (key: LedgerKey) => Promise.resolve(decode(getStmt.get(key.connector, key.target, key.profileKey))),
    put: (entry: LedgerEntry) => {
      putStmt.run({
        connector: entry.connector,
        target: entry.target,
        profileKey: entry.profileKey,
        outcome: entry.outcome,
        updatedAt: entry.updatedAt,
        data: JSON.stringify(entry),
      });
      return Promise.resolve();
    },
    list: (filter?: LedgerFilter) =>
      Promise.resolve(
        listStmt
          .all()
          .map(decode)
          .filter((e): e is LedgerEntry => e !== undefined && matches(e, filter)),
      ),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
