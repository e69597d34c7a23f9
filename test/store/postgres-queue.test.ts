import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStore } from "../../src/core/store/postgres/store.js";
import { dropSchemas, freshSchemaName, requirePostgres, urlWithSchema } from "../support/postgres.js";
import { queueContract } from "./queue-contract.js";
import { runsContract } from "./runs-contract.js";

const schemas: string[] = [];
const fresh = (label: string): string => {
  const name = freshSchemaName(label);
  schemas.push(name, `${name}_queue`);
  return name;
};

beforeAll(async () => {
  await requirePostgres();
});
afterAll(async () => {
  await dropSchemas(...schemas);
});

// The contract moves time by hand: the store runs on the caller's clock (pg-boss's TestClock).
let queueSchema = "";
queueContract({
  name: "postgres (pg-boss)",
  open: () => {
    queueSchema = fresh("queue");
    return createPostgresStore({ connectionString: urlWithSchema(queueSchema), clock: "caller" });
  },
  reopen: () => createPostgresStore({ connectionString: urlWithSchema(queueSchema), clock: "caller" }),
});

let runsSchema = "";
runsContract({
  name: "postgres",
  open: () => {
    runsSchema = fresh("runs");
    return createPostgresStore({ connectionString: urlWithSchema(runsSchema) });
  },
  reopen: () => createPostgresStore({ connectionString: urlWithSchema(runsSchema) }),
});

describe("postgres queue on the database clock", () => {
  it("groups concurrent enqueues into shared transactions without losing their dedupe", async () => {
    const schema = fresh("groups");
    const [one, two] = await Promise.all(
      [1, 2].map(() => createPostgresStore({ connectionString: urlWithSchema(schema) })),
    );
    if (!one || !two) throw new Error("no store");
    try {
      const same = (i: number, store: typeof one) =>
        store.queue.enqueue([{ target: "t", key: "same", eventId: `event-${i}`, data: {}, maxAttempts: 1 }], {
          nowMs: Date.now(),
        });
      const distinct = (i: number) =>
        one.queue.enqueue([{ target: "t", key: `key-${i}`, eventId: `e-${i}`, data: {}, maxAttempts: 1 }], {
          nowMs: Date.now(),
        });
      const results = await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => same(i, i % 2 === 0 ? one : two)),
        ...Array.from({ length: 20 }, (_, i) => distinct(i)),
      ]);
      const forSame = results.slice(0, 20).map(([r]) => r);
      expect(forSame.filter((r) => r?.status === "created")).toHaveLength(1);
      const id = forSame.find((r) => r?.status === "created")?.id;
      for (const r of forSame)
        if (r?.status === "duplicate") expect(r).toEqual({ id, status: "duplicate", of: "waiting" });
      expect(results.slice(20).every(([r]) => r?.status === "created")).toBe(true);
      expect((await one.queue.stats(Date.now())).counts.queued).toBe(21);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("hands each job to one of many workers taking at once from three store objects", async () => {
    const schema = fresh("takers");
    const stores = await Promise.all(
      [1, 2, 3].map(() => createPostgresStore({ connectionString: urlWithSchema(schema) })),
    );
    try {
      const [first] = stores;
      if (!first) throw new Error("no store");
      // 150 profiles over three targets, taken by twelve workers two at a time.
      await first.queue.enqueue(
        Array.from({ length: 150 }, (_, i) => ({
          target: `target-${i % 3}`,
          key: `key-${i}`,
          eventId: `event-${i}`,
          data: { i },
          maxAttempts: 3,
        })),
        { nowMs: Date.now() },
      );
      const created = (await first.queue.stats(Date.now())).counts.queued;
      expect(created).toBe(150);
      const taken: string[] = [];
      await Promise.all(
        Array.from({ length: 12 }, async (_, w) => {
          const store = stores[w % stores.length];
          if (!store) return;
          for (;;) {
            const leases = await store.queue.take({
              worker: `w${w}`,
              limit: 2,
              leaseMs: 30_000,
              nowMs: Date.now(),
            });
            if (leases.length === 0) {
              const { counts } = await store.queue.stats(Date.now());
              if (counts.queued + counts.retry + counts.active === 0) return;
              continue;
            }
            for (const lease of leases) {
              taken.push(lease.job.id);
              expect(await store.queue.complete(lease, { nowMs: Date.now() })).toBe(true);
            }
          }
        }),
      );
      expect(taken).toHaveLength(created);
      expect(new Set(taken).size).toBe(created);
    } finally {
      for (const store of stores) await store.close();
    }
  });
});
