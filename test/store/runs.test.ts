import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/core/store/memory.js";
import { createSqliteStore } from "../../src/core/store/sqlite.js";
import { SQLITE_MIGRATIONS } from "../../src/core/store/sqlite-migrations.js";
import { openSqliteDatabase } from "../../src/core/store/sqlite.js";
import type { Store } from "../../src/core/store/types.js";
import { expectRunFromBeforeLastSeenSettles, run, runsContract } from "./runs-contract.js";

const dir = mkdtempSync(join(tmpdir(), "runs-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let memory: Store | undefined;
runsContract({
  name: "memory",
  open: () => {
    memory = createMemoryStore();
    return Promise.resolve(memory);
  },
  reopen: () => Promise.resolve(memory ?? createMemoryStore()),
});

let file = "";
let files = 0;
runsContract({
  name: "sqlite",
  open: () => {
    file = join(dir, `runs-${++files}.sqlite`);
    return Promise.resolve(createSqliteStore(file));
  },
  reopen: () => Promise.resolve(createSqliteStore(file)),
});

describe("sqlite runs migration", () => {
  it("adds the runs table (version 2) to a ledger created by version 1, keeping its entries", async () => {
    const path = join(dir, "v1.sqlite");
    const v1 = openSqliteDatabase(path, { migrations: SQLITE_MIGRATIONS.filter((m) => m.version === 1) });
    v1.exec(`INSERT INTO ledger (connector, target, profile_key, source_key, base_url, vendor_id, outcome,
      failure_kind, attempts, created_at, updated_at, data) VALUES ('taleez', 't', 'p1', 's', 'u', '7',
      'created', NULL, 1, '2026-11-30T10:00:00.000Z', '2026-11-30T10:00:00.000Z', '{"options":{},"steps":{}}')`);
    v1.close();
    const store = createSqliteStore(path);
    try {
      expect((await store.ledger.get({ connector: "taleez", target: "t", profileKey: "p1" }))?.vendorId).toBe(
        "7",
      );
      await store.runs.create(run());
      expect((await store.runs.list()).map((r) => r.id)).toEqual([run().id]);
    } finally {
      await store.close();
    }
    const db = new DatabaseSync(path);
    const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
    db.close();
    expect(versions.map((v) => v["version"])).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
  });

  it("adds the last sign of life (version 4): a run recorded before has none and its start stands in", async () => {
    const path = join(dir, "v3.sqlite");
    const v3 = openSqliteDatabase(path, { migrations: SQLITE_MIGRATIONS.filter((m) => m.version <= 3) });
    v3.exec(`INSERT INTO runs (id, kind, status, started_at, command)
      VALUES ('old', 'batch', 'running', '2026-11-30T10:00:00.000Z', 'hrflow-connectors push-profiles taleez')`);
    v3.close();
    const store = createSqliteStore(path);
    try {
      await expectRunFromBeforeLastSeenSettles(
        store.runs,
        /^no sign of life since 2026-11-30T10:00:00\.000Z: its process stopped/,
      );
    } finally {
      await store.close();
    }
  });
});
