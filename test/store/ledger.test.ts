import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/core/store/memory.js";
import { createSqliteStore } from "../../src/core/store/sqlite.js";
import type { Store } from "../../src/core/store/types.js";
import { entry, ledgerContract } from "./ledger-contract.js";

const dir = mkdtempSync(join(tmpdir(), "store-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// The memory store is one object: "reopening" it returns the same database.
let memory: Store | undefined;
ledgerContract({
  name: "memory",
  open: () => {
    memory = createMemoryStore();
    return Promise.resolve(memory);
  },
  reopen: () => Promise.resolve(memory ?? createMemoryStore()),
});

let file = "";
let files = 0;
ledgerContract({
  name: "sqlite",
  open: () => {
    file = join(dir, `ledger-${++files}.sqlite`);
    return Promise.resolve(createSqliteStore(file));
  },
  reopen: () => Promise.resolve(createSqliteStore(file)),
});

describe("sqlite store files", () => {
  it("opens a new file from several processes at the same instant (WAL switch and migrations wait their turn)", async () => {
    // Ten processes open the same ten new files, in the same order: ten rounds of simultaneous first opens.
    const paths = Array.from({ length: 10 }, (_, i) => join(dir, `opened-at-once-${i}.sqlite`));
    const script = `import(${JSON.stringify(join(process.cwd(), "dist", "index.js"))}).then(async (m) => {
      for (const path of ${JSON.stringify(paths)}) {
        const store = m.createSqliteStore(path);
        await store.ping();
        await store.close();
      }
    });`;
    const open = (): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
        child.on("close", (code) => {
          resolve({ code, stderr });
        });
      });
    const runs = await Promise.all(Array.from({ length: 10 }, open));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    for (const path of paths) {
      const store = createSqliteStore(path);
      await store.ping();
      await store.close();
    }
  });

  it("creates its folder 0700 and its file 0600", async () => {
    const path = join(dir, "private", "nested", "ledger.sqlite");
    const store = createSqliteStore(path);
    await store.close();
    expect(statSync(join(dir, "private", "nested")).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("moves a 0.1 ledger into the new tables, keeping ids and turning ambiguous steps into in-flight ones", async () => {
    const path = join(dir, "legacy.sqlite");
    const db = new DatabaseSync(path);
    db.exec(`CREATE TABLE push_ledger (connector TEXT, target TEXT, profile_key TEXT, outcome TEXT, updated_at TEXT, data TEXT,
      PRIMARY KEY (connector, target, profile_key))`);
    const legacy = {
      connector: "taleez",
      target: "https://api.example|acct",
      profileKey: "p1",
      sourceKey: "src",
      baseUrl: "https://api.example",
      options: { recruiterId: 1 },
      email: "someone@example.com",
      vendorId: "77",
      outcome: "partial",
      steps: {
        candidate: { status: "done", at: "2026-10-01T00:00:00.000Z", vendorId: "77" },
        cv: { status: "ambiguous", at: "2026-10-01T00:00:01.000Z", detail: "timeout" },
      },
      attempts: 2,
      lastError: { name: "TimeoutError", message: "no answer" },
      createdAt: "2026-10-01T00:00:00.000Z",
      updatedAt: "2026-10-01T00:00:01.000Z",
    };
    db.prepare("INSERT INTO push_ledger VALUES (?, ?, ?, ?, ?, ?)").run(
      "taleez",
      legacy.target,
      "p1",
      "partial",
      legacy.updatedAt,
      JSON.stringify(legacy),
    );
    db.close();
    const store = createSqliteStore(path);
    try {
      const migrated = await store.ledger.get({
        connector: "taleez",
        target: legacy.target,
        profileKey: "p1",
      });
      expect(migrated).toEqual(
        entry({
          target: legacy.target,
          options: { recruiterId: 1 },
          vendorId: "77",
          outcome: "partial",
          attempts: 2,
          steps: {
            candidate: { status: "done", at: "2026-10-01T00:00:00.000Z", vendorId: "77" },
            cv: { status: "in-flight", at: "2026-10-01T00:00:01.000Z", recordId: "77", detail: "timeout" },
          },
          lastError: { name: "TimeoutError", message: "no answer", kind: "retryable" },
          createdAt: legacy.createdAt,
          updatedAt: legacy.updatedAt,
        }),
      );
      expect(JSON.stringify(migrated)).not.toContain("someone@example.com");
    } finally {
      await store.close();
    }
  });
});
