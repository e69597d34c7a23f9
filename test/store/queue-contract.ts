import { describe, expect, it } from "vitest";
import type { JobLease, NewJob } from "../../src/core/store/queue.js";
import type { LedgerEntry, Store } from "../../src/core/store/types.js";

/** A backend under test: a fresh store per call, and a second store object on the same database. */
export interface QueueStoreFactory {
  name: string;
  open(): Promise<Store>;
  /** Another store object on the same database (another process would open one like it). */
  reopen(): Promise<Store>;
}

const T0 = 1_800_000_000_000;
const LEASE = 30_000;

const job = (key = "p1", overrides: Partial<NewJob> = {}): NewJob => ({
  target: "taleez-main",
  key,
  eventId: `event-${key}`,
  data: { profile: { key, source: { key: "src" } } },
  maxAttempts: 3,
  ...overrides,
});

const seed = (profileKey: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry => ({
  connector: "taleez",
  target: "https://api.example|acct|",
  profileKey,
  sourceKey: "src",
  baseUrl: "https://api.example",
  options: {},
  vendorId: undefined,
  outcome: "pending",
  steps: {},
  attempts: 0,
  lastError: undefined,
  fingerprint: undefined,
  createdAt: "2027-01-15T08:00:00.000Z",
  updatedAt: "2027-01-15T08:00:00.000Z",
  ...overrides,
});

const retryable = { name: "HttpError", message: "503 from the vendor", kind: "retryable" } as const;

async function withStore(factory: QueueStoreFactory, work: (store: Store) => Promise<void>): Promise<void> {
  const store = await factory.open();
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

async function takeOne(store: Store, nowMs: number, worker = "w1"): Promise<JobLease> {
  const [lease, ...more] = await store.queue.take({ worker, limit: 1, leaseMs: LEASE, nowMs });
  expect(more).toEqual([]);
  if (!lease) throw new Error("expected a job to take");
  return lease;
}

/**
 * The queue contract every backend passes (memory, SQLite, and pg-boss on PostgreSQL): what enqueue
 * dedupes and writes with the ledger, leases and their fences, retries, the dead-letter queue, pauses
 * and stats, across store objects on the same database. Time is given, never waited for.
 */
export function queueContract(factory: QueueStoreFactory): void {
  describe(`queue contract: ${factory.name}`, () => {
    it("enqueues a job that get and list return, queued and due at once", async () => {
      await withStore(factory, async (store) => {
        const [result] = await store.queue.enqueue([job("p1")], { nowMs: T0 });
        expect(result?.status).toBe("created");
        const stored = await store.queue.get(result?.id ?? "");
        expect(stored).toMatchObject({
          target: "taleez-main",
          key: "p1",
          eventId: "event-p1",
          data: { profile: { key: "p1", source: { key: "src" } } },
          state: "queued",
          attempts: 0,
          maxAttempts: 3,
          runAt: T0,
          createdAt: T0,
        });
        expect(stored?.history.map((h) => h.event)).toEqual(["enqueued"]);
        expect(await store.queue.list({ states: ["queued"] })).toHaveLength(1);
        expect(await store.queue.list({ target: "other" })).toEqual([]);
        expect(await store.queue.get("00000000-0000-0000-0000-000000000000")).toBeUndefined();
      });
    });

    it("absorbs a second event for a profile whose job has not started, and the same event while it runs", async () => {
      await withStore(factory, async (store) => {
        const [first] = await store.queue.enqueue([job("p1")], { nowMs: T0 });
        const [again] = await store.queue.enqueue([job("p1", { eventId: "other-event" })], { nowMs: T0 + 1 });
        expect(again).toEqual({ id: first?.id, status: "duplicate", of: "waiting" });
        await takeOne(store, T0 + 2);
        const [same] = await store.queue.enqueue([job("p1")], { nowMs: T0 + 3 });
        expect(same).toEqual({ id: first?.id, status: "duplicate", of: "event" });
        // A different event while the push runs may carry a change the running push did not read: it waits.
        const [changed] = await store.queue.enqueue([job("p1", { eventId: "update-2" })], { nowMs: T0 + 4 });
        expect(changed?.status).toBe("created");
        // ...but is not handed out while the first one's lease is alive.
        expect(await store.queue.take({ worker: "w2", limit: 5, leaseMs: LEASE, nowMs: T0 + 5 })).toEqual([]);
      });
    });

    it("dedupes within one call, and an identical event within the window after completion only", async () => {
      await withStore(factory, async (store) => {
        const results = await store.queue.enqueue([job("p1"), job("p1"), job("p2")], { nowMs: T0 });
        expect(results.map((r) => r.status)).toEqual(["created", "duplicate", "created"]);
        const lease = await takeOne(store, T0 + 1);
        expect(await store.queue.complete(lease, { nowMs: T0 + 2, result: { action: "created" } })).toBe(
          true,
        );
        const window = { dedupeWindowMs: 60_000 };
        const [inWindow] = await store.queue.enqueue([job(lease.job.key)], { nowMs: T0 + 30_000, ...window });
        expect(inWindow).toEqual({ id: lease.job.id, status: "duplicate", of: "event" });
        const [later] = await store.queue.enqueue([job(lease.job.key)], { nowMs: T0 + 120_000, ...window });
        expect(later?.status).toBe("created");
      });
    });

    it("writes ledger seeds with the jobs, never over an existing entry", async () => {
      await withStore(factory, async (store) => {
        const pushed = seed("p2", { outcome: "created", vendorId: "v-2", attempts: 1 });
        await store.ledger.put(pushed);
        await store.queue.enqueue([job("p1"), job("p2")], {
          nowMs: T0,
          ledgerSeeds: [seed("p1"), seed("p2")],
        });
        expect(await store.ledger.get(seed("p1"))).toEqual(seed("p1"));
        expect(await store.ledger.get(seed("p2"))).toEqual(pushed);
      });
    });

    it("answers every enqueue of one burst, each with its own jobs", async () => {
      await withStore(factory, async (store) => {
        const keys = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
        const results = await Promise.all(keys.map((k) => store.queue.enqueue([job(k)], { nowMs: T0 })));
        expect(results.every(([r]) => r?.status === "created")).toBe(true);
        expect(new Set(results.map(([r]) => r?.id)).size).toBe(keys.length);
        expect(await store.queue.list({ limit: 500 })).toHaveLength(keys.length);
      });
    });

    it("takes due jobs oldest first, at most limit, one per key, never a future one", async () => {
      await withStore(factory, async (store) => {
        await store.queue.enqueue([job("a")], { nowMs: T0 });
        await store.queue.enqueue([job("b")], { nowMs: T0 + 1 });
        await store.queue.enqueue([job("later", { runAt: T0 + 10_000 })], { nowMs: T0 + 2 });
        const taken = await store.queue.take({ worker: "w1", limit: 1, leaseMs: LEASE, nowMs: T0 + 10 });
        expect(taken.map((l) => l.job.key)).toEqual(["a"]);
        expect(taken[0]?.job).toMatchObject({
          state: "active",
          attempts: 1,
          worker: "w1",
          leaseExpiresAt: T0 + 10 + LEASE,
        });
        expect(taken[0]?.attempt).toBe(1);
        const rest = await store.queue.take({ worker: "w1", limit: 10, leaseMs: LEASE, nowMs: T0 + 20 });
        expect(rest.map((l) => l.job.key)).toEqual(["b"]);
        const due = await store.queue.take({ worker: "w1", limit: 10, leaseMs: LEASE, nowMs: T0 + 10_000 });
        expect(due.map((l) => l.job.key)).toEqual(["later"]);
      });
    });

    it("completes under a held lease; a lease taken over after expiry writes nothing", async () => {
      await withStore(factory, async (store) => {
        await store.queue.enqueue([job("p1")], { nowMs: T0 });
        const first = await takeOne(store, T0, "dead-worker");
        // Within the lease nobody else gets it.
        expect(
          await store.queue.take({ worker: "w2", limit: 1, leaseMs: LEASE, nowMs: T0 + LEASE - 1 }),
        ).toEqual([]);
        const second = await takeOne(store, T0 + LEASE + 1, "w2");
        expect(second.job.id).toBe(first.job.id);
        expect(second.attempt).toBe(2);
        expect((await store.queue.get(first.job.id))?.history.map((h) => h.event)).toEqual([
          "enqueued",
          "started",
          "lease-expired",
          "started",
        ]);
        expect(await store.queue.complete(first, { nowMs: T0 + LEASE + 2 })).toBe(false);
        expect(await store.queue.heartbeat(first, LEASE, T0 + LEASE + 2)).toBeUndefined();
        expect(
          await store.queue.fail(first, { nowMs: T0 + LEASE + 2, error: retryable, retryAt: T0 }),
        ).toBeUndefined();
        expect(
          await store.queue.complete(second, { nowMs: T0 + LEASE + 3, result: { vendorId: "v1" } }),
        ).toBe(true);
        const done = await store.queue.get(first.job.id);
        expect(done).toMatchObject({
          state: "completed",
          finishedAt: T0 + LEASE + 3,
          result: { vendorId: "v1" },
        });
      });
    });

    it("keeps a lease alive with heartbeats", async () => {
      await withStore(factory, async (store) => {
        await store.queue.enqueue([job("p1")], { nowMs: T0 });
        const lease = await takeOne(store, T0);
        const renewed = await store.queue.heartbeat(lease, LEASE, T0 + LEASE - 10);
        expect(renewed?.expiresAt).toBe(T0 + 2 * LEASE - 10);
        expect(
          await store.queue.take({ worker: "w2", limit: 1, leaseMs: LEASE, nowMs: T0 + LEASE + 10 }),
        ).toEqual([]);
        expect(renewed && (await store.queue.complete(renewed, { nowMs: T0 + LEASE + 20 }))).toBe(true);
      });
    });

    it("dead-letters a job whose workers keep dying once its attempts are spent", async () => {
      await withStore(factory, async (store) => {
        await store.queue.enqueue([job("p1", { maxAttempts: 2 })], { nowMs: T0 });
        await takeOne(store, T0);
        await takeOne(store, T0 + LEASE + 1);
        expect(
          await store.queue.take({ worker: "w3", limit: 1, leaseMs: LEASE, nowMs: T0 + 3 * LEASE }),
        ).toEqual([]);
        const [dead] = await store.queue.list({ states: ["dead"] });
        expect(dead?.attempts).toBe(2);
        expect(dead?.deadReason).toMatch(/gave up after 2 attempt\(s\).*lease/);
      });
    });

    it("retries at the given time, then dead-letters when attempts run out", async () => {
      await withStore(factory, async (store) => {
        await store.queue.enqueue([job("p1", { maxAttempts: 2 })], { nowMs: T0 });
        const first = await takeOne(store, T0);
        expect(await store.queue.fail(first, { nowMs: T0 + 1, error: retryable, retryAt: T0 + 5_000 })).toBe(
          "retry",
        );
        expect(await store.queue.get(first.job.id)).toMatchObject({
          state: "retry",
          runAt: T0 + 5_000,
          lastError: retryable,
        });
        expect(await store.queue.take({ worker: "w1", limit: 1, leaseMs: LEASE, nowMs: T0 + 4_999 })).toEqual(
          [],
        );
        const second = await takeOne(store, T0 + 5_000);
        expect(
          await store.queue.fail(second, { nowMs: T0 + 5_001, error: retryable, retryAt: T0 + 9_000 }),
        ).toBe("dead");
        expect(await store.queue.get(first.job.id)).toMatchObject({
          state: "dead",
          finishedAt: T0 + 5_001,
          deadReason: expect.stringMatching(
            /gave up after 2 attempt\(s\): HttpError: 503 from the vendor/,
          ) as unknown,
        });
      });
    });

    it("dead-letters at once what cannot succeed, with its reason", async () => {
      await withStore(factory, async (store) => {
        await store.queue.enqueue([job("p1")], { nowMs: T0 });
        const lease = await takeOne(store, T0);
        const error = { name: "AuthError", message: "token refused", kind: "auth" } as const;
        expect(await store.queue.fail(lease, { nowMs: T0 + 1, error, retryAt: undefined })).toBe("dead");
        expect((await store.queue.get(lease.job.id))?.deadReason).toBe("auth: AuthError: token refused");
      });
    });

    it("hands a job back on shutdown without counting the attempt", async () => {
      await withStore(factory, async (store) => {
        await store.queue.enqueue([job("p1")], { nowMs: T0 });
        const lease = await takeOne(store, T0);
        expect(await store.queue.release(lease, T0 + 1)).toBe(true);
        expect(await store.queue.get(lease.job.id)).toMatchObject({
          state: "queued",
          attempts: 0,
          runAt: T0 + 1,
        });
        expect((await takeOne(store, T0 + 2, "w2")).attempt).toBe(1);
      });
    });

    it("retries one job, all waiting retries, and re-drives the dead-letter queue with fresh attempts", async () => {
      await withStore(factory, async (store) => {
        await store.queue.enqueue([job("a"), job("b"), job("c", { target: "other" }), job("d")], {
          nowMs: T0,
        });
        const leases = await store.queue.take({ worker: "w1", limit: 4, leaseMs: LEASE, nowMs: T0 });
        expect(leases).toHaveLength(4);
        const [a, b, c, d] = leases;
        if (!a || !b || !c || !d) throw new Error("four leases expected");
        await store.queue.fail(a, { nowMs: T0 + 1, error: retryable, retryAt: undefined });
        await store.queue.fail(c, { nowMs: T0 + 1, error: retryable, retryAt: undefined });
        await store.queue.fail(b, { nowMs: T0 + 1, error: retryable, retryAt: T0 + 3_600_000 });
        await store.queue.fail(d, { nowMs: T0 + 1, error: retryable, retryAt: T0 + 3_600_000 });

        const retried = await store.queue.retry(a.job.id, T0 + 2);
        expect(retried).toMatchObject({ state: "queued", attempts: 0, runAt: T0 + 2, deadReason: undefined });
        expect(await store.queue.retry("00000000-0000-0000-0000-000000000000", T0 + 2)).toBeUndefined();
        expect(await store.queue.retryAll({ nowMs: T0 + 3 })).toBe(2);
        expect((await store.queue.get(b.job.id))?.runAt).toBe(T0 + 3);
        expect(await store.queue.redrive({ nowMs: T0 + 4, target: "elsewhere" })).toBe(0);
        expect(await store.queue.redrive({ nowMs: T0 + 4, target: "other" })).toBe(1);
        expect(await store.queue.get(c.job.id)).toMatchObject({ state: "queued", attempts: 0 });
        expect((await store.queue.get(c.job.id))?.history.at(-1)?.event).toBe("redriven");
        const again = await store.queue.take({ worker: "w1", limit: 10, leaseMs: LEASE, nowMs: T0 + 5 });
        expect(again.map((l) => l.job.key).sort()).toEqual(["a", "b", "c", "d"]);
      });
    });

    it("holds a paused target's jobs until it is resumed, and counts states and the oldest wait", async () => {
      await withStore(factory, async (store) => {
        await store.queue.enqueue([job("a"), job("b", { target: "other" })], { nowMs: T0 });
        await store.queue.pause("taleez-main", T0);
        const taken = await store.queue.take({ worker: "w1", limit: 10, leaseMs: LEASE, nowMs: T0 + 1_000 });
        expect(taken.map((l) => l.job.target)).toEqual(["other"]);
        const stats = await store.queue.stats(T0 + 5_000);
        expect(stats).toEqual({
          counts: { queued: 1, active: 1, retry: 0, completed: 0, dead: 0 },
          oldestWaitingMs: 5_000,
          paused: ["taleez-main"],
        });
        await store.queue.resume("taleez-main");
        const resumed = await store.queue.take({
          worker: "w1",
          limit: 10,
          leaseMs: LEASE,
          nowMs: T0 + 6_000,
        });
        expect(resumed.map((l) => l.job.key)).toEqual(["a"]);
        expect((await store.queue.stats(T0 + 6_000)).paused).toEqual([]);
      });
    });

    it("purges completed jobs finished before a time", async () => {
      await withStore(factory, async (store) => {
        await store.queue.enqueue([job("a"), job("b")], { nowMs: T0 });
        const [a] = await store.queue.take({ worker: "w1", limit: 1, leaseMs: LEASE, nowMs: T0 });
        if (!a) throw new Error("a lease expected");
        await store.queue.complete(a, { nowMs: T0 + 10 });
        expect(await store.queue.purge(T0 + 10)).toBe(0);
        expect(await store.queue.purge(T0 + 11)).toBe(1);
        expect(await store.queue.get(a.job.id)).toBeUndefined();
        expect(await store.queue.list()).toHaveLength(1);
      });
    });

    it("shares jobs, leases and pauses with another store object on the same database", async () => {
      const first = await factory.open();
      const second = await factory.reopen();
      try {
        const [created] = await first.queue.enqueue([job("p1"), job("p2")], { nowMs: T0 });
        expect((await second.queue.get(created?.id ?? ""))?.state).toBe("queued");
        const [lease] = await first.queue.take({ worker: "w1", limit: 1, leaseMs: LEASE, nowMs: T0 });
        const other = await second.queue.take({ worker: "w2", limit: 5, leaseMs: LEASE, nowMs: T0 + 1 });
        expect(other.map((l) => l.job.key)).toEqual(["p2"]);
        await second.queue.pause("taleez-main", T0);
        expect((await first.queue.stats(T0)).paused).toEqual(["taleez-main"]);
        expect(lease && (await second.queue.complete(lease, { nowMs: T0 + 2 }))).toBe(true);
      } finally {
        await second.close();
        await first.close();
      }
    });
  });
}
