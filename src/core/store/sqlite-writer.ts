/**
 * The SQLite queue's writer thread: commits groups of enqueues (jobs and their ledger seeds) on its own
 * connection, so the synchronous commit (an fsync with `synchronous = FULL`) never blocks the event loop
 * that answers webhooks; while one group is being made durable, the next one gathers.
 *
 * This file imports only `node:` modules and uses erasable TypeScript only, so Node runs it as a worker
 * both from the built package (`.js`) and from the sources (`.ts`, type stripping) under the test runner.
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";

/** One job to insert, encoded by the main thread, with what its dedupe needs. */
export interface WriterJob {
  target: string;
  key: string;
  eventId: string | null;
  /** Completed jobs finished at or after this time still absorb the same event. */
  finishedSince: number;
  row: Record<string, SQLInputValue>;
}

/** One caller's enqueue. */
export interface WriterItem {
  jobs: WriterJob[];
  seeds: Record<string, SQLInputValue>[];
}

/** What the main thread sends. */
export interface WriterRequest {
  id: number;
  items: WriterItem[];
}

/** One job's fate: created, or the id of the job that absorbed it. */
export type WriterResult =
  { id: string; status: "created" } | { id: string; status: "duplicate"; of: "waiting" | "event" };

/** What the writer answers, after the commit. */
export type WriterResponse =
  { id: number; items: ({ ok: WriterResult[] } | { error: string })[] } | { id: number; error: string };

/** The statements and the group commit, on a connection to a database migrated to version 3. */
export function createWriter(
  db: DatabaseSync,
): (items: WriterItem[]) => ({ ok: WriterResult[] } | { error: string })[] {
  const sameEvent = db.prepare(`SELECT id FROM jobs WHERE target = ? AND key = ? AND event_id = ?
    AND (state IN ('queued', 'retry', 'active') OR (state = 'completed' AND finished_at >= ?)) LIMIT 1`);
  const waiting = db.prepare(
    "SELECT id FROM jobs WHERE target = ? AND key = ? AND state IN ('queued', 'retry') LIMIT 1",
  );
  const insert =
    db.prepare(`INSERT INTO jobs (id, target, key, event_id, state, attempts, max_attempts, run_at,
    created_at, updated_at, started_at, finished_at, worker, lease_expires_at, dead_reason, data, last_error, result, history)
    VALUES ($id, $target, $key, $event_id, $state, $attempts, $max_attempts, $run_at, $created_at, $updated_at,
    $started_at, $finished_at, $worker, $lease_expires_at, $dead_reason, $data, $last_error, $result, $history)`);
  const seed = db.prepare(`INSERT INTO ledger
    (connector, target, profile_key, source_key, base_url, vendor_id, outcome, failure_kind, attempts, created_at, updated_at, data)
    VALUES ($connector, $target, $profile_key, $source_key, $base_url, $vendor_id, $outcome, $failure_kind, $attempts, $created_at, $updated_at, $data)
    ON CONFLICT (connector, target, profile_key) DO NOTHING`);
  const idOf = (row: unknown): string | undefined =>
    row !== null && typeof row === "object" && "id" in row && typeof row.id === "string" ? row.id : undefined;

  const one = (item: WriterItem): WriterResult[] => {
    const results: WriterResult[] = [];
    for (const job of item.jobs) {
      const event =
        job.eventId === null
          ? undefined
          : idOf(sameEvent.get(job.target, job.key, job.eventId, job.finishedSince));
      if (event !== undefined) {
        results.push({ id: event, status: "duplicate", of: "event" });
        continue;
      }
      const first = idOf(waiting.get(job.target, job.key));
      if (first !== undefined) {
        results.push({ id: first, status: "duplicate", of: "waiting" });
        continue;
      }
      insert.run(job.row);
      const id = job.row["id"];
      results.push({ id: typeof id === "string" ? id : "", status: "created" });
    }
    for (const row of item.seeds) seed.run(row);
    return results;
  };

  return (items) => {
    const outcomes: ({ ok: WriterResult[] } | { error: string })[] = [];
    db.exec("BEGIN IMMEDIATE");
    try {
      for (const item of items) {
        // Each caller in its own savepoint: one failure fails only its caller.
        db.exec("SAVEPOINT enqueue_one");
        try {
          outcomes.push({ ok: one(item) });
          db.exec("RELEASE enqueue_one");
        } catch (error) {
          db.exec("ROLLBACK TO enqueue_one");
          db.exec("RELEASE enqueue_one");
          outcomes.push({ error: error instanceof Error ? error.message : String(error) });
        }
      }
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
    return outcomes;
  };
}

// Running as the worker: open the file, answer each group after its commit.
const data: unknown = workerData;
if (parentPort !== null && data !== null && typeof data === "object" && "sqliteWriterPath" in data) {
  const port = parentPort;
  const path: unknown = data.sqliteWriterPath;
  const db = new DatabaseSync(typeof path === "string" ? path : "");
  db.exec("PRAGMA busy_timeout = 10000");
  // Per connection: a commit is on disk when it returns (an acknowledged event survives a power cut).
  db.exec("PRAGMA synchronous = FULL");
  const write = createWriter(db);
  port.on("message", (request: WriterRequest) => {
    let response: WriterResponse;
    try {
      response = { id: request.id, items: write(request.items) };
    } catch (error) {
      response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(response);
  });
}
