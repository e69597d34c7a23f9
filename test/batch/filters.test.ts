import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError,
  createRuntime,
  findConnector,
  Hrflow,
  pushProfiles,
  type BatchItemResult,
  type PushProfilesOptions,
} from "../../src/index.js";
import {
  createTaleezSandbox,
  FakeHub,
  generateProfiles,
  HrflowFake,
  hrflowKey,
  TaleezFake,
  type SampleProfile,
} from "../../src/testing/index.js";

/**
 * Which profiles a batch reads: search filters (tags, creation dates, updated since, a limit) and chosen
 * keys or references, read page by page. Dry runs: nothing is sent to the vendor.
 */

const SOURCE = hrflowKey("filters-source");
const hub = new FakeHub();
const hrflow = new HrflowFake();
const taleez = new TaleezFake();
const vendor = createTaleezSandbox(taleez);
let profiles: SampleProfile[] = [];
let hrflowClient: Hrflow;

beforeAll(async () => {
  hub.mount(hrflow);
  for (const fake of vendor.fakes) hub.mount(fake);
  await hub.listen();
  profiles = generateProfiles(40, {
    sourceKey: SOURCE,
    seed: "filters",
    withCv: false,
    // Profile i created i minutes after 2026-09-01T08:00Z; every third one tagged "backfill".
    tags: (i) => (i % 3 === 0 ? [{ name: "backfill", value: true }] : [{ name: "other", value: "x" }]),
  });
  profiles.forEach((sample, i) => {
    // Updated: the last ten profiles on 2026-11-01, the others as created.
    const profile = i >= 30 ? { ...sample.profile, updated_at: "2026-11-01T00:00:00Z" } : sample.profile;
    hrflow.addProfile(SOURCE, profile);
  });
  hrflowClient = new Hrflow({
    apiSecret: hrflow.apiSecret,
    apiUser: hrflow.apiUser,
    baseUrl: hrflow.baseUrl,
  });
});
afterAll(async () => {
  await hub.close();
});

async function plan(options: Partial<PushProfilesOptions>): Promise<BatchItemResult[]> {
  const connector = findConnector("taleez");
  if (!connector) throw new Error("taleez");
  const items: BatchItemResult[] = [];
  const run = pushProfiles({
    hrflowClient,
    source: { key: SOURCE },
    connectors: [{ connector, auth: vendor.auth(), options: vendor.options() }],
    runtime: createRuntime(),
    dryRun: true,
    ...options,
  });
  for await (const item of run) items.push(item);
  return items;
}

const indexOf = (key: string): number => profiles.findIndex((p) => p.profile["key"] === key);

describe("pushProfiles filters", () => {
  it("reads the whole source page by page, oldest first, and plans every profile", async () => {
    const items = await plan({ filter: { pageSize: 7 } });
    expect(items.map((i) => indexOf(i.profileKey)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    expect(items.every((i) => i.planned && i.action === "created")).toBe(true);
    expect(taleez.requests).toHaveLength(0);
  });

  it("filters by tag, creation dates and a limit (HrFlow search parameters)", async () => {
    const tagged = await plan({ filter: { tags: ["backfill"] } });
    expect(tagged.map((i) => indexOf(i.profileKey)).every((i) => i % 3 === 0)).toBe(true);
    expect(tagged).toHaveLength(14);
    const range = await plan({
      filter: { createdAtMin: "2026-09-01T08:10:00Z", createdAtMax: "2026-09-01T08:19:00Z", pageSize: 4 },
    });
    expect(range.map((i) => indexOf(i.profileKey)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 10),
    );
    const limited = await plan({ filter: { limit: 5, pageSize: 2 } });
    expect(limited.map((i) => indexOf(i.profileKey))).toEqual([0, 1, 2, 3, 4]);
  });

  it("reads newest updates first and stops at the first profile older than updatedSince", async () => {
    const pages = hrflow.requests.length;
    const recent = await plan({ filter: { updatedSince: "2026-10-15T00:00:00Z", pageSize: 5 } });
    expect(recent.map((i) => indexOf(i.profileKey)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 30),
    );
    // Ten profiles, five per page: the third page shows an older profile and reading stops there.
    expect(hrflow.requests.length - pages).toBeLessThanOrEqual(4);
  });

  it("pushes chosen keys and references (one missing is an item that failed, not a stop)", async () => {
    const keys = [profiles[3], profiles[5]].map((p) => ({ key: String(p?.profile["key"]) }));
    const items = await plan({
      filter: {
        // Read as the batch goes, like lines of a file.
        profiles: (async function* () {
          for (const selector of [...keys, { reference: "ref-filters-7" }, { key: hrflowKey("nobody") }]) {
            await Promise.resolve();
            yield selector;
          }
        })(),
      },
    });
    expect(items.map((i) => [indexOf(i.profileKey), i.action])).toEqual([
      [3, "created"],
      [5, "created"],
      [7, "created"],
      [-1, "failed"],
    ]);
    expect(items[3]?.error?.name).toBe("HrflowError");
  });

  it("checks its options at once, listing every problem", () => {
    const connector = findConnector("taleez");
    if (!connector) throw new Error("taleez");
    let error: unknown;
    try {
      pushProfiles({
        hrflowClient,
        connectors: [{ connector, auth: vendor.auth(), options: {} }],
        concurrency: 0,
        filter: { createdAtMin: "soon" },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = error instanceof ConfigError ? error.issues.map((i) => i.path) : [];
    expect(paths).toEqual(
      expect.arrayContaining([
        "source.key",
        "concurrency",
        "filter.createdAtMin",
        "connectors[0] (taleez) recruiterId",
      ]),
    );
  });

  it("stops gently when the consumer leaves the loop early", async () => {
    const connector = findConnector("taleez");
    if (!connector) throw new Error("taleez");
    const run = pushProfiles({
      hrflowClient,
      source: { key: SOURCE },
      connectors: [{ connector, auth: vendor.auth(), options: vendor.options() }],
      dryRun: true,
      concurrency: 1,
      filter: { pageSize: 5 },
    });
    let seen = 0;
    for await (const _item of run) if (++seen === 3) break;
    const summary = await run.summary();
    expect(summary.status).toBe("interrupted");
    expect(summary.items).toBeLessThan(40);
  });
});
