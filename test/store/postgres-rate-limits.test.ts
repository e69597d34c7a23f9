import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RateLimitPolicy } from "../../src/core/http/rate-limiter.js";
import { createPostgresStore, type PostgresStore } from "../../src/core/store/postgres/store.js";
import type { SharedRateLimits } from "../../src/core/store/shared-limits.js";
import {
  dropSchemas,
  freshSchemaName,
  querySql,
  requirePostgres,
  urlWithSchema,
} from "../support/postgres.js";

const TTL_MS = 60_000;
const schema = freshSchemaName("rates");
/** Three stores, each with its own pool: three workers as far as the database can tell. */
let stores: PostgresStore[] = [];

beforeAll(async () => {
  await requirePostgres();
  stores = await Promise.all(
    [1, 2, 3].map(() => createPostgresStore({ connectionString: urlWithSchema(schema) })),
  );
  // Every grant, with the database time it was made (a permit's expiry minus its time to live).
  await querySql(
    `CREATE TABLE "${schema}".grant_log (bucket text, lane text, holder text, granted_at bigint)`,
  );
  await querySql(`CREATE FUNCTION "${schema}".log_grant() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO "${schema}".grant_log VALUES (NEW.bucket, NEW.lane, NEW.holder, NEW.expires_at - ${TTL_MS});
    RETURN NEW; END $$`);
  await querySql(`CREATE TRIGGER log_grant AFTER INSERT ON "${schema}".rate_permits
    FOR EACH ROW EXECUTE FUNCTION "${schema}".log_grant()`);
});
afterAll(async () => {
  for (const store of stores) await store.close();
  await dropSchemas(schema, `${schema}_queue`);
});

const workers = (options: { permitTtlMs?: number } = {}): SharedRateLimits[] =>
  stores.map((store, i) =>
    store.sharedRateLimits({ holder: `worker-${i}`, permitTtlMs: options.permitTtlMs ?? TTL_MS }),
  );

async function grants(bucket: string): Promise<{ lane: string | null; holder: string; at: number }[]> {
  const rows = await querySql(
    `SELECT lane, holder, granted_at FROM "${schema}".grant_log WHERE bucket = $1 ORDER BY granted_at`,
    [bucket],
  );
  return rows.map((row) => {
    const r = row as { lane: string | null; holder: string; granted_at: string };
    return { lane: r.lane, holder: r.holder, at: Number(r.granted_at) };
  });
}

describe("shared rate limits on PostgreSQL", () => {
  it("never lets three workers start more than the budget in any window (sliding, on the database clock)", async () => {
    const limits = workers();
    const policy: RateLimitPolicy = { requests: 5, perMs: 300, concurrency: 10 };
    try {
      await Promise.all(
        limits.flatMap((l) =>
          Array.from({ length: 10 }, () =>
            l.limiterFor("window", policy).schedule(undefined, () => sleep(5)),
          ),
        ),
      );
      const log = await grants("window");
      expect(log).toHaveLength(30);
      expect(new Set(log.map((g) => g.holder)).size).toBe(3);
      // Any 6 consecutive grants span more than the window: no 300 ms ever held 6 starts.
      for (let i = 0; i + 5 < log.length; i++)
        expect((log[i + 5] as { at: number }).at - (log[i] as { at: number }).at).toBeGreaterThanOrEqual(300);
      const stats = limits.flatMap((l) => l.stats());
      expect(stats.reduce((sum, s) => sum + s.granted, 0)).toBe(30);
      const [shared] = await limits[0]!.shared();
      expect(shared).toMatchObject({ bucket: "window", budget: 5, granted: 30, inFlight: 0 });
    } finally {
      for (const l of limits) await l.close();
    }
  });

  it("anchors the window on answers: a slow answer holds its slot for every worker", async () => {
    const [one, two] = workers() as [SharedRateLimits, SharedRateLimits];
    const policy: RateLimitPolicy = { requests: 2, perMs: 200, concurrency: 10 };
    try {
      const slow = one.limiterFor("anchored", policy).schedule(undefined, () => sleep(400));
      await one.limiterFor("anchored", policy).schedule(undefined, () => Promise.resolve());
      await two.limiterFor("anchored", policy).schedule(undefined, () => Promise.resolve());
      await slow;
      const log = await grants("anchored");
      expect(log).toHaveLength(3);
      // The third request waited for the first one's answer (>= 400 ms after its grant), then the window.
      expect(log[2]!.at - log[0]!.at).toBeGreaterThanOrEqual(600);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("counts requests in flight across workers, with a lane of its own", async () => {
    const limits = workers();
    const policy: RateLimitPolicy = { perMs: 1000, concurrency: 3, lanes: { search: 1 } };
    let running = 0;
    let searching = 0;
    let most = 0;
    let mostSearching = 0;
    const task = (lane: string | undefined) => async (): Promise<void> => {
      running++;
      if (lane === "search") searching++;
      most = Math.max(most, running);
      mostSearching = Math.max(mostSearching, searching);
      await sleep(15);
      running--;
      if (lane === "search") searching--;
    };
    try {
      await Promise.all(
        limits.flatMap((l) =>
          Array.from({ length: 12 }, (_, i) => {
            const lane = i % 3 === 0 ? "search" : undefined;
            return l.limiterFor("concurrency", policy).schedule(lane, task(lane));
          }),
        ),
      );
      expect(most).toBeLessThanOrEqual(3);
      expect(mostSearching).toBeLessThanOrEqual(1);
      expect((await grants("concurrency")).length).toBe(36);
    } finally {
      for (const l of limits) await l.close();
    }
  });

  it("holds every worker while the vendor asked one of them to wait (Retry-After, exhausted quota)", async () => {
    const [one, two, three] = workers() as [SharedRateLimits, SharedRateLimits, SharedRateLimits];
    const policy: RateLimitPolicy = { requests: 100, perMs: 1000, concurrency: 10 };
    try {
      await one.limiterFor("pause", policy).schedule(undefined, () => Promise.resolve());
      one.limiterFor("pause", policy).pauseFor(400);
      // The quota headers of another answer say the same for a second bucket.
      three.limiterFor("quota", policy).observe(
        new Headers({
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 1),
        }),
      );
      let pausedUntil = 0;
      let quotaPausedUntil = 0;
      while (pausedUntil === 0 || quotaPausedUntil === 0) {
        const shared = await two.shared();
        pausedUntil = shared.find((b) => b.bucket === "pause")?.pausedUntil ?? 0;
        quotaPausedUntil = shared.find((b) => b.bucket === "quota")?.pausedUntil ?? 0;
      }
      await Promise.all([
        ...[1, 2, 3].map(() => two.limiterFor("pause", policy).schedule(undefined, () => Promise.resolve())),
        two.limiterFor("quota", policy).schedule(undefined, () => Promise.resolve()),
      ]);
      const log = await grants("pause");
      expect(log).toHaveLength(4);
      for (const grant of log.slice(1)) expect(grant.at).toBeGreaterThanOrEqual(pausedUntil);
      for (const grant of await grants("quota")) expect(grant.at).toBeGreaterThanOrEqual(quotaPausedUntil);
      expect(two.stats().find((s) => s.bucket === "pause")?.waits["vendor-pause"]).toBeGreaterThan(0);
    } finally {
      for (const l of [one, two, three]) await l.close();
    }
  });

  it("follows the budget a vendor announces in its quota headers across workers, never overdrawing it", async () => {
    const [one, two] = workers() as [SharedRateLimits, SharedRateLimits];
    const policy: RateLimitPolicy = { perMs: 30_000, concurrency: 4 };
    try {
      await one.limiterFor("announced", policy).schedule(undefined, () => Promise.resolve());
      // An answer says 2 requests are left in a window that resets in about 1.5 s.
      one.limiterFor("announced", policy).observe(
        new Headers({
          "x-ratelimit-remaining": "2",
          "x-ratelimit-reset": String(Math.ceil((Date.now() + 1500) / 1000)),
        }),
      );
      let resetAt = 0;
      while (resetAt === 0) {
        const rows = await querySql(
          `SELECT quota_reset_at FROM "${schema}".rate_buckets WHERE bucket = 'announced'`,
        );
        resetAt = Number((rows[0] as { quota_reset_at: string | null }).quota_reset_at ?? 0);
      }
      await Promise.all(
        [1, 2, 3, 4].map(() =>
          two.limiterFor("announced", policy).schedule(undefined, () => Promise.resolve()),
        ),
      );
      const log = (await grants("announced")).slice(1);
      expect(log).toHaveLength(4);
      // Two within the announced budget; the others only once the window reset.
      expect(log.filter((g) => g.at < resetAt)).toHaveLength(2);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("frees the slots of a killed worker once its permits lapse", async () => {
    const [one] = workers() as [SharedRateLimits];
    const policy: RateLimitPolicy = { perMs: 1000, concurrency: 2 };
    try {
      // A worker that died with two requests in flight: its permits stop being renewed.
      const rows = await querySql(
        `INSERT INTO "${schema}".rate_permits (bucket, lane, holder, expires_at)
         SELECT 'dead', NULL, 'killed-worker', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint + 300
         FROM generate_series(1, 2) RETURNING expires_at`,
      );
      const lapse = Number((rows[0] as { expires_at: string }).expires_at);
      await one.limiterFor("dead", policy).schedule(undefined, () => Promise.resolve());
      const log = (await grants("dead")).filter((g) => g.holder === "worker-0");
      expect(log).toHaveLength(1);
      expect(log[0]!.at).toBeGreaterThanOrEqual(lapse);
      expect(one.stats()[0]?.waits.concurrency).toBeGreaterThan(0);
    } finally {
      await one.close();
    }
  });

  it("renews the permits of a live worker past their time to live", async () => {
    const [one, two] = workers({ permitTtlMs: 1000 }) as [SharedRateLimits, SharedRateLimits];
    const policy: RateLimitPolicy = { perMs: 1000, concurrency: 1 };
    let releaseFirst = (): void => undefined;
    let secondStarted = false;
    try {
      const first = one
        .limiterFor("renew", policy)
        .schedule(undefined, () => new Promise<void>((resolve) => (releaseFirst = resolve)));
      while ((await one.shared()).find((b) => b.bucket === "renew")?.inFlight !== 1) await sleep(10);
      const second = two.limiterFor("renew", policy).schedule(undefined, () => {
        secondStarted = true;
        return Promise.resolve();
      });
      // Two and a half times the time to live: the first request is still running, so its slot stays taken.
      await sleep(2500);
      expect(secondStarted).toBe(false);
      releaseFirst();
      await Promise.all([first, second]);
      expect(secondStarted).toBe(true);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("refuses the waiting requests and removes its permits when closed", async () => {
    const [one, two] = workers() as [SharedRateLimits, SharedRateLimits];
    const policy: RateLimitPolicy = { perMs: 1000, concurrency: 1 };
    let releaseFirst = (): void => undefined;
    let started = (): void => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = one.limiterFor("close", policy).schedule(
      undefined,
      () =>
        new Promise<void>((resolve) => {
          releaseFirst = resolve;
          started();
        }),
    );
    // The first request runs (its grant reached this process), so closing can only refuse the second.
    await running;
    const waiting = one.limiterFor("close", policy).schedule(undefined, () => Promise.resolve());
    const closing = one.close();
    await expect(waiting).rejects.toThrow(/closed/);
    releaseFirst();
    await first;
    await closing;
    expect((await two.shared()).find((b) => b.bucket === "close")?.inFlight).toBe(0);
    await two.close();
  });
});
