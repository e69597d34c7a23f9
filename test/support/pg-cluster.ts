import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify as toYaml } from "yaml";
import { createPostgresStore, type PostgresStore } from "../../src/core/store/postgres/store.js";
import {
  BreezyhrFake,
  createBreezyhrSandbox,
  createFlatchrSandbox,
  createGreenhouseSandbox,
  createSmartRecruitersSandbox,
  createTaleezSandbox,
  FakeHub,
  FlatchrFake,
  generateProfiles,
  GreenhouseFake,
  HrflowFake,
  hrflowKey,
  profileEvent,
  sendHrflowWebhook,
  SmartRecruitersFake,
  TaleezFake,
  type FakeLimitStats,
  type FakeServer,
  type SampleProfile,
  type SandboxVendor,
} from "../../src/testing/index.js";
import { dropSchemas, freshSchemaName, requirePostgres, urlWithSchema } from "./postgres.js";

/**
 * Several `hrflow-connectors serve` processes (the built CLI) on one PostgreSQL schema, against the loopback
 * fakes of HrFlow and of the five ATS with their vendors' limits enforced, for the multi-worker tests and
 * benchmarks. Jobs arrive as signed webhooks at the first process's ingress; every process's workers take
 * them from the shared pg-boss queue and push through the shared vendor limits.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(root, "dist", "cli", "main.js");

/** The five connectors, in the order the sandbox lists them. */
export const CONNECTORS = ["breezyhr", "smartrecruiters", "flatchr", "greenhouse", "taleez"] as const;
/** A connector of the cluster. */
export type ClusterConnector = (typeof CONNECTORS)[number];

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Profiles to push per connector (one HrFlow source per connector, routed to its target). */
  counts: Partial<Record<ClusterConnector, number>>;
  /** Latency the fakes add to every vendor request. @default 25 */
  latencyMs?: number;
  /** Worker processes. @default 3 */
  processes?: number;
  /** Workers (concurrent pushes) per process. @default 8 */
  workersPerProcess?: number;
  /** A job's lease (taken again after it when its worker died). @default 3000 */
  jobLeaseMs?: number;
  /** A claim's lease on (connector, target, profile). @default 3000 */
  claimLeaseMs?: number;
}

/** A started worker process. */
export interface ClusterProcess {
  child: ChildProcess;
  /** Its HTTP address (ingress, /readyz, /metrics). */
  url: string;
  /** What it wrote on stderr (for failure messages). */
  stderr: () => string;
}

/** A running cluster. */
export interface Cluster {
  schema: string;
  databaseUrl: string;
  /** A store on the cluster's database, for assertions (its own pool). */
  store: PostgresStore;
  processes: ClusterProcess[];
  vendors: Record<ClusterConnector, SandboxVendor>;
  /** Profiles per connector. */
  profiles: Record<ClusterConnector, SampleProfile[]>;
  total: number;
  /** Sends every profile's event to the first process (in signed batches); resolves to the 202 count. */
  sendEvents(): Promise<number>;
  /** Starts one more worker process. */
  spawnWorker(): Promise<ClusterProcess>;
  /** Vendor limit counters of a connector's fakes. */
  stats(connector: ClusterConnector): FakeLimitStats[];
  /** Vendor requests received by a connector's fakes. */
  requests(connector: ClusterConnector): number;
  /** Waits until every job is completed (or dead), polling; throws after `deadlineMs`. */
  waitForJobs(deadlineMs: number, onProgress?: (completed: number) => void): Promise<void>;
  close(): Promise<void>;
}

/** The fakes of the five ATS with their vendors' documented limits (Greenhouse v3: a generous announced budget). */
function vendorFakes(): Record<ClusterConnector, SandboxVendor> {
  const sr = new SmartRecruitersFake().enforceVendorLimits();
  const breezy = new BreezyhrFake().enforceVendorLimits();
  const flatchr = new FlatchrFake().enforceVendorLimits();
  const greenhouse = new GreenhouseFake({
    v3RateLimit: { limit: 150, windowMs: 1000 },
  }).enforceVendorLimits();
  const taleez = new TaleezFake().enforceVendorLimits();
  return {
    breezyhr: createBreezyhrSandbox(breezy),
    smartrecruiters: createSmartRecruitersSandbox(sr),
    flatchr: createFlatchrSandbox(flatchr),
    greenhouse: createGreenhouseSandbox(greenhouse),
    taleez: createTaleezSandbox(taleez),
  };
}

/** Starts the fakes, writes the service configuration and starts the worker processes. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  await requirePostgres();
  const schema = freshSchemaName("cluster");
  const databaseUrl = urlWithSchema(schema);
  const dir = await mkdtemp(join(tmpdir(), "pg-cluster-"));
  const hub = new FakeHub();
  const hrflow = new HrflowFake();
  hub.mount(hrflow);
  const vendors = vendorFakes();
  const latency = options.latencyMs ?? 25;
  for (const vendor of Object.values(vendors))
    for (const fake of vendor.fakes) {
      hub.mount(fake);
      fake.latency(latency);
    }
  await hub.listen();

  const profiles = {} as Record<ClusterConnector, SampleProfile[]>;
  const sources = {} as Record<ClusterConnector, string>;
  for (const connector of CONNECTORS) {
    const sourceKey = hrflowKey(`cluster-source-${connector}`);
    sources[connector] = sourceKey;
    profiles[connector] = generateProfiles(options.counts[connector] ?? 0, {
      sourceKey,
      seed: `pg-${connector}`,
      // Flatchr's create needs the CV (it carries it inline); the others would spend a request on it.
      withCv: connector === "flatchr",
    });
    for (const sample of profiles[connector]) hrflow.addProfile(sourceKey, sample.profile, sample.cv);
  }
  const secret = randomBytes(24).toString("hex");
  const targets: Record<string, unknown> = {};
  for (const connector of CONNECTORS) {
    const vendor = vendors[connector];
    const { baseUrl, ...vendorOptions } = vendor.options();
    targets[connector] = {
      connector,
      options: vendorOptions,
      credentials: vendor.env(),
      ...(typeof baseUrl === "string" ? { baseUrl } : {}),
      allowInsecureCvUrls: true,
      requestAttempts: 3,
    };
  }
  const config = {
    listen: { host: "127.0.0.1", port: 0 },
    env: {
      HRFLOW_API_SECRET: hrflow.apiSecret,
      HRFLOW_API_USER: hrflow.apiUser,
      HRFLOW_BASE_URL: hrflow.baseUrl,
    },
    webhook: { secret, maxBodyBytes: 8 * 1024 * 1024 },
    workers: options.workersPerProcess ?? 8,
    jobs: {
      maxAttempts: 20,
      backoffBaseMs: 250,
      backoffMaxMs: 2000,
      leaseMs: options.jobLeaseMs ?? 3000,
      pollMs: 50,
    },
    shutdownGraceMs: 2000,
    targets,
    routes: CONNECTORS.map((connector) => ({ sources: [sources[connector]], targets: [connector] })),
  };
  const configFile = join(dir, "service.yaml");
  await writeFile(configFile, toYaml(config), { mode: 0o600 });

  const store = await createPostgresStore({ connectionString: databaseUrl });
  const processes: ClusterProcess[] = [];
  const spawnWorker = (): Promise<ClusterProcess> =>
    new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          MAIN,
          "serve",
          "--config",
          configFile,
          "--database",
          databaseUrl,
          "--port",
          "0",
          "--log-level",
          "info",
        ],
        {
          cwd: dir,
          env: {
            PATH: process.env["PATH"] ?? "",
            HRFLOW_CONNECTORS_LEASE_MS: String(options.claimLeaseMs ?? 3000),
            HRFLOW_CONNECTORS_SETTLE_MS: "1000",
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      let started = false;
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        if (started) return;
        stdout += chunk;
        const match = /"url":"(http:\/\/[^"]+)"/.exec(stdout);
        if (match?.[1]) {
          started = true;
          stdout = "";
          const worker = { child, url: match[1], stderr: () => stderr };
          processes.push(worker);
          resolve(worker);
        }
      });
      child.on("exit", (code) => {
        if (!started) reject(new Error(`serve exited with ${String(code)} before listening: ${stderr}`));
      });
    });
  for (let i = 0; i < (options.processes ?? 3); i++) await spawnWorker();

  const total = CONNECTORS.reduce((n, c) => n + profiles[c].length, 0);
  return {
    schema,
    databaseUrl,
    store,
    processes,
    vendors,
    profiles,
    total,
    async sendEvents() {
      const first = processes[0];
      if (!first) throw new Error("no worker process");
      // Interleaved across connectors, as webhooks of several sources arrive.
      const events: Record<string, unknown>[] = [];
      const longest = Math.max(...CONNECTORS.map((c) => profiles[c].length));
      for (let i = 0; i < longest; i++)
        for (const connector of CONNECTORS) {
          const sample = profiles[connector][i];
          if (sample) events.push(profileEvent(sources[connector], { key: String(sample.profile["key"]) }));
        }
      let accepted = 0;
      for (let i = 0; i < events.length; i += 50) {
        const answer = await sendHrflowWebhook(
          `${first.url}/webhooks/hrflow`,
          events.slice(i, i + 50),
          secret,
        );
        if (answer.status !== 202)
          throw new Error(`webhook answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        accepted += 1;
      }
      return accepted;
    },
    spawnWorker,
    stats: (connector) => vendors[connector].fakes.map((fake: FakeServer) => fake.limitStats()),
    requests: (connector) =>
      vendors[connector].fakes.reduce((n: number, fake: FakeServer) => n + fake.limitStats().requests, 0),
    async waitForJobs(deadlineMs, onProgress) {
      const end = Date.now() + deadlineMs;
      for (;;) {
        const { counts } = await store.queue.stats(Date.now());
        onProgress?.(counts.completed);
        if (counts.completed + counts.dead >= total && counts.queued + counts.active + counts.retry === 0)
          return;
        if (Date.now() > end)
          throw new Error(
            `jobs not done after ${deadlineMs} ms: ${JSON.stringify(counts)}\n${processes.map((p) => p.stderr()).join("\n")}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await Promise.all(
        processes.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (p.child.exitCode !== null || p.child.signalCode !== null) {
                resolve();
                return;
              }
              p.child.once("exit", () => {
                resolve();
              });
              p.child.kill("SIGTERM");
            }),
        ),
      );
      await store.close();
      await hub.close();
      await dropSchemas(schema, `${schema}_queue`);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
