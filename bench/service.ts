/**
 * Durable webhook accepts per second: the real service (signature verified on the raw body, event routed,
 * job and ledger entry committed to SQLite with synchronous=FULL before the 202) next to a minimal server
 * that only reads the body and answers 202, measured in the same run with the same load (autocannon, one
 * new profile per request, so no request is a duplicate). Each server runs in its own process; the load
 * generator runs here. Run with `node --import tsx bench/service.ts` (npm run bench does).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { cpus } from "node:os";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { createSqliteStore } from "../src/index.js";
import { profileEvent, signHrflowWebhook } from "../src/testing/webhooks.js";

const DURATION_S = Number(process.env["BENCH_DURATION_S"] ?? "10");
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? "32");
const secret = randomBytes(24).toString("hex");
const SOURCE = "a".repeat(40);

async function startServer(
  mode: "minimal" | "durable",
): Promise<{ child: ChildProcess; port: number; db?: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", new URL("./service-server.ts", import.meta.url).pathname, mode],
    {
      env: { ...process.env, BENCH_WEBHOOK_SECRET: secret },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const match = /^PORT (\d+)(?: DB (.+))?$/.exec(line);
    if (match) {
      // The rest of stdout (the service's JSON logs) is drained and dropped.
      child.stdout.resume();
      return { child, port: Number(match[1]), ...(match[2] ? { db: match[2] } : {}) };
    }
  }
  throw new Error(`${mode} server did not start`);
}

// Signed in advance, each for a new profile, so the load generator spends its CPU on sending.
const SIGNED = Array.from({ length: Number(process.env["BENCH_REQUESTS"] ?? "250000") }, (_, i) =>
  signHrflowWebhook(profileEvent(SOURCE, { key: i.toString(16).padStart(40, "0") }), secret),
);
let counter = 0;
async function load(port: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}/webhooks/hrflow`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        method: "POST",
        setupRequest: (request) => {
          const signed =
            SIGNED.length > 0
              ? SIGNED[counter++ % SIGNED.length]
              : signHrflowWebhook(
                  profileEvent(SOURCE, { key: (counter++).toString(16).padStart(40, "0") }),
                  secret,
                );
          return { ...request, body: signed?.body, headers: signed?.headers };
        },
      },
    ],
  });
}

async function measure(mode: "minimal" | "durable"): Promise<{ result: autocannon.Result; stored?: number }> {
  const server = await startServer(mode);
  try {
    const warmUp = await load(server.port); // warm-up (JIT, SQLite pages), not reported
    const result = await load(server.port);
    accepted = warmUp["2xx"] + result["2xx"];
    let stored: number | undefined;
    if (server.db) {
      server.child.kill("SIGTERM");
      await once(server.child, "exit");
      const store = createSqliteStore(server.db);
      stored = (await store.queue.stats(Date.now())).counts.queued;
      await store.close();
    }
    return { result, ...(stored !== undefined ? { stored } : {}) };
  } finally {
    if (server.child.exitCode === null) {
      server.child.kill("SIGTERM");
      await once(server.child, "exit");
    }
  }
}

let accepted = 0;
const minimal = await measure("minimal");
const durable = await measure("durable");
const row = (name: string, r: autocannon.Result): string =>
  `| ${name} | ${Math.round(r.requests.average).toLocaleString("en")} | ${r.latency.p50} | ${r.latency.p99} | ${r["2xx"]} | ${r.non2xx + r.errors} |`;
console.log(
  `\nWebhook accepts: ${CONNECTIONS} connections, ${DURATION_S} s per server after a warm-up, ${cpus().length} CPU(s), Node ${process.version}`,
);
console.log("| server | requests/s | p50 (ms) | p99 (ms) | 2xx | errors + non-2xx |");
console.log("|---|---:|---:|---:|---:|---:|");
console.log(row("minimal (202 only)", minimal.result));
console.log(row("service (durable, SQLite)", durable.result));
const ratio = durable.result.requests.average / minimal.result.requests.average;
console.log(`\ndurable / minimal: ${(ratio * 100).toFixed(0)}%`);
// Durability check: every 202 of the durable server (warm-up included) is a job in its database. A few
// more may be there: requests in flight when autocannon stopped (at most one per connection and run) were
// committed, but their answers were not counted.
const stored = durable.stored ?? 0;
const lost = stored < accepted;
console.log(
  `durable server: ${accepted} answered 202, ${stored} jobs in its database after it stopped: ${lost ? "SOME 202s WERE LOST" : `every 202 is there (+${stored - accepted} in flight when the load stopped)`}`,
);
if (lost || stored - accepted > 2 * CONNECTIONS) process.exitCode = 1;
