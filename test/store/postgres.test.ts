import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/core/store/open.js";
import { migratePostgres, POSTGRES_MIGRATIONS } from "../../src/core/store/postgres/migrations.js";
import { PostgresDatabase } from "../../src/core/store/postgres/database.js";
import { expectRunFromBeforeLastSeenSettles } from "./runs-contract.js";
import { createPostgresStore, type PostgresStore } from "../../src/core/store/postgres/store.js";
import {
  ClaimLostError,
  isClaim,
  type Claim,
  type LedgerKey,
  type Store,
} from "../../src/core/store/types.js";
import {
  dropSchemas,
  freshSchemaName,
  querySql,
  requirePostgres,
  TEST_DATABASE_URL,
  urlWithSchema,
} from "../support/postgres.js";
import { entry, ledgerContract } from "./ledger-contract.js";

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

// The contract's clock is a fixed date: leases measured on the caller's clock, as the other backends do.
let contractSchema = "";
ledgerContract({
  name: "postgres",
  open: () => {
    contractSchema = fresh("ledger");
    return createPostgresStore({ connectionString: urlWithSchema(contractSchema), clock: "caller" });
  },
  reopen: () => createPostgresStore({ connectionString: urlWithSchema(contractSchema), clock: "caller" }),
});

const key = (profileKey = "p1"): LedgerKey => ({ connector: "taleez", target: "t|acct", profileKey });

describe("postgres store: leases on the database clock", () => {
  let schema = "";
  let stores: PostgresStore[] = [];
  beforeAll(async () => {
    schema = fresh("dbclock");
    stores = await Promise.all(
      [1, 2, 3].map(() => createPostgresStore({ connectionString: urlWithSchema(schema) })),
    );
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  it("ignores a worker's wrong clock: an hour ahead it can neither take a live lease nor see it expired", async () => {
    const [one, two] = stores as [PostgresStore, PostgresStore];
    const first = await one.ledger.claim(key("skew"), "worker-a", 30_000, Date.now());
    if (!isClaim(first)) throw new Error("not claimed");
    const aheadNow = Date.now() + 3_600_000;
    const refused = await two.ledger.claim(key("skew"), "worker-b", 30_000, aheadNow);
    expect(refused).toMatchObject({ heldBy: "worker-a" });
    // Told in the asking worker's own time: the lease ends within 30 s of its "now".
    if (isClaim(refused)) throw new Error("taken");
    expect(refused.expiresAt).toBeGreaterThan(aheadNow);
    expect(refused.expiresAt).toBeLessThanOrEqual(aheadNow + 30_000);
    // And a worker an hour behind cannot stretch its own lease past the database's 30 s either.
    const behindNow = Date.now() - 3_600_000;
    const renewed = await one.ledger.renew(first, 30_000, behindNow);
    expect(renewed?.expiresAt).toBeLessThanOrEqual(behindNow + 30_000);
    await one.ledger.release(first);
  });

  it("lets a lease be taken over only after it expired on the database clock, and fences the old holder", async () => {
    const [one, two] = stores as [PostgresStore, PostgresStore];
    const old = (await one.ledger.claim(key("expiry"), "dead-worker", 300, Date.now())) as Claim;
    await one.ledger.put(entry({ ...key("expiry") }), old);
    expect(isClaim(await two.ledger.claim(key("expiry"), "new-worker", 30_000, Date.now()))).toBe(false);
    await sleep(400);
    const taken = await two.ledger.claim(key("expiry"), "new-worker", 30_000, Date.now());
    if (!isClaim(taken)) throw new Error("expired lease not taken over");
    expect(taken.token).toBeGreaterThan(old.token);
    await expect(one.ledger.put(entry({ ...key("expiry"), outcome: "created" }), old)).rejects.toBeInstanceOf(
      ClaimLostError,
    );
    expect(await one.ledger.renew(old, 30_000, Date.now())).toBeUndefined();
    await two.ledger.put(entry({ ...key("expiry"), outcome: "updated" }), taken);
    expect((await one.ledger.get(key("expiry")))?.outcome).toBe("updated");
  });

  it("hands a key to exactly one of 60 concurrent claimers on three pools, 10 rounds", async () => {
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (stores[i % stores.length] as Store).ledger.claim(
            key(`race-${round}`),
            `w${i}`,
            30_000,
            Date.now(),
          ),
        ),
      );
      expect(results.filter(isClaim)).toHaveLength(1);
    }
  });

  it("makes a fenced write wait for a takeover in progress and then refuses it", async () => {
    const [one, two] = stores as [PostgresStore, PostgresStore];
    const old = (await one.ledger.claim(key("fence"), "slow-worker", 200, Date.now())) as Claim;
    await sleep(300);
    const [write, takeover] = await Promise.allSettled([
      one.ledger.put(entry({ ...key("fence"), outcome: "created" }), old),
      two.ledger.claim(key("fence"), "fast-worker", 30_000, Date.now()),
    ]);
    // Either order is possible; what never happens is the old holder writing after the takeover.
    expect(takeover.status).toBe("fulfilled");
    const stored = await two.ledger.get(key("fence"));
    if (write.status === "fulfilled") expect(stored?.outcome).toBe("created");
    else expect(write.reason).toBeInstanceOf(ClaimLostError);
    await expect(one.ledger.put(entry({ ...key("fence"), outcome: "updated" }), old)).rejects.toBeInstanceOf(
      ClaimLostError,
    );
  });
});

describe("postgres store: opening, migrations, readiness", () => {
  it("opens from a postgres:// location and keeps the password out of its location and its errors", async () => {
    const schema = fresh("open");
    const url = new URL(urlWithSchema(schema));
    url.password = "s3cret-pw";
    const store = await openStore(url.toString());
    try {
      expect(store.kind).toBe("postgres");
      expect(store.location).not.toContain("s3cret-pw");
      expect(store.location).toContain("***");
      await store.ping();
    } finally {
      await store.close();
    }
    const unreachable = "postgres://someone:s3cret-pw@127.0.0.1:1/nowhere";
    const failure = await openStore(unreachable).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain("127.0.0.1:1");
    expect((failure as Error).message).not.toContain("s3cret-pw");
  });

  it("migrates once when several workers start at the same moment, and records each version", async () => {
    const schema = fresh("migrate");
    const stores = await Promise.all(
      Array.from({ length: 5 }, () => createPostgresStore({ connectionString: urlWithSchema(schema) })),
    );
    for (const store of stores) await store.close();
    const rows = await querySql(`SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`);
    expect(rows).toEqual(POSTGRES_MIGRATIONS.map(({ version, name }) => ({ version, name })));
    expect(rows[0]).toEqual({ version: 1, name: "ledger and claims" });
  });

  it("adds the last sign of life of runs (version 5): a run recorded before has none, its start stands in", async () => {
    const schema = fresh("lastseen");
    const db = new PostgresDatabase({ connectionString: TEST_DATABASE_URL, schema });
    try {
      await migratePostgres(
        db,
        POSTGRES_MIGRATIONS.filter((m) => m.version < 5),
      );
    } finally {
      await db.close();
    }
    await querySql(`INSERT INTO "${schema}".runs (id, kind, status, started_at, command)
      VALUES ('old', 'service', 'running', '2026-11-30T10:00:00.000Z', 'serve')`);
    const store = await createPostgresStore({ connectionString: urlWithSchema(schema) });
    try {
      await expectRunFromBeforeLastSeenSettles(
        store.runs,
        /^no sign of life since 2026-11-30T10:00:00\.000Z: the serve process/,
      );
    } finally {
      await store.close();
    }
  });

  it("refuses a schema that a newer release migrated", async () => {
    const schema = fresh("newer");
    const store = await createPostgresStore({ connectionString: urlWithSchema(schema) });
    await store.close();
    await querySql(
      `INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'from the future')`,
    );
    await expect(createPostgresStore({ connectionString: urlWithSchema(schema) })).rejects.toThrow(
      /version 999, newer than this release knows/,
    );
  });

  it("ping fails when the database is unreachable or not migrated (what /readyz reports)", async () => {
    const schema = fresh("ping");
    const store = await createPostgresStore({ connectionString: urlWithSchema(schema) });
    try {
      await store.ping();
      const latest = POSTGRES_MIGRATIONS.length;
      await querySql(`DELETE FROM "${schema}".schema_migrations WHERE version = $1`, [latest]);
      await expect(store.ping()).rejects.toThrow(`version ${latest - 1}, expected ${latest}`);
      await dropSchemas(schema);
      await expect(store.ping()).rejects.toThrow();
    } finally {
      await store.close();
    }
  });

  it("rejects a schema name that is not a plain identifier", async () => {
    await expect(
      createPostgresStore({ connectionString: TEST_DATABASE_URL, schema: 'x"; DROP TABLE y; --' }),
    ).rejects.toThrow(/schema name/);
  });
});
