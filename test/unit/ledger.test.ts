import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/core/ledger/memory.js";
import { createSqliteStore } from "../../src/core/ledger/sqlite.js";
import type { LedgerEntry, PushStore } from "../../src/core/ledger/types.js";

const entry = (profileKey: string, outcome: LedgerEntry["outcome"]): LedgerEntry => ({
  connector: "taleez",
  target: "https://api.taleez.com/0|key:abc",
  profileKey,
  sourceKey: "src",
  email: undefined,
  vendorId: "42",
  outcome,
  steps: {
    candidate: { status: "done", at: "2026-11-22T10:00:00.000Z", vendorId: "42" },
    cv: { status: "failed", at: "2026-11-22T10:00:01.000Z", detail: "503" },
  },
  attempts: 1,
  lastError: undefined,
  createdAt: "2026-11-22T10:00:00.000Z",
  updatedAt: "2026-11-22T10:00:01.000Z",
});

const dir = mkdtempSync(join(tmpdir(), "ledger-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ["memory", () => createMemoryStore()],
  ["sqlite", () => createSqliteStore(join(dir, "nested", "ledger.sqlite"))],
])("%s store", (_name, make: () => PushStore) => {
  it("stores, replaces, filters and copies entries", async () => {
    const store = make();
    await store.put(entry("p1", "partial"));
    await store.put(entry("p2", "created"));
    await store.put({ ...entry("p2", "updated"), attempts: 2 });
    const got = await store.get({
      connector: "taleez",
      target: "https://api.taleez.com/0|key:abc",
      profileKey: "p1",
    });
    expect(got).toEqual(entry("p1", "partial"));
    if (got) got.steps["cv"] = { status: "done", at: "x" };
    expect((await store.get(entry("p1", "partial")))?.steps["cv"]?.status).toBe("failed");
    expect((await store.list()).map((e) => [e.profileKey, e.outcome, e.attempts])).toEqual([
      ["p1", "partial", 1],
      ["p2", "updated", 2],
    ]);
    expect((await store.list({ outcomes: ["partial", "failed"] })).map((e) => e.profileKey)).toEqual(["p1"]);
    expect(await store.list({ connector: "breezyhr" })).toEqual([]);
    await store.close();
  });
});

describe("sqlite store", () => {
  it("keeps entries across processes (reopening the file)", async () => {
    const path = join(dir, "durable.sqlite");
    const first = createSqliteStore(path);
    await first.put(entry("p9", "partial"));
    await first.close();
    const second = createSqliteStore(path);
    expect((await second.get(entry("p9", "partial")))?.steps["candidate"]?.vendorId).toBe("42");
    await second.close();
  });
});
