import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/core/store/memory.js";
import { createSqliteStore } from "../../src/core/store/sqlite.js";
import type { Store } from "../../src/core/store/types.js";
import { queueContract } from "./queue-contract.js";

const dir = mkdtempSync(join(tmpdir(), "queue-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// The memory store is one object: "reopening" it returns the same database.
let memory: Store | undefined;
queueContract({
  name: "memory",
  open: () => {
    memory = createMemoryStore();
    return Promise.resolve(memory);
  },
  reopen: () => Promise.resolve(memory ?? createMemoryStore()),
});

let file = "";
let files = 0;
queueContract({
  name: "sqlite",
  open: () => {
    file = join(dir, `queue-${++files}.sqlite`);
    return Promise.resolve(createSqliteStore(file));
  },
  reopen: () => Promise.resolve(createSqliteStore(file)),
});

describe("sqlite queue file", () => {
  it("lives in the ledger's file as migration 3, in WAL mode", async () => {
    const path = join(dir, "migrated.sqlite");
    const store = createSqliteStore(path);
    await store.queue.enqueue([{ target: "t", key: "k", data: {}, maxAttempts: 1 }], { nowMs: 1 });
    await store.close();
    const db = new DatabaseSync(path);
    try {
      const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
      expect(versions.map((row) => row["version"])).toContain(3);
      expect(db.prepare("PRAGMA journal_mode").get()?.["journal_mode"]).toBe("wal");
      expect(db.prepare("SELECT COUNT(*) AS n FROM jobs").get()?.["n"]).toBe(1);
    } finally {
      db.close();
    }
  });

  it("commits an enqueue still waiting for its turn when the store closes", async () => {
    const path = join(dir, "flush.sqlite");
    const store = createSqliteStore(path);
    const pending = store.queue.enqueue([{ target: "t", key: "k", data: {}, maxAttempts: 1 }], { nowMs: 1 });
    await store.close();
    const [result] = await pending;
    expect(result?.status).toBe("created");
    const reopened = createSqliteStore(path);
    try {
      expect(await reopened.queue.list()).toHaveLength(1);
    } finally {
      await reopened.close();
    }
  });
});
