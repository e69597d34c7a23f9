import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSmartRecruitersSandbox,
  FakeHub,
  generateProfiles,
  HrflowFake,
  hrflowKey,
  SmartRecruitersFake,
} from "../../src/testing/index.js";
import { collect } from "../support/leaks.js";
import { CONNECTORS, startCluster, type Cluster } from "../support/pg-cluster.js";
import { dropSchemas, freshSchemaName, requirePostgres, urlWithSchema } from "../support/postgres.js";

/**
 * Many workers on one PostgreSQL, as real processes: `serve` processes sharing the pg-boss queue, the
 * ledger's claims and the vendors' limits, against the fakes holding every vendor to its documented limits.
 * Nothing here is timed: the rates these runs reach are measured by `npm run bench` (BENCHMARKS.md).
 */

const MINUTE = 60_000;

/** Each profile arrived once at its vendor: as many candidates as profiles, each email once. */
function expectExactlyOnce(cluster: Cluster): void {
  for (const connector of CONNECTORS) {
    const expected = cluster.profiles[connector].map((p) =>
      (p.profile["info"] as { email: string }).email.toLowerCase(),
    );
    const candidates = cluster.vendors[connector].candidates();
    const emails = candidates.map((c) => (c.email ?? "").toLowerCase());
    expect(emails.length, `${connector}: candidates`).toBe(expected.length);
    expect(new Set(emails).size, `${connector}: each email once`).toBe(expected.length);
    expect([...emails].sort(), `${connector}: the profiles pushed`).toEqual([...expected].sort());
  }
}

/** No fake answered 429 because a limit was exceeded, and no window ever held more than the budget. */
function expectWithinLimits(cluster: Cluster): void {
  for (const connector of CONNECTORS)
    for (const stats of cluster.stats(connector)) expect(stats.throttled, `${connector}: 429s`).toBe(0);
}

describe("three serve processes on one PostgreSQL", () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({
      counts: { smartrecruiters: 220, greenhouse: 150, flatchr: 50, taleez: 50, breezyhr: 30 },
      processes: 3,
    });
  }, MINUTE);
  afterAll(async () => {
    await cluster.close();
  }, MINUTE);

  it(
    "push 500 jobs across the five connectors: every profile exactly once, no 429, every job completed",
    async () => {
      expect(cluster.total).toBe(500);
      await cluster.sendEvents();
      await cluster.waitForJobs(5 * MINUTE);
      const { counts } = await cluster.store.queue.stats(Date.now());
      expect(counts).toMatchObject({ completed: 500, dead: 0, queued: 0, active: 0, retry: 0 });
      expectExactlyOnce(cluster);
      expectWithinLimits(cluster);
      // Every worker process took part.
      const jobs = await cluster.store.queue.list({ states: ["completed"], limit: 1000 });
      const hosts = new Set(jobs.map((j) => (j.worker ?? "").split("#")[0]?.split(":")[1]));
      expect(hosts.size).toBe(3);
      for (const worker of cluster.processes) {
        const ready = await fetch(`${worker.url}/readyz`);
        expect(ready.status, worker.stderr()).toBe(200);
        const metrics = await (await fetch(`${worker.url}/metrics`)).text();
        expect(metrics).toMatch(
          /hrflow_connectors_shared_rate_limit_in_flight\{connector="smartrecruiters"\}/,
        );
        expect(metrics).toMatch(
          /hrflow_connectors_worker_rate_limit_granted\{connector="smartrecruiters"\} [1-9]/,
        );
        collect(metrics);
      }
    },
    6 * MINUTE,
  );
});

describe("a worker killed with SIGKILL in the middle", () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({
      counts: { smartrecruiters: 120, taleez: 40, greenhouse: 40 },
      processes: 3,
      jobLeaseMs: 3000,
      claimLeaseMs: 3000,
    });
  }, MINUTE);
  afterAll(async () => {
    await cluster.close();
  }, MINUTE);

  it(
    "has its jobs and claims taken over after their leases expire: still exactly once",
    async () => {
      await cluster.sendEvents();
      const victim = cluster.processes[1];
      if (!victim) throw new Error("no second worker");
      let killed = false;
      await cluster.waitForJobs(5 * MINUTE, (completed) => {
        if (!killed && completed >= cluster.total * 0.3) {
          killed = true;
          victim.child.kill("SIGKILL");
        }
      });
      expect(killed).toBe(true);
      const { counts } = await cluster.store.queue.stats(Date.now());
      expect(counts).toMatchObject({ completed: cluster.total, dead: 0 });
      expectExactlyOnce(cluster);
      expectWithinLimits(cluster);
      // The killed worker's jobs were taken over once their lease ran out.
      const jobs = await cluster.store.queue.list({ limit: 1000 });
      const takenOver = jobs.filter((j) => j.history.some((h) => h.event === "lease-expired"));
      expect(takenOver.length).toBeGreaterThan(0);
      for (const job of takenOver) expect(job.state).toBe("completed");
    },
    6 * MINUTE,
  );
});

describe("two CLI processes racing on the same profile", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const MAIN = join(root, "dist", "cli", "main.js");
  const schema = freshSchemaName("race");
  const hub = new FakeHub();
  const hrflow = new HrflowFake();
  // A slow create (answered 300 ms after it is done): two pushes that do not see each other would both
  // find nothing and both create.
  const fake = new SmartRecruitersFake().enforceVendorLimits();
  const vendor = createSmartRecruitersSandbox(fake);
  fake.fail({ method: "POST", path: vendor.faults.create.path, times: 1000, delayMs: 300 });
  const sourceKey = hrflowKey("race-source");
  const profiles = generateProfiles(50, { sourceKey, seed: "race", withCv: false });
  let tmp = "";

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
    await requirePostgres();
    hub.mount(hrflow);
    for (const f of vendor.fakes) hub.mount(f);
    await hub.listen();
    for (const sample of profiles) hrflow.addProfile(sourceKey, sample.profile);
    tmp = await mkdtemp(join(tmpdir(), "race-"));
  });
  afterAll(async () => {
    await hub.close();
    await dropSchemas(schema, `${schema}_queue`);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const push = (profileKey: string): Promise<number | null> =>
    new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          MAIN,
          "push-profile",
          "smartrecruiters",
          "--source-key",
          sourceKey,
          "--profile-key",
          profileKey,
          ...vendor.cliFlags(),
          "--database",
          urlWithSchema(schema),
          "--quiet",
        ],
        {
          cwd: tmp,
          env: {
            PATH: process.env["PATH"] ?? "",
            HRFLOW_API_SECRET: hrflow.apiSecret,
            HRFLOW_API_USER: hrflow.apiUser,
            HRFLOW_BASE_URL: hrflow.baseUrl,
            ...vendor.env(),
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      child.on("error", reject);
      child.on("close", (code) => {
        collect(output);
        resolve(code);
      });
    });

  it(
    "50 times: one candidate each time, both processes exit 0",
    async () => {
      // Five races at a time; each race is two processes started together on one profile.
      const keys = profiles.map((p) => String(p.profile["key"]));
      for (let i = 0; i < keys.length; i += 5) {
        const codes = await Promise.all(keys.slice(i, i + 5).flatMap((key) => [push(key), push(key)]));
        expect(codes.every((code) => code === 0)).toBe(true);
      }
      const emails = fake.candidates.size;
      expect(emails).toBe(50);
      for (const sample of profiles) {
        const { email } = sample.profile["info"] as { email: string };
        expect(fake.findByEmail(email), email).toHaveLength(1);
      }
      // Ten processes starting at once on two cores send their requests late after their grants; the
      // window anchored on answers keeps them within the vendor's limits all the same.
      expect(fake.limitStats().throttled).toBe(0);
    },
    5 * MINUTE,
  );
});
