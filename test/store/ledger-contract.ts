import { describe, expect, it } from "vitest";
import {
  ClaimLostError,
  isClaim,
  type Claim,
  type LedgerEntry,
  type LedgerKey,
  type Store,
} from "../../src/core/store/types.js";

/** A backend under test: a fresh store per call, and a second store object on the same database. */
export interface StoreFactory {
  name: string;
  open(): Promise<Store>;
  /** Another store object on the same database (another process would open one like it). */
  reopen(): Promise<Store>;
  cleanup?(): Promise<void>;
}

const key = (profileKey = "p1"): LedgerKey => ({
  connector: "taleez",
  target: "https://api.example|acct|scope",
  profileKey,
});

export function entry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    ...key(),
    sourceKey: "src",
    baseUrl: "https://api.example",
    options: { jobId: 9 },
    vendorId: undefined,
    outcome: "pending",
    steps: {},
    attempts: 1,
    lastError: undefined,
    fingerprint: undefined,
    createdAt: "2026-11-30T10:00:00.000Z",
    updatedAt: "2026-11-30T10:00:00.000Z",
    ...overrides,
  };
}

/**
 * The ledger contract every backend passes: entries round-trip, claims are exclusive and fenced across
 * store objects on the same database, leases expire, purge keeps what is unfinished.
 */
export function ledgerContract(factory: StoreFactory): void {
  describe(`ledger contract: ${factory.name}`, () => {
    it("round-trips an entry with steps, error and fingerprint", async () => {
      const store = await factory.open();
      try {
        const written = entry({
          vendorId: "42",
          outcome: "partial",
          steps: {
            candidate: {
              status: "done",
              at: "2026-11-30T10:00:01.000Z",
              recordId: "42",
              vendorId: "42",
              origin: "created",
            },
            cv: { status: "in-flight", at: "2026-11-30T10:00:02.000Z", recordId: "42" },
          },
          lastError: { name: "HttpError", message: "upload failed", kind: "retryable" },
          fingerprint: { firstName: "abc", mail: "def" },
        });
        await store.ledger.put(written);
        expect(await store.ledger.get(key())).toEqual(written);
        expect(await store.ledger.get(key("other"))).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it("lists with filters, most recent first, and forgets", async () => {
      const store = await factory.open();
      try {
        await store.ledger.put(
          entry({ profileKey: "a", outcome: "created", updatedAt: "2026-11-30T10:00:01.000Z" }),
        );
        await store.ledger.put(
          entry({ profileKey: "b", outcome: "failed", updatedAt: "2026-11-30T10:00:03.000Z" }),
        );
        await store.ledger.put(
          entry({
            profileKey: "c",
            connector: "flatchr",
            outcome: "failed",
            updatedAt: "2026-11-30T10:00:02.000Z",
          }),
        );
        expect((await store.ledger.list()).map((e) => e.profileKey)).toEqual(["b", "c", "a"]);
        expect((await store.ledger.list({ outcomes: ["failed"] })).map((e) => e.profileKey)).toEqual([
          "b",
          "c",
        ]);
        expect((await store.ledger.list({ connector: "flatchr" })).map((e) => e.profileKey)).toEqual(["c"]);
        expect((await store.ledger.list({ limit: 1 })).map((e) => e.profileKey)).toEqual(["b"]);
        expect(await store.ledger.forget(key("a"))).toBe(true);
        expect(await store.ledger.forget(key("a"))).toBe(false);
        expect((await store.ledger.list()).map((e) => e.profileKey)).toEqual(["b", "c"]);
      } finally {
        await store.close();
      }
    });

    it("gives a key to one owner at a time, across store objects on the same database", async () => {
      const one = await factory.open();
      const two = await factory.reopen();
      try {
        const now = Date.UTC(2026, 10, 30, 10);
        const first = await one.ledger.claim(key(), "worker-a", 30_000, now);
        expect(isClaim(first)).toBe(true);
        const second = await two.ledger.claim(key(), "worker-b", 30_000, now + 1000);
        expect(second).toEqual({ heldBy: "worker-a", expiresAt: now + 30_000 });
        // Another key is free.
        expect(isClaim(await two.ledger.claim(key("p2"), "worker-b", 30_000, now))).toBe(true);
        // Released: the other owner gets it, with a newer fence.
        if (!isClaim(first)) throw new Error("no claim");
        await one.ledger.release(first);
        const third = await two.ledger.claim(key(), "worker-b", 30_000, now + 2000);
        if (!isClaim(third)) throw new Error("not claimed after release");
        expect(third.token).toBeGreaterThan(first.token);
      } finally {
        await one.close();
        await two.close();
      }
    });

    it("lets an expired lease be taken over, and fences the old holder's writes", async () => {
      const one = await factory.open();
      const two = await factory.reopen();
      try {
        const now = Date.UTC(2026, 10, 30, 10);
        const old = (await one.ledger.claim(key(), "dead-worker", 1000, now)) as Claim;
        await one.ledger.put(entry(), old);
        const taken = await two.ledger.claim(key(), "new-worker", 30_000, now + 1500);
        if (!isClaim(taken)) throw new Error("expired lease not taken over");
        expect(taken.token).toBeGreaterThan(old.token);
        await expect(one.ledger.put(entry({ outcome: "created" }), old)).rejects.toBeInstanceOf(
          ClaimLostError,
        );
        expect(await one.ledger.renew(old, 1000, now + 1600)).toBeUndefined();
        await two.ledger.put(entry({ outcome: "updated" }), taken);
        expect((await one.ledger.get(key()))?.outcome).toBe("updated");
        // Renewing keeps it from expiring.
        const renewed = await two.ledger.renew(taken, 30_000, now + 20_000);
        expect(renewed?.expiresAt).toBe(now + 50_000);
        expect(await one.ledger.claim(key(), "third", 1000, now + 40_000)).toEqual({
          heldBy: "new-worker",
          expiresAt: now + 50_000,
        });
      } finally {
        await one.close();
        await two.close();
      }
    });

    it("never hands a key to two of many concurrent claimers", async () => {
      const stores = [await factory.open(), await factory.reopen(), await factory.reopen()];
      try {
        const now = Date.UTC(2026, 10, 30, 10);
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            (stores[i % stores.length] as Store).ledger.claim(key("race"), `w${i}`, 30_000, now),
          ),
        );
        expect(results.filter(isClaim)).toHaveLength(1);
      } finally {
        for (const store of stores) await store.close();
      }
    });

    it("purges old finished entries only", async () => {
      const store = await factory.open();
      try {
        await store.ledger.put(
          entry({ profileKey: "old-done", outcome: "created", updatedAt: "2026-01-01T00:00:00.000Z" }),
        );
        await store.ledger.put(
          entry({ profileKey: "old-failed", outcome: "failed", updatedAt: "2026-01-01T00:00:00.000Z" }),
        );
        await store.ledger.put(
          entry({ profileKey: "old-doubt", outcome: "in-doubt", updatedAt: "2026-01-01T00:00:00.000Z" }),
        );
        await store.ledger.put(
          entry({ profileKey: "new-done", outcome: "unchanged", updatedAt: "2026-11-30T00:00:00.000Z" }),
        );
        expect(await store.ledger.purge("2026-06-01T00:00:00.000Z")).toBe(1);
        expect((await store.ledger.list()).map((e) => e.profileKey).sort()).toEqual([
          "new-done",
          "old-doubt",
          "old-failed",
        ]);
      } finally {
        await store.close();
      }
    });

    it("answers ping", async () => {
      const store = await factory.open();
      try {
        await expect(store.ping()).resolves.toBeUndefined();
      } finally {
        await store.close();
      }
    });
  });
}
