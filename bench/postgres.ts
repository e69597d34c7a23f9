/**
 * Many workers on PostgreSQL (`npm run bench` runs it; needs the built CLI and a PostgreSQL, see
 * docs/postgres.md):
 *
 * 1. Throughput of one, two and three `serve` processes sharing one PostgreSQL (pg-boss queue, claims, the
 *    shared vendor limits) against the SmartRecruiters fake holding the vendor's limits (10 requests/s and
 *    8 in flight per token, one search at a time) with 25 ms of latency, next to the vendor's ceiling.
 * 2. Durable webhook accepts per second of one `serve` process on PostgreSQL next to SQLite, measured in the
 *    same run with autocannon (the jobs' target is paused, so only the ingress works).
 *
 * Run alone: `npm run build && node --import tsx bench/postgres.ts` (`BENCH_PG_ONLY=throughput` or `accepts`
 * for one part; `BENCH_PG_PROFILES`, `BENCH_PG_ACCEPT_SECONDS` change the sizes).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { stringify as toYaml } from "yaml";
import { createSqliteStore } from "../src/core/store/sqlite.js";
import { createPostgresStore } from "../src/core/store/postgres/store.js";
import type { Store } from "../src/core/store/types.js";
import { hrflowKey, profileEvent, signHrflowWebhook } from "../src/testing/index.js";
import { startCluster } from "../test/support/pg-cluster.js";
import { dropSchemas, freshSchemaName, requirePostgres, urlWithSchema } from "../test/support/postgres.js";

await requirePostgres();
const PROFILES = Number(process.env["BENCH_PG_PROFILES"] ?? 150);
const ACCEPT_SECONDS = Number(process.env["BENCH_PG_ACCEPT_SECONDS"] ?? 8);
/** `throughput` or `accepts` runs only that part. */
const ONLY = process.env["BENCH_PG_ONLY"];

// 1. Throughput against the SmartRecruiters fake.
console.log(
  `\nPostgreSQL workers: ${PROFILES} profiles to the SmartRecruiters fake (10 req/s, 8 in flight, 25 ms latency)\n`,
);
console.log(
  "| processes | workers each | requests | req/profile | busy s | req/s | vendor limit | of limit | profiles/s | ceiling profiles/s | 429 |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const processes of ONLY === "accepts" ? [] : [1, 2, 3]) {
  const cluster = await startCluster({ counts: { smartrecruiters: PROFILES }, processes, latencyMs: 25 });
  try {
    let first = 0;
    let last = 0;
    let seen = 0;
    await cluster.sendEvents();
    await cluster.waitForJobs(10 * 60_000, () => {
      const requests = cluster.requests("smartrecruiters");
      const now = performance.now();
      if (requests > 0 && first === 0) first = now;
      if (requests !== seen) {
        seen = requests;
        last = now;
      }
    });
    const requests = cluster.requests("smartrecruiters");
    const busy = (last - first) / 1000;
    // The first request opens the window: requests - 1 intervals over the busy time.
    const rate = (requests - 1) / busy;
    const perProfile = requests / PROFILES;
    const throttled = cluster.stats("smartrecruiters").reduce((n, s) => n + s.throttled, 0);
    console.log(
      `| ${processes} | 8 | ${requests} | ${perProfile.toFixed(2)} | ${busy.toFixed(1)} | ${rate.toFixed(2)} | 10 | ${((rate / 10) * 100).toFixed(1)}% | ${(PROFILES / busy).toFixed(2)} | ${(10 / perProfile).toFixed(2)} | ${throttled} |`,
    );
  } finally {
    await cluster.close();
  }
}

// 2. Durable accepts per second: one serve process, SQLite vs PostgreSQL.
const root = fileURLToPath(new URL("../", import.meta.url));
const MAIN = join(root, "dist", "cli", "main.js");
const dir = await mkdtemp(join(tmpdir(), "bench-accepts-"));
const secret = randomBytes(24).toString("hex");
const sourceKey = hrflowKey("bench-accepts");
const config = {
  listen: { host: "127.0.0.1", port: 0 },
  env: {
    HRFLOW_API_SECRET: "bench-secret",
    HRFLOW_API_USER: "bench@example.com",
    HRFLOW_BASE_URL: "http://127.0.0.1:9/v1",
  },
  webhook: { secret },
  workers: 1,
  targets: {
    taleez: {
      connector: "taleez",
      options: { recruiterId: 1 },
      credentials: { TALEEZ_API_SECRET: "bench-taleez-secret" },
      baseUrl: "http://127.0.0.1:9/taleez",
    },
  },
  routes: [{ sources: [sourceKey], targets: ["taleez"] }],
};
const configFile = join(dir, "service.yaml");
await writeFile(configFile, toYaml(config), { mode: 0o600 });

async function serveAndLoad(
  label: string,
  databaseArgs: string[],
  store: Store,
  port: number,
): Promise<void> {
  await store.queue.pause("taleez", Date.now());
  const child = spawn(
    process.execPath,
    [MAIN, "serve", ...databaseArgs, "--port", String(port), "--log-level", "error"],
    { cwd: dir, env: { PATH: process.env["PATH"] ?? "" }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 200) throw new Error(`serve did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let n = 0;
  const result = await autocannon({
    url,
    connections: 16,
    duration: ACCEPT_SECONDS,
    requests: [
      {
        method: "POST",
        path: "/webhooks/hrflow",
        setupRequest: (request) => {
          // A distinct profile per request: each is a new job written with its ledger entry.
          const signed = signHrflowWebhook(
            profileEvent(sourceKey, { key: hrflowKey(`${label}-${n++}`) }),
            secret,
          );
          return { ...request, headers: signed.headers, body: signed.body };
        },
      },
    ],
  });
  const accepted = result["2xx"];
  const jobs = (await store.queue.stats(Date.now())).counts.queued;
  console.log(
    `| ${label} | ${(accepted / ACCEPT_SECONDS).toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${result.non2xx} | ${jobs} |`,
  );
  await new Promise<void>((resolve) => {
    child.once("exit", () => {
      resolve();
    });
    child.kill("SIGTERM");
  });
}

console.log(
  `\nDurable webhook accepts, one serve process, 16 connections for ${ACCEPT_SECONDS} s, one new job per request\n`,
);
console.log("| database | accepts/s | p50 ms | p99 ms | non-2xx | jobs stored |");
console.log("|---|---|---|---|---|---|");
const sqlitePath = join(dir, "service.sqlite");
const sqlite = createSqliteStore(sqlitePath);
// SQLite: the configuration file names the database (`--database` is for PostgreSQL only).
const sqliteConfig = join(dir, "service-sqlite.yaml");
await writeFile(sqliteConfig, toYaml({ ...config, database: sqlitePath }), { mode: 0o600 });
await serveAndLoad(
  "SQLite (WAL, synchronous=FULL)",
  ["--config", sqliteConfig],
  sqlite,
  18_000 + Math.floor(Math.random() * 1000),
);
await sqlite.close();
const schema = freshSchemaName("bench_accepts");
const pg = await createPostgresStore({ connectionString: urlWithSchema(schema) });
await serveAndLoad(
  "PostgreSQL 15 (pg-boss)",
  ["--config", configFile, "--database", urlWithSchema(schema)],
  pg,
  19_000 + Math.floor(Math.random() * 1000),
);
await pg.close();
await dropSchemas(schema, `${schema}_queue`);
await rm(dir, { recursive: true, force: true });
