import { z } from "zod";
import type { PostgresDatabase } from "./database.js";

/**
 * One versioned schema change of the PostgreSQL store. Applied once, in order; all pending migrations of
 * a start run in one transaction under an advisory lock, so workers starting together migrate once.
 */
export interface PostgresMigration {
  version: number;
  name: string;
  /** The statements, with every table named through `t` (schema-qualified). */
  up(t: (name: string) => string): string;
}

/**
 * The migrations of the PostgreSQL store, in order. A new table is a new version at the end; a released
 * version is never edited.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: "ledger and claims",
    up: (t) => `
      CREATE TABLE ${t("ledger")} (
        connector text NOT NULL,
        target text NOT NULL,
        profile_key text NOT NULL,
        source_key text NOT NULL,
        base_url text NOT NULL,
        vendor_id text,
        outcome text NOT NULL
          CHECK (outcome IN ('created', 'updated', 'unchanged', 'partial', 'failed', 'pending', 'in-doubt')),
        failure_kind text,
        attempts integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (connector, target, profile_key)
      );
      CREATE INDEX ledger_by_outcome ON ${t("ledger")} (outcome, updated_at);
      CREATE INDEX ledger_by_update ON ${t("ledger")} (updated_at);
      -- A lease per key. expires_at is epoch milliseconds on the database clock (or the caller's, for
      -- tests on a fake clock); token grows with every new holder and fences the writes of older ones.
      CREATE TABLE ${t("claims")} (
        connector text NOT NULL,
        target text NOT NULL,
        profile_key text NOT NULL,
        owner text,
        token bigint NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (connector, target, profile_key)
      );`,
  },
  {
    version: 2,
    name: "shared vendor rate limits",
    up: (t) => `
      -- One row per (vendor, base URL, credential fingerprint): the last requests of its sliding window
      -- (at most the policy's budget, oldest first: permit id, start, answer, NULL while in flight), the
      -- vendor's "paused until", and what its quota headers announce.
      CREATE TABLE ${t("rate_buckets")} (
        bucket text PRIMARY KEY,
        recent_ids bigint[] NOT NULL DEFAULT '{}',
        recent_started bigint[] NOT NULL DEFAULT '{}',
        recent_answered bigint[] NOT NULL DEFAULT '{}',
        paused_until bigint NOT NULL DEFAULT 0,
        -- What the vendor's quota headers leave of its current window (Greenhouse v3 announces its budget
        -- that way), less the requests started since, and when that window resets.
        quota_available integer,
        quota_reset_at bigint,
        granted bigint NOT NULL DEFAULT 0,
        budget integer NOT NULL DEFAULT 0,
        window_ms bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- A request in flight: counted against the bucket's concurrency until released, or until its holder
      -- stops renewing it (a killed worker's permits lapse after their time to live).
      CREATE TABLE ${t("rate_permits")} (
        id bigserial PRIMARY KEY,
        bucket text NOT NULL,
        lane text,
        holder text NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX rate_permits_by_bucket ON ${t("rate_permits")} (bucket, lane);
      CREATE INDEX rate_permits_by_holder ON ${t("rate_permits")} (holder);
      -- Grants one request of a bucket, or says how long to wait and why, in one round trip. The bucket row
      -- is locked for the few statements it takes, so grants are serialised per bucket across every worker.
      -- The window is anchored on answers: a request starts only p_window_ms after the answer to the request
      -- p_requests places before it. A request reaches the vendor after its grant and before its answer is
      -- written here, so two requests p_requests apart arrive at least p_window_ms apart whatever the delays
      -- of the network, the event loops or the database round trips in between.
      CREATE FUNCTION ${t("acquire_rate_permit")}(
        p_bucket text, p_requests integer, p_window_ms bigint, p_concurrency integer,
        p_lane text, p_lane_cap integer, p_holder text, p_ttl_ms bigint)
      RETURNS TABLE (permit_id bigint, wait_ms bigint, reason text, in_flight integer)
      LANGUAGE plpgsql AS $fn$
      DECLARE
        v_now bigint;
        v_ids bigint[];
        v_started bigint[];
        v_answered bigint[];
        v_paused bigint;
        v_quota integer;
        v_quota_reset bigint;
        v_in_flight integer;
        v_lane_in_flight integer;
        v_count integer;
        v_anchor bigint;
        v_id bigint;
        v_keep integer;
      BEGIN
        INSERT INTO ${t("rate_buckets")} AS b (bucket) VALUES (p_bucket) ON CONFLICT (bucket) DO NOTHING;
        SELECT b.recent_ids, b.recent_started, b.recent_answered, b.paused_until, b.quota_available, b.quota_reset_at
          INTO v_ids, v_started, v_answered, v_paused, v_quota, v_quota_reset
          FROM ${t("rate_buckets")} AS b WHERE b.bucket = p_bucket FOR UPDATE;
        v_now := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint;
        DELETE FROM ${t("rate_permits")} AS p WHERE p.bucket = p_bucket AND p.expires_at <= v_now;
        -- A request whose permit is gone without an answer (its worker died, or closed) was sent, if ever,
        -- before now: now is a safe answer time for it.
        v_count := cardinality(v_ids);
        FOR i IN 1..v_count LOOP
          IF v_answered[i] IS NULL
             AND NOT EXISTS (SELECT 1 FROM ${t("rate_permits")} AS p WHERE p.id = v_ids[i]) THEN
            v_answered[i] := v_now;
          END IF;
        END LOOP;
        SELECT count(*)::integer, (count(*) FILTER (WHERE p.lane = p_lane))::integer
          INTO v_in_flight, v_lane_in_flight
          FROM ${t("rate_permits")} AS p WHERE p.bucket = p_bucket;
        IF v_paused > v_now THEN
          RETURN QUERY SELECT NULL::bigint, v_paused - v_now, 'vendor-pause'::text, v_in_flight;
          RETURN;
        END IF;
        -- The vendor's announced window: reset (learnt again from the next answer), or spent until it resets.
        IF v_quota_reset IS NOT NULL AND v_quota_reset <= v_now THEN
          v_quota := NULL;
          v_quota_reset := NULL;
        END IF;
        IF v_quota IS NOT NULL AND v_quota <= 0 THEN
          RETURN QUERY SELECT NULL::bigint, v_quota_reset - v_now, 'vendor-pause'::text, v_in_flight;
          RETURN;
        END IF;
        IF v_in_flight >= p_concurrency THEN
          RETURN QUERY SELECT NULL::bigint, NULL::bigint, 'concurrency'::text, v_in_flight;
          RETURN;
        END IF;
        IF p_lane_cap IS NOT NULL AND v_lane_in_flight >= p_lane_cap THEN
          RETURN QUERY SELECT NULL::bigint, NULL::bigint, 'lane'::text, v_in_flight;
          RETURN;
        END IF;
        IF p_requests IS NOT NULL AND v_count >= p_requests THEN
          v_anchor := v_answered[v_count - p_requests + 1];
          -- Still in flight: its answer frees the slot (unknown when: ask again soon).
          IF v_anchor IS NULL THEN
            RETURN QUERY SELECT NULL::bigint, NULL::bigint, 'rate-limit'::text, v_in_flight;
            RETURN;
          END IF;
          IF v_anchor + p_window_ms > v_now THEN
            RETURN QUERY SELECT NULL::bigint, v_anchor + p_window_ms - v_now, 'rate-limit'::text, v_in_flight;
            RETURN;
          END IF;
        END IF;
        INSERT INTO ${t("rate_permits")} (bucket, lane, holder, expires_at)
          VALUES (p_bucket, p_lane, p_holder, v_now + p_ttl_ms) RETURNING id INTO v_id;
        IF p_requests IS NOT NULL THEN
          v_ids := v_ids || v_id;
          v_started := v_started || v_now;
          v_answered := v_answered || NULL::bigint;
          v_keep := greatest(1, cardinality(v_ids) - p_requests + 1);
          v_ids := v_ids[v_keep:cardinality(v_ids)];
          v_started := v_started[v_keep:cardinality(v_started)];
          v_answered := v_answered[v_keep:cardinality(v_answered)];
        END IF;
        UPDATE ${t("rate_buckets")} AS b SET recent_ids = v_ids, recent_started = v_started,
          recent_answered = v_answered, granted = b.granted + 1,
          quota_available = v_quota - 1, quota_reset_at = v_quota_reset,
          budget = coalesce(p_requests, 0), window_ms = p_window_ms, updated_at = now()
          WHERE b.bucket = p_bucket;
        RETURN QUERY SELECT v_id, 0::bigint, 'granted'::text, v_in_flight + 1;
      END
      $fn$;
      -- Ends a request: its answer time anchors the window slot it took, and its permit goes.
      CREATE FUNCTION ${t("release_rate_permit")}(p_bucket text, p_permit bigint)
      RETURNS void
      LANGUAGE plpgsql AS $fn$
      DECLARE
        v_ids bigint[];
        v_index integer;
      BEGIN
        SELECT b.recent_ids INTO v_ids FROM ${t("rate_buckets")} AS b WHERE b.bucket = p_bucket FOR UPDATE;
        v_index := array_position(v_ids, p_permit);
        IF v_index IS NOT NULL THEN
          UPDATE ${t("rate_buckets")} AS b
            SET recent_answered[v_index] = floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
            WHERE b.bucket = p_bucket;
        END IF;
        DELETE FROM ${t("rate_permits")} WHERE id = p_permit;
      END
      $fn$;
      -- Learns the vendor's quota from an answer's headers: what remains of its window (less the other
      -- requests in flight, counted as spent: the budget is never overdrawn) and when it resets. An answer
      -- from an earlier window is ignored; one of the same window (resets within a second of each other,
      -- measured by different workers) can only lower what is left.
      CREATE FUNCTION ${t("observe_rate_quota")}(
        p_bucket text, p_remaining integer, p_reset_in_ms bigint, p_max_wait_ms bigint)
      RETURNS void
      LANGUAGE plpgsql AS $fn$
      DECLARE
        v_now bigint;
        v_reset bigint;
        v_in_flight integer;
        v_available integer;
        v_quota integer;
        v_quota_reset bigint;
      BEGIN
        IF p_reset_in_ms <= 0 OR p_reset_in_ms > p_max_wait_ms THEN RETURN; END IF;
        INSERT INTO ${t("rate_buckets")} AS b (bucket) VALUES (p_bucket) ON CONFLICT (bucket) DO NOTHING;
        SELECT b.quota_available, b.quota_reset_at INTO v_quota, v_quota_reset
          FROM ${t("rate_buckets")} AS b WHERE b.bucket = p_bucket FOR UPDATE;
        v_now := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint;
        v_reset := v_now + p_reset_in_ms;
        SELECT count(*)::integer INTO v_in_flight
          FROM ${t("rate_permits")} AS p WHERE p.bucket = p_bucket AND p.expires_at > v_now;
        v_available := p_remaining - greatest(0, v_in_flight - 1);
        IF v_quota_reset IS NOT NULL AND v_quota_reset > v_now AND abs(v_quota_reset - v_reset) <= 1000 THEN
          UPDATE ${t("rate_buckets")} AS b SET quota_available = least(v_quota, v_available)
            WHERE b.bucket = p_bucket;
        ELSIF v_quota_reset IS NULL OR v_quota_reset <= v_now OR v_reset > v_quota_reset THEN
          UPDATE ${t("rate_buckets")} AS b SET quota_available = v_available, quota_reset_at = v_reset
            WHERE b.bucket = p_bucket;
        END IF;
      END
      $fn$;`,
  },
  {
    version: 3,
    name: "runs",
    up: (t) => `
      -- One column per counter, so that workers on several machines add to a run's counts atomically.
      CREATE TABLE ${t("runs")} (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('batch', 'service')),
        status text NOT NULL CHECK (status IN ('running', 'completed', 'incomplete', 'interrupted', 'failed')),
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        command text NOT NULL,
        report_path text,
        note text,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        skipped integer NOT NULL DEFAULT 0,
        partial integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        refused integer NOT NULL DEFAULT 0,
        discarded integer NOT NULL DEFAULT 0
      );
      CREATE INDEX runs_by_start ON ${t("runs")} (started_at);`,
  },
  {
    version: 4,
    name: "job queue records (pg-boss holds the queue)",
    up: (t) => `
      -- The service's record of each pg-boss job (same id): what pg-boss has no column for.
      CREATE TABLE ${t("queue_jobs")} (
        id uuid PRIMARY KEY,
        target text NOT NULL,
        key text NOT NULL,
        event_id text,
        state text NOT NULL CHECK (state IN ('queued', 'active', 'retry', 'completed', 'dead')),
        attempts integer NOT NULL,
        max_attempts integer NOT NULL,
        run_at bigint NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        started_at bigint,
        finished_at bigint,
        worker text,
        lease_expires_at bigint,
        boss_attempt integer,
        dead_reason text,
        data jsonb NOT NULL,
        last_error jsonb,
        result jsonb,
        history jsonb NOT NULL,
        seq bigserial NOT NULL
      );
      CREATE INDEX queue_jobs_by_key ON ${t("queue_jobs")} (target, key, state);
      CREATE INDEX queue_jobs_by_event ON ${t("queue_jobs")} (target, key, event_id) WHERE event_id IS NOT NULL;
      CREATE INDEX queue_jobs_active ON ${t("queue_jobs")} (lease_expires_at) WHERE state = 'active';
      CREATE INDEX queue_jobs_by_state ON ${t("queue_jobs")} (state, updated_at);
      CREATE INDEX queue_jobs_by_update ON ${t("queue_jobs")} (updated_at);
      CREATE TABLE ${t("queue_paused")} (
        target text PRIMARY KEY,
        paused_at bigint NOT NULL
      );`,
  },
  {
    version: 5,
    name: "last sign of life of a run",
    up: (t) => `
      -- NULL for the runs recorded before: their started_at stands in.
      ALTER TABLE ${t("runs")} ADD COLUMN last_seen_at timestamptz;`,
  },
];

const AppliedSchema = z.object({ version: z.number().int() });

/** Raised at start when the database was migrated by a newer release than this one. */
export class SchemaTooNewError extends Error {
  override readonly name = "SchemaTooNewError";
}

/**
 * Brings the store's schema up to date: creates the schema and the migration table when missing, then
 * applies the migrations not recorded yet, in one transaction held under an advisory lock (two workers
 * starting at once: the second waits, then finds nothing to do). Returns the versions applied.
 */
export async function migratePostgres(
  db: PostgresDatabase,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  return db.transaction(async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
      `hrflow_connectors:migrate:${db.schema}`,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${db.quotedSchema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${db.table("schema_migrations")} (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const result = await client.query(`SELECT version FROM ${db.table("schema_migrations")}`);
    const applied = new Set(result.rows.map((row) => AppliedSchema.parse(row).version));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...applied);
    if (newest > known)
      throw new SchemaTooNewError(
        `the database schema "${db.schema}" is at version ${newest}, newer than this release knows (${known}): upgrade hrflow-connectors`,
      );
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.up((name) => db.table(name)));
      await client.query(`INSERT INTO ${db.table("schema_migrations")} (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}

/** The newest version applied (0 when none): `ping()` compares it with the release's. */
export async function schemaVersion(db: PostgresDatabase): Promise<number> {
  const result = await db.pool.query(
    `SELECT coalesce(max(version), 0) AS version FROM ${db.table("schema_migrations")}`,
  );
  return AppliedSchema.parse(result.rows[0]).version;
}
