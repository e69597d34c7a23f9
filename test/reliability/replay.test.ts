import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runPushProfile } from "../../src/connectors/pipeline.js";
import { connectorDefinitions } from "../../src/connectors/registry.js";
import { replayPushes } from "../../src/connectors/replay.js";
import { createRuntime } from "../../src/core/runtime.js";
import { createSqliteStore } from "../../src/core/store/sqlite.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { hrflowKey } from "../../src/testing/profiles.js";
import { startSandbox, type Sandbox } from "../../src/testing/sandbox.js";
import { collect, collectError } from "../support/leaks.js";

const dir = mkdtempSync(join(tmpdir(), "replay-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe("replaying failed pushes from a SQLite ledger", () => {
  it("finishes what a crashed or failing run left, in a new process, without a second candidate", async () => {
    sandbox = await startSandbox();
    const vendor = sandbox.vendor("smartrecruiters");
    const definition = connectorDefinitions().find((d) => d.name === "smartrecruiters");
    if (!definition) throw new Error("smartrecruiters missing");
    const path = join(dir, "ledger.sqlite");
    const clock = createVirtualClock();
    const common = {
      hrflowClient: sandbox.hrflowClient,
      auth: vendor.auth(),
      allowInsecureCvUrls: true,
      ...vendor.options(),
    };

    // Run 1: the CV storage is down for one profile, the vendor is down for another.
    const first = createRuntime({ store: createSqliteStore(path), clock });
    const cvTarget = vendor.faults.cvUpload;
    if (!cvTarget) throw new Error("no CV route");
    cvTarget.fake.fail({ method: cvTarget.method, path: cvTarget.path, status: 500, times: 10 });
    const partial = await runPushProfile(definition, {
      ...common,
      runtime: first,
      profile: { key: hrflowKey("amelie"), source: { key: sandbox.sourceKey } },
    });
    collect(partial);
    expect(partial.status_code).toBe(202);
    vendor.faults.create.fake.fail({ method: "GET", path: "/candidates", status: 503, times: 20 });
    const failed = await runPushProfile(definition, {
      ...common,
      runtime: first,
      profile: { key: hrflowKey("layla"), source: { key: sandbox.sourceKey } },
    }).catch((e: unknown) => e);
    collectError(failed);
    expect(failed).toBeInstanceOf(Error);
    await first.close();
    vendor.faults.create.fake.clearFaults();
    cvTarget.fake.clearFaults();

    // Run 2: another process opens the same ledger and replays.
    const second = createRuntime({ store: createSqliteStore(path), clock });
    expect(
      (await second.store.ledger.list({ outcomes: ["partial", "failed"] })).map((e) => e.outcome).sort(),
    ).toEqual(["failed", "partial"]);
    const results: string[] = [];
    const summary = await replayPushes({
      runtime: second,
      hrflowClient: sandbox.hrflowClient,
      definitions: connectorDefinitions(),
      auth: () => vendor.auth(),
      pushOptions: { allowInsecureCvUrls: true },
      onResult: (entry, outcome) => {
        collect(outcome.response ?? "");
        results.push(
          `${entry.profileKey === hrflowKey("amelie") ? "amelie" : "layla"}:${String(outcome.response?.result?.action)}:${String(outcome.response?.result?.cv.status)}`,
        );
      },
    });
    expect(summary).toEqual({ replayed: 2, finished: 2, unfinished: 0, busy: 0, needsFix: [] });
    expect(results.sort()).toEqual(["amelie:updated:uploaded", "layla:created:uploaded"]);
    expect(
      vendor
        .candidates()
        .map((c) => c.name)
        .sort(),
    ).toEqual(["Amélie Poulain-Dupré", "ليلى حداد"]);
    expect(vendor.candidates().every((c) => c.cv !== undefined)).toBe(true);
    expect(await second.store.ledger.list({ outcomes: ["partial", "failed", "pending"] })).toEqual([]);
    await second.close();
  });
});
