import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLocalRateLimits,
  createRuntime,
  findConnector,
  pushProfiles,
  systemClock,
  withRateScale,
  type BatchItemResult,
  type BatchTarget,
  type Runtime,
} from "../../src/index.js";
import { startBatchSandbox, type BatchSandbox } from "../support/batch-sandbox.js";
import { collect } from "../support/leaks.js";

/**
 * Faults during a batch, against fakes that enforce each vendor's limits (scaled): 429 storms with
 * Retry-After, 503s on lookups and creates, a token refused mid-run, dropped connections on creates. The
 * run goes on, the fakes never see more than their limits, and each item's result says what happened.
 */

let sandbox: BatchSandbox;
const COUNT = 60;
const CONNECTORS = ["smartrecruiters", "taleez", "breezyhr"];

beforeAll(async () => {
  sandbox = await startBatchSandbox({ count: COUNT, latencyMs: 2 });
});
afterAll(async () => {
  await sandbox.close();
});

function runtime(): Runtime {
  return createRuntime({
    rateLimits: withRateScale(createLocalRateLimits(systemClock), sandbox.scale),
    settleWindowMs: 300,
  });
}

function targets(): BatchTarget[] {
  return CONNECTORS.map((name) => {
    const connector = findConnector(name);
    if (!connector) throw new Error(name);
    const vendor = sandbox.vendor(name);
    return { connector, auth: vendor.auth(), options: vendor.options() };
  });
}

describe("faults during a batch", () => {
  it("429 storms, 503s, a refused token and dropped creates: the run goes on, within the limits, and each item says what happened", async () => {
    const sr = sandbox.vendor("smartrecruiters");
    const taleez = sandbox.vendor("taleez");
    const breezy = sandbox.vendor("breezyhr");
    // Taleez: a storm of 429 with Retry-After, and creates whose answer is lost after Taleez made them.
    taleez.faults.create.fake.fail({ status: 429, headers: { "retry-after": "1" }, times: 12 });
    taleez.faults.create.fake.fail({ method: "POST", path: /^\/0\/candidates$/, drop: "after", times: 3 });
    // SmartRecruiters: 503 on searches (retried) and on creates (looked up before sending again), and a
    // token refused twice (those two pushes fail with AuthError; a static key cannot be refreshed).
    sr.faults.create.fake.fail({ method: "GET", path: "/candidates", status: 503, times: 6 });
    sr.faults.create.fake.fail({ method: "POST", path: /candidates$/, status: 503, times: 3 });
    sr.faults.create.fake.fail({ method: "POST", path: /attachments$/, status: 401, times: 2 });

    const rt = runtime();
    const results: BatchItemResult[] = [];
    try {
      const run = pushProfiles({
        hrflowClient: sandbox.hrflowClient,
        source: { key: sandbox.sourceKey },
        connectors: targets(),
        runtime: rt,
        concurrency: 6,
        pushOptions: { allowInsecureCvUrls: true, retry: { baseDelayMs: 20, maxDelayMs: 200 } },
        onItem: (item) => {
          // Breezy: every session token refused half-way; the connector signs in again.
          if (
            item.connector === "breezyhr" &&
            results.filter((r) => r.connector === "breezyhr").length === 20
          )
            breezy.expireTokens?.();
        },
      });
      for await (const item of run) results.push(item);
      collect(results);
      const summary = await run.summary();
      expect(summary.items).toBe(COUNT * CONNECTORS.length);

      // Each item's truth: created in the vendor, or failed with the error that stopped it.
      for (const name of CONNECTORS) {
        const mine = results.filter((r) => r.connector === name);
        const candidates = sandbox.vendor(name).candidates();
        const emails = candidates.map((c) => c.email?.toLowerCase());
        expect(new Set(emails).size, name).toBe(emails.length);
        for (const item of mine) {
          const sample = sandbox.profiles.find((p) => p.profile["key"] === item.profileKey);
          const info = sample?.profile["info"];
          const email =
            info !== null && typeof info === "object" && "email" in info && typeof info.email === "string"
              ? info.email.toLowerCase()
              : "";
          if (item.action === "created") expect(emails, `${name} ${item.profileKey}`).toContain(email);
          else expect(item.action, `${name}: ${item.message}`).toBe("failed");
        }
        for (const stats of sandbox.stats(name)) {
          expect(stats.throttled, name).toBe(0);
          const limit = sandbox.limits[name];
          if (limit) expect(stats.maxInWindow, name).toBeLessThanOrEqual(limit.requests);
          if (limit?.concurrency !== undefined)
            expect(stats.maxInFlight, name).toBeLessThanOrEqual(limit.concurrency);
        }
      }
      const failed = results.filter((r) => r.action === "failed");
      expect(failed.map((r) => [r.connector, r.error?.name])).toEqual([
        ["smartrecruiters", "AuthError"],
        ["smartrecruiters", "AuthError"],
      ]);
      expect(results.filter((r) => r.connector === "taleez").every((r) => r.action === "created")).toBe(true);
      expect(results.filter((r) => r.connector === "breezyhr").every((r) => r.action === "created")).toBe(
        true,
      );
      expect(summary.counts.created).toBe(COUNT * CONNECTORS.length - 2);

      // A second run finishes the two, and creates nothing else.
      const again = await pushProfiles({
        hrflowClient: sandbox.hrflowClient,
        source: { key: sandbox.sourceKey },
        connectors: targets(),
        runtime: rt,
        pushOptions: { allowInsecureCvUrls: true },
      }).summary();
      expect(again.counts).toMatchObject({
        failed: 0,
        created: 0,
        updated: 2,
        skipped: COUNT * CONNECTORS.length - 2,
      });
      for (const name of CONNECTORS) expect(sandbox.vendor(name).candidates(), name).toHaveLength(COUNT);
    } finally {
      await rt.close();
    }
  }, 180_000);
});
