import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLocalRateLimits,
  createRuntime,
  createSqliteStore,
  findConnector,
  pushProfiles,
  systemClock,
  withRateScale,
  type BatchItemResult,
  type BatchTarget,
  type Runtime,
} from "../../src/index.js";
import { collect } from "../support/leaks.js";
import { startBatchSandbox, type BatchSandbox } from "../support/batch-sandbox.js";

const dir = mkdtempSync(join(tmpdir(), "batch-"));
let sandbox: BatchSandbox;

beforeAll(async () => {
  sandbox = await startBatchSandbox({ count: 200 });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

function runtimeAt(file: string): Runtime {
  return createRuntime({
    store: createSqliteStore(join(dir, file)),
    rateLimits: withRateScale(createLocalRateLimits(systemClock), sandbox.scale),
  });
}

function targets(connectors = sandbox.vendors.map((v) => v.connector)): BatchTarget[] {
  return connectors.map((name) => {
    const vendor = sandbox.vendor(name);
    const connector = findConnector(name);
    if (!connector) throw new Error(name);
    return { connector, auth: vendor.auth(), options: vendor.options() };
  });
}

describe("pushProfiles: a whole source to every connector", () => {
  it("pushes every profile once to each target, at the vendors' limits; a second run creates nothing", async () => {
    const runtime = runtimeAt("all.sqlite");
    try {
      const items: BatchItemResult[] = [];
      const run = pushProfiles({
        hrflowClient: sandbox.hrflowClient,
        source: { key: sandbox.sourceKey },
        connectors: targets(),
        runtime,
        pushOptions: { allowInsecureCvUrls: true },
        filter: { pageSize: 37 },
      });
      for await (const item of run) items.push(item);
      collect(items);
      const summary = await run.summary();
      expect(summary.status).toBe("completed");
      expect(summary.profiles).toBe(200);
      expect(summary.items).toBe(1000);
      expect(summary.counts.created).toBe(1000);
      for (const vendor of sandbox.vendors) {
        const emails = vendor.candidates().map((c) => c.email?.toLowerCase());
        expect(new Set(emails).size, vendor.connector).toBe(200);
        expect(emails, vendor.connector).toHaveLength(200);
        for (const stats of sandbox.stats(vendor.connector)) {
          expect(stats.throttled, vendor.connector).toBe(0);
          const limit = sandbox.limits[vendor.connector];
          if (limit && vendor.connector !== "greenhouse")
            expect(stats.maxInWindow, vendor.connector).toBeLessThanOrEqual(limit.requests);
          if (limit?.concurrency !== undefined)
            expect(stats.maxInFlight, vendor.connector).toBeLessThanOrEqual(limit.concurrency);
        }
      }
      const record = await runtime.store.runs.get(summary.runId);
      expect(record?.status).toBe("completed");
      expect(record?.counts.created).toBe(1000);

      const again = pushProfiles({
        hrflowClient: sandbox.hrflowClient,
        source: { key: sandbox.sourceKey },
        connectors: targets(),
        runtime,
        pushOptions: { allowInsecureCvUrls: true },
      });
      const second = await again.summary();
      expect(second.counts).toMatchObject({ created: 0, skipped: 1000, failed: 0 });
      for (const vendor of sandbox.vendors) expect(vendor.candidates()).toHaveLength(200);
    } finally {
      await runtime.close();
    }
  }, 240_000);
});
