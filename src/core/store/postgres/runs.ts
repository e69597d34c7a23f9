import { z } from "zod";
import { RUN_COUNTERS, runRowDecoder, type RunRecord, type RunStore } from "../runs.js";
import type { PostgresDatabase } from "./database.js";

/** PostgreSQL hands `timestamptz` columns over as `Date`s. */
const decodeRun = runRowDecoder(z.date().transform((d) => d.toISOString()));

/**
 * The runs on PostgreSQL (table from migration 3, `last_seen_at` from 5). Counts are added with one
 * `UPDATE ... SET n = n + $1` per call, so workers on several machines counting for one run never lose an
 * increment.
 */
export function postgresRuns(db: PostgresDatabase): RunStore {
  const runs = db.table("runs");
  const columns = RUN_COUNTERS.join(", ");
  const first = 10;
  return {
    async create(run) {
      await db.pool.query(
        `INSERT INTO ${runs}
           (id, kind, status, started_at, ended_at, command, report_path, note, last_seen_at, ${columns})
         VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6, $7, $8, $9::timestamptz,
           ${RUN_COUNTERS.map((_, i) => `$${first + i}::integer`).join(", ")})`,
        [
          run.id,
          run.kind,
          run.status,
          run.startedAt,
          run.endedAt ?? null,
          run.command,
          run.reportPath ?? null,
          run.note ?? null,
          run.lastSeenAt ?? run.startedAt,
          ...RUN_COUNTERS.map((c) => run.counts[c]),
        ],
      );
    },
    async count(id, delta) {
      const result = await db.pool.query(
        `UPDATE ${runs} SET ${RUN_COUNTERS.map((c, i) => `${c} = ${c} + $${i + 2}::integer`).join(", ")}
         WHERE id = $1`,
        [id, ...RUN_COUNTERS.map((c) => delta[c] ?? 0)],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async finish(id, end) {
      const counts = end.counts;
      const stale = end.ifStaleBefore;
      const last = counts ? 4 + RUN_COUNTERS.length : 4;
      // With ifStaleBefore, the check and the change are one statement: a heartbeat that lands first wins.
      const result = await db.pool.query(
        `UPDATE ${runs} SET status = $2, ended_at = $3::timestamptz, note = coalesce($4, note)
           ${counts ? `, ${RUN_COUNTERS.map((c, i) => `${c} = $${i + 5}::integer`).join(", ")}` : ""}
         WHERE id = $1${
           stale !== undefined
             ? ` AND status = 'running' AND coalesce(last_seen_at, started_at) < $${last + 1}::timestamptz`
             : ""
         }`,
        [
          id,
          end.status,
          end.endedAt,
          end.note ?? null,
          ...(counts ? RUN_COUNTERS.map((c) => counts[c]) : []),
          ...(stale !== undefined ? [stale] : []),
        ],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async heartbeat(id, at) {
      // Running: a new sign of life. Settled as abandoned (interrupted, ended at its last sign of life)
      // while its process was alive: running again. Any other end stays.
      const result = await db.pool.query(
        `UPDATE ${runs} SET last_seen_at = $2::timestamptz,
           status = 'running',
           ended_at = CASE WHEN status = 'running' THEN ended_at END,
           note = CASE WHEN status = 'running' THEN note END
         WHERE id = $1 AND (status = 'running'
           OR (status = 'interrupted' AND ended_at = coalesce(last_seen_at, started_at)))`,
        [id, at],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async get(id) {
      const result = await db.pool.query(`SELECT * FROM ${runs} WHERE id = $1`, [id]);
      return decodeRun(result.rows[0]);
    },
    async list(filter) {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown): string => {
        params.push(value);
        return `$${params.length}`;
      };
      if (filter?.kind !== undefined) where.push(`kind = ${param(filter.kind)}`);
      if (filter?.statuses !== undefined) where.push(`status = ANY(${param(filter.statuses)}::text[])`);
      if (filter?.startedBefore !== undefined)
        where.push(`started_at < ${param(filter.startedBefore)}::timestamptz`);
      const limit =
        filter?.limit !== undefined ? ` LIMIT ${param(Math.max(0, Math.floor(filter.limit)))}::integer` : "";
      const result = await db.pool.query(
        `SELECT * FROM ${runs}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
         ORDER BY started_at DESC, id DESC${limit}`,
        params,
      );
      return result.rows.map(decodeRun).filter((r): r is RunRecord => r !== undefined);
    },
  };
}
