/**
 * One server of the webhook benchmark (bench/service.ts starts it as a child process and loads it):
 * `minimal` answers 202 to any POST after reading the body; `durable` is the real service (signature
 * check, routing, jobs and ledger entries committed to SQLite before the 202). Prints the port.
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  connectorDefinitions,
  createSqliteStore,
  Hrflow,
  ledgerTarget,
  XSmartTokenAuth,
} from "../src/index.js";
import { createServiceLogger } from "../src/server/logger.js";
import { createService } from "../src/server/service.js";
import { DEFAULT_EVENTS, DEFAULT_JOB_SETTINGS } from "../src/server/settings.js";

const mode = process.argv[2];
const secret = process.env["BENCH_WEBHOOK_SECRET"] ?? "";

if (mode === "minimal") {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(202, { "content-type": "application/json" }).end('{"jobs":[]}');
    });
  });
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
  });
} else if (mode === "durable") {
  const file = join(mkdtempSync(join(tmpdir(), "bench-service-")), "service.sqlite");
  const store = createSqliteStore(file);
  const def = connectorDefinitions().find((d) => d.name === "smartrecruiters");
  if (!def) throw new Error("no smartrecruiters connector");
  const auth = new XSmartTokenAuth({ value: "bench-token-not-used" });
  const options = { jobId: "3696cad0-a9b0-4a40-9cd7-4cc5feb1a509" };
  const baseUrl = "http://127.0.0.1:9/never-called";
  const service = createService({
    store,
    // Logs as in production (info, JSON lines); the benchmark sends them to /dev/null.
    logger: createServiceLogger({ secrets: [secret], level: "info" }),
    settings: {
      listen: { host: "127.0.0.1", port: 0 },
      webhook: { secret, allowUnsigned: false, maxBodyBytes: 1024 * 1024 },
      adminToken: undefined,
      hrflowClient: new Hrflow({ apiSecret: "bench-hrflow-secret", apiUser: "bench@example.com" }),
      targets: [
        {
          name: "sr",
          definition: def,
          auth,
          options,
          baseUrl,
          logics: [],
          format: undefined,
          ledgerTarget: ledgerTarget(def, { auth, baseUrl, options: def.optionsSchema.parse(options) }),
          allowInsecureCvUrls: false,
          timeoutMs: undefined,
          requestAttempts: undefined,
        },
      ],
      routes: [{ sources: undefined, events: DEFAULT_EVENTS, targets: ["sr"] }],
      // Accepts only: no worker runs, so nothing competes with the ingress for the CPU or the database.
      workers: 0,
      jobs: DEFAULT_JOB_SETTINGS,
      shutdownGraceMs: 1_000,
      secrets: [secret],
    },
  });
  const url = await service.start();
  process.stdout.write(`PORT ${new URL(url).port} DB ${file}\n`);
  process.once("SIGTERM", () => {
    void service.stop(0).then(() => process.exit(0));
  });
} else {
  throw new Error("usage: service-server.ts minimal|durable");
}
