import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { hrflowKey, startSandbox } from "../../src/testing/index.js";
import { createPostgresStore } from "../../src/core/store/postgres/store.js";
import { collect, registerSecret } from "../support/leaks.js";
import { dropSchemas, freshSchemaName, requirePostgres, urlWithSchema } from "../support/postgres.js";

/** The built CLI with `--database` / `DATABASE_URL` on the test PostgreSQL, against the sandbox. */

const root = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(root, "dist", "cli", "main.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd,
      env: { PATH: process.env["PATH"] ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      collect(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

const PASSWORD = "pg-Secret-0f-the-test";
const schema = freshSchemaName("cli");
/** The test database with a password in the URL (trust authentication ignores it): it must never show. */
const databaseUrl = (() => {
  const url = new URL(urlWithSchema(schema));
  url.password = PASSWORD;
  return url.toString();
})();
const sandbox = await startSandbox();
let tmp = "";

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  await requirePostgres();
  registerSecret(PASSWORD);
  tmp = await mkdtemp(join(tmpdir(), "hrflow-cli-pg-"));
});
afterAll(async () => {
  await sandbox.close();
  await dropSchemas(schema, `${schema}_queue`);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const LedgerListSchema = z.object({
  ledger: z.string(),
  entries: z.array(z.object({ connector: z.string(), profileKey: z.string(), outcome: z.string() })),
});

describe("the CLI on PostgreSQL", () => {
  const vendor = sandbox.vendor("taleez");
  const push = (...extra: string[]): string[] => [
    "push-profile",
    "taleez",
    "--source-key",
    sandbox.sourceKey,
    "--profile-key",
    hrflowKey("amelie"),
    ...vendor.cliFlags(),
    ...extra,
  ];

  it("push-profile --database records the push there; a second process recognises it; ledger list reads DATABASE_URL", async () => {
    const env = { ...sandbox.hrflowEnv, ...vendor.env() };
    const first = await run(push("--database", databaseUrl), env, tmp);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/created/);
    const second = await run(push("--json"), { ...env, DATABASE_URL: databaseUrl }, tmp);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/"unchanged"|"updated"/);
    expect(vendor.candidates().filter((c) => c.name.includes("Amélie"))).toHaveLength(1);
    // Nothing was written to a SQLite file in the working directory.
    expect(existsSync(join(tmp, ".hrflow-connectors", "ledger.sqlite"))).toBe(false);

    const listed = await run(["ledger", "list", "--json"], { DATABASE_URL: databaseUrl }, tmp);
    expect(listed.code, listed.stderr).toBe(0);
    const list = LedgerListSchema.parse(JSON.parse(listed.stdout));
    expect(list.ledger).toContain("***@");
    expect(list.entries).toEqual([
      expect.objectContaining({ connector: "taleez", profileKey: hrflowKey("amelie") }),
    ]);
  });

  it("refuses a --database that is not a PostgreSQL URL, and names the database it cannot reach (exit 2)", async () => {
    const wrong = await run(["ledger", "list", "--database", "mysql://u@host/db"], {}, tmp);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--database: expected a postgres:// URL or a SQLite file");
    const unreachable = await run(
      ["ledger", "list", "--database", `postgres://someone:${PASSWORD}@127.0.0.1:1/nowhere`],
      {},
      tmp,
    );
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain("127.0.0.1:1");
    expect(unreachable.stderr).toContain("DATABASE_URL");
  });

  it("jobs and dlq work on the PostgreSQL queue: list the dead job, re-drive it, count states", async () => {
    const store = await createPostgresStore({ connectionString: databaseUrl });
    try {
      const [created] = await store.queue.enqueue(
        [{ target: "taleez", key: "cli-job", data: { profile: "p" }, maxAttempts: 2 }],
        { nowMs: Date.now() },
      );
      const [lease] = await store.queue.take({
        worker: "test",
        limit: 1,
        leaseMs: 30_000,
        nowMs: Date.now(),
      });
      if (!lease) throw new Error("no job taken");
      const error = { name: "AuthError", message: "token refused", kind: "auth" } as const;
      expect(await store.queue.fail(lease, { nowMs: Date.now(), error, retryAt: undefined })).toBe("dead");

      const dead = await run(["dlq", "list", "--json"], { DATABASE_URL: databaseUrl }, tmp);
      expect(dead.code, dead.stderr).toBe(0);
      const listed = z
        .object({ jobs: z.array(z.object({ id: z.string(), state: z.string(), deadReason: z.string() })) })
        .parse(JSON.parse(dead.stdout));
      expect(listed.jobs).toEqual([
        expect.objectContaining({
          id: created?.id,
          state: "dead",
          deadReason: "auth: AuthError: token refused",
        }),
      ]);
      const redrive = await run(["dlq", "redrive", "--json", "--database", databaseUrl], {}, tmp);
      expect(redrive.code, redrive.stderr).toBe(0);
      expect(JSON.parse(redrive.stdout)).toEqual({ redriven: 1 });
      expect((await store.queue.get(created?.id ?? ""))?.state).toBe("queued");
      const stats = await run(["jobs", "stats", "--json"], { DATABASE_URL: databaseUrl }, tmp);
      expect(stats.code, stats.stderr).toBe(0);
      expect(JSON.parse(stats.stdout)).toMatchObject({ counts: { queued: 1, dead: 0 } });
    } finally {
      await store.close();
    }
  });
});
