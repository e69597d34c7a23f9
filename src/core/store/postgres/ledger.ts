import { z } from "zod";
import { LedgerDataSchema, LedgerOutcomeSchema, ledgerData } from "../ledger-codec.js";
import {
  ClaimLostError,
  UNFINISHED,
  type Claim,
  type ClaimHeld,
  type LedgerEntry,
  type LedgerFilter,
  type LedgerKey,
  type LedgerStore,
} from "../types.js";
import { DB_NOW_MS, type PostgresDatabase, type Queryable } from "./database.js";

/**
 * Which clock measures leases. `database`: PostgreSQL's own (`clock_timestamp()`), the one clock every
 * machine shares, so a worker whose clock is off cannot shorten or stretch another's lease; the `nowMs`
 * the caller passes only converts the answer into the caller's time. `caller`: the `nowMs` passed in, as
 * the SQLite and memory stores do (for tests on a fake clock).
 */
export type PostgresClock = "database" | "caller";

/** PostgreSQL `bigint` arrives as a string: read it as a (safe) number. */
const Int8 = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);

const RowSchema = z.object({
  connector: z.string(),
  target: z.string(),
  profile_key: z.string(),
  source_key: z.string(),
  base_url: z.string(),
  vendor_id: z.string().nullable(),
  outcome: LedgerOutcomeSchema,
  attempts: z.number().int(),
  created_at: z.date(),
  updated_at: z.date(),
  data: LedgerDataSchema,
});

const ClaimRowSchema = z.object({ token: Int8, expires_at: Int8, now_ms: Int8 });
const HolderRowSchema = z.object({ owner: z.string().nullable(), expires_at: Int8, now_ms: Int8 });

/** An entry from a row; a row that does not parse (written by hand, damaged) reads as absent. */
function decode(row: unknown): LedgerEntry | undefined {
  const parsed = RowSchema.safeParse(row);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  return {
    connector: r.connector,
    target: r.target,
    profileKey: r.profile_key,
    sourceKey: r.source_key,
    baseUrl: r.base_url,
    options: r.data.options,
    vendorId: r.vendor_id ?? undefined,
    outcome: r.outcome,
    steps: r.data.steps,
    attempts: r.attempts,
    lastError: r.data.lastError,
    fingerprint: r.data.fingerprint,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Parameters $1..$12 of an upsert, in column order. */
function values(entry: LedgerEntry): unknown[] {
  return [
    entry.connector,
    entry.target,
    entry.profileKey,
    entry.sourceKey,
    entry.baseUrl,
    entry.vendorId ?? null,
    entry.outcome,
    entry.lastError?.kind ?? null,
    entry.attempts,
    entry.createdAt,
    entry.updatedAt,
    JSON.stringify(ledgerData(entry)),
  ];
}

const KEY = "connector = $1 AND target = $2 AND profile_key = $3";
const COLUMNS =
  "connector, target, profile_key, source_key, base_url, vendor_id, outcome, failure_kind, attempts, created_at, updated_at, data";
const TYPED = "$1, $2, $3, $4, $5, $6, $7, $8, $9::integer, $10::timestamptz, $11::timestamptz, $12::jsonb";

/** Options of {@link postgresLedger}. */
export interface PostgresLedgerOptions {
  /** @default "database" */
  clock?: PostgresClock | undefined;
}

/**
 * Writes an entry only when its key has none (the queue's ledger seeds: the "pending" entry explaining a
 * job), on the caller's transaction.
 */
export async function seedLedgerEntry(
  db: PostgresDatabase,
  on: Queryable,
  entry: LedgerEntry,
): Promise<void> {
  await on.query(
    `INSERT INTO ${db.table("ledger")} (${COLUMNS}) VALUES (${TYPED})
     ON CONFLICT (connector, target, profile_key) DO NOTHING`,
    values(entry),
  );
}

/**
 * The ledger and its claims on PostgreSQL. A claim is one `INSERT ... ON CONFLICT DO UPDATE ... WHERE`
 * (atomic: the row lock decides between concurrent claimers); a fenced write checks the claim and writes
 * the entry in one statement, holding the claim row `FOR SHARE` so that a takeover waits for it and a
 * write after a takeover finds no claim and fails with {@link ClaimLostError}.
 *
 * `on` runs the statements: the pool, or a client inside a transaction (to write an entry with the job
 * it explains).
 */
export function postgresLedger(
  db: PostgresDatabase,
  options: PostgresLedgerOptions = {},
  on: Queryable = db.pool,
): LedgerStore {
  const ledger = db.table("ledger");
  const claims = db.table("claims");
  const callerClock = options.clock === "caller";
  /** The now of a statement: the caller's (the parameter) or, when it is null, the database's. */
  const now = (param: string): string => `coalesce(${param}::bigint, ${DB_NOW_MS})`;
  /** The value of that parameter. */
  const nowParam = (nowMs: number): number | null => (callerClock ? nowMs : null);
  /** A time of the database's clock as the caller's clock reads it. */
  const toCaller = (at: number, dbNow: number, callerNow: number): number =>
    callerClock ? at : callerNow + (at - dbNow);
  const columns = COLUMNS;
  const onConflict = `ON CONFLICT (connector, target, profile_key) DO UPDATE SET
    source_key = excluded.source_key, base_url = excluded.base_url, vendor_id = excluded.vendor_id,
    outcome = excluded.outcome, failure_kind = excluded.failure_kind, attempts = excluded.attempts,
    updated_at = excluded.updated_at, data = excluded.data`;
  const typed = TYPED;

  return {
    async get(key) {
      const result = await on.query(`SELECT * FROM ${ledger} WHERE ${KEY}`, [
        key.connector,
        key.target,
        key.profileKey,
      ]);
      return decode(result.rows[0]);
    },

    async put(entry, claim) {
      if (!claim) {
        await on.query(`INSERT INTO ${ledger} (${columns}) VALUES (${typed}) ${onConflict}`, values(entry));
        return;
      }
      // The claim row is read FOR SHARE in the same statement as the write: a takeover (an UPDATE of that
      // row) waits for this write to commit, and a write after a takeover finds no matching claim.
      const result = await on.query(
        `WITH fence AS (
           SELECT 1 FROM ${claims} WHERE ${KEY} AND owner = $13 AND token = $14::bigint FOR SHARE
         )
         INSERT INTO ${ledger} (${columns}) SELECT ${typed} FROM fence ${onConflict} RETURNING 1`,
        [...values(entry), claim.owner, claim.token],
      );
      if (result.rowCount !== 1) throw new ClaimLostError(entry, claim.owner);
    },

    async list(filter?: LedgerFilter) {
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown): string => {
        params.push(value);
        return `$${params.length}`;
      };
      if (filter?.connector !== undefined) where.push(`connector = ${param(filter.connector)}`);
      if (filter?.profileKey !== undefined) where.push(`profile_key = ${param(filter.profileKey)}`);
      if (filter?.outcomes !== undefined) where.push(`outcome = ANY(${param(filter.outcomes)}::text[])`);
      if (filter?.updatedBefore !== undefined)
        where.push(`updated_at < ${param(filter.updatedBefore)}::timestamptz`);
      const limit =
        filter?.limit !== undefined ? ` LIMIT ${param(Math.max(0, Math.floor(filter.limit)))}::integer` : "";
      const result = await on.query(
        `SELECT * FROM ${ledger}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
         ORDER BY updated_at DESC${limit}`,
        params,
      );
      return result.rows.map(decode).filter((e): e is LedgerEntry => e !== undefined);
    },

    async forget(key) {
      const result = await on.query(`DELETE FROM ${ledger} WHERE ${KEY}`, [
        key.connector,
        key.target,
        key.profileKey,
      ]);
      return (result.rowCount ?? 0) > 0;
    },

    async claim(key: LedgerKey, owner, leaseMs, nowMs): Promise<Claim | ClaimHeld> {
      const params = [key.connector, key.target, key.profileKey, owner, nowParam(nowMs), Math.round(leaseMs)];
      // A released or expired row changes hands with a new token; the holder itself renews it in place.
      // Between a refusal and the read of the holder, the holder may release: then claim again.
      for (let attempt = 0; ; attempt++) {
        const taken = await on.query(
          `INSERT INTO ${claims} AS c (connector, target, profile_key, owner, token, expires_at)
           VALUES ($1, $2, $3, $4, 1, ${now("$5")} + $6::bigint)
           ON CONFLICT (connector, target, profile_key) DO UPDATE SET
             owner = excluded.owner,
             token = CASE WHEN c.owner = excluded.owner AND c.expires_at > excluded.expires_at - $6::bigint
                          THEN c.token ELSE c.token + 1 END,
             expires_at = excluded.expires_at
           WHERE c.owner IS NULL OR c.owner = excluded.owner OR c.expires_at <= excluded.expires_at - $6::bigint
           RETURNING c.token, c.expires_at, c.expires_at - $6::bigint AS now_ms`,
          params,
        );
        const row = taken.rows[0];
        if (row !== undefined) {
          const claimed = ClaimRowSchema.parse(row);
          return {
            ...key,
            owner,
            token: claimed.token,
            expiresAt: toCaller(claimed.expires_at, claimed.now_ms, nowMs),
          };
        }
        const held = await on.query(
          `SELECT owner, expires_at, ${now("$4")} AS now_ms FROM ${claims} WHERE ${KEY}`,
          [key.connector, key.target, key.profileKey, nowParam(nowMs)],
        );
        const holder = HolderRowSchema.safeParse(held.rows[0]);
        if (holder.success && holder.data.owner !== null && holder.data.expires_at > holder.data.now_ms)
          return {
            heldBy: holder.data.owner,
            expiresAt: toCaller(holder.data.expires_at, holder.data.now_ms, nowMs),
          };
        if (attempt >= 5) throw new Error(`could not claim ${key.connector} profile ${key.profileKey}`);
      }
    },

    async renew(claim, leaseMs, nowMs) {
      const result = await on.query(
        `UPDATE ${claims} SET expires_at = ${now("$6")} + $7::bigint
         WHERE ${KEY} AND owner = $4 AND token = $5::bigint
         RETURNING token, expires_at, expires_at - $7::bigint AS now_ms`,
        [
          claim.connector,
          claim.target,
          claim.profileKey,
          claim.owner,
          claim.token,
          nowParam(nowMs),
          Math.round(leaseMs),
        ],
      );
      const row = result.rows[0];
      if (row === undefined) return undefined;
      const renewed = ClaimRowSchema.parse(row);
      return { ...claim, expiresAt: toCaller(renewed.expires_at, renewed.now_ms, nowMs) };
    },

    async release(claim) {
      await on.query(
        `UPDATE ${claims} SET owner = NULL, expires_at = 0 WHERE ${KEY} AND owner = $4 AND token = $5::bigint`,
        [claim.connector, claim.target, claim.profileKey, claim.owner, claim.token],
      );
    },

    async purge(before) {
      const result = await on.query(
        `DELETE FROM ${ledger} AS l
         WHERE l.updated_at < $1::timestamptz AND l.outcome <> ALL($2::text[])
           AND NOT EXISTS (SELECT 1 FROM ${claims} AS c WHERE c.connector = l.connector
             AND c.target = l.target AND c.profile_key = l.profile_key AND c.owner IS NOT NULL)`,
        [before, UNFINISHED],
      );
      return result.rowCount ?? 0;
    },
  };
}
