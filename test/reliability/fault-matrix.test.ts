import { afterEach, describe, expect, it } from "vitest";
import { runPushProfile } from "../../src/connectors/pipeline.js";
import { connectorDefinitions } from "../../src/connectors/registry.js";
import { AuthError } from "../../src/core/errors.js";
import { createRuntime } from "../../src/core/runtime.js";
import type { Runtime } from "../../src/core/runtime.js";
import { createVirtualClock, type VirtualClock } from "../../src/testing/clock.js";
import type { FaultSpec } from "../../src/testing/fake-server.js";
import { hrflowKey, sampleProfiles } from "../../src/testing/profiles.js";
import {
  startSandbox,
  type Sandbox,
  type SandboxVendor,
  type RouteTarget,
} from "../../src/testing/sandbox.js";
import { collect, collectError } from "../support/leaks.js";

/**
 * The fault matrix, for every connector: whatever fails on the way, at the end exactly one candidate exists
 * with all its data, or the error is clear and a second run (same ledger) finishes the job with still
 * exactly one candidate. Waits go through a virtual clock, never wall time.
 */

const PROFILE = "amelie";
const samples = sampleProfiles().filter((s) => s.name === PROFILE || s.name === "layla");

interface Run {
  sandbox: Sandbox;
  vendor: SandboxVendor;
  clock: VirtualClock;
  runtime: Runtime;
  push: (name?: string) => Promise<{ status?: number; action?: unknown; cv?: unknown; error?: unknown }>;
}

let open: Sandbox | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function setup(connector: string): Promise<Run> {
  const sandbox = await startSandbox({ samples });
  open = sandbox;
  const vendor = sandbox.vendor(connector);
  const definition = connectorDefinitions().find((d) => d.name === connector);
  if (!definition) throw new Error(`unknown connector ${connector}`);
  const clock = createVirtualClock();
  const runtime = createRuntime({ clock });
  const push: Run["push"] = async (name = PROFILE) => {
    try {
      const response = await runPushProfile(definition, {
        hrflowClient: sandbox.hrflowClient,
        auth: vendor.auth(),
        profile: { key: hrflowKey(name), source: { key: sandbox.sourceKey } },
        runtime,
        timeoutMs: 400,
        allowInsecureCvUrls: true,
        ...vendor.options(),
      });
      collect(response);
      return {
        status: response.status_code,
        action: response.result?.action,
        cv: response.result?.cv.status,
      };
    } catch (error) {
      collectError(error);
      return { error };
    }
  };
  return { sandbox, vendor, clock, runtime, push };
}

const fail = (target: RouteTarget, spec: Omit<FaultSpec, "method" | "path">): void => {
  target.fake.fail({ method: target.method, path: target.path, ...spec });
};
const creates = (target: RouteTarget): number =>
  target.fake.requests.filter((r) => r.method === target.method && target.path.test(r.path)).length;

function expectOneCompleteCandidate(vendor: SandboxVendor, withCv = true): void {
  const candidates = vendor.candidates();
  expect(candidates).toHaveLength(1);
  expect(candidates[0]?.name).toContain("Amélie");
  if (withCv) expect(candidates[0]?.cv).toBeTruthy();
}

describe.each(connectorDefinitions().map((d) => d.name))("fault matrix: %s", (connector) => {
  it("429 with Retry-After on the create: waits what it says, one candidate", async () => {
    const run = await setup(connector);
    fail(run.vendor.faults.create, {
      status: 429,
      headers: { "Retry-After": "2" },
      body: { message: "Too Many Requests" },
    });
    const result = await run.push();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(201);
    expect(run.clock.sleeps).toContain(2000);
    expectOneCompleteCandidate(run.vendor);
  });

  it("429 without Retry-After: exponential backoff, one candidate", async () => {
    const run = await setup(connector);
    fail(run.vendor.faults.create, { status: 429, times: 2, body: { message: "Too Many Requests" } });
    const result = await run.push();
    expect(result.error).toBeUndefined();
    expect(run.clock.sleeps.length).toBeGreaterThanOrEqual(2);
    expectOneCompleteCandidate(run.vendor);
  });

  it("503 on the create, then success: looked up before the retry, one candidate", async () => {
    const run = await setup(connector);
    fail(run.vendor.faults.create, { status: 503, body: { message: "Service Unavailable" } });
    const result = await run.push();
    expect(result.error).toBeUndefined();
    expect(result.action).toBe("created");
    expect(creates(run.vendor.faults.create)).toBe(2);
    expectOneCompleteCandidate(run.vendor);
  });

  it("the create is processed but its answer is lost (dropped connection): found, not repeated", async () => {
    const run = await setup(connector);
    fail(run.vendor.faults.create, { drop: "after" });
    const result = await run.push();
    expect(result.error).toBeUndefined();
    expect(creates(run.vendor.faults.create)).toBe(1);
    expectOneCompleteCandidate(run.vendor);
  });

  it("the create is processed but answers after the timeout: found, not repeated", async () => {
    const run = await setup(connector);
    fail(run.vendor.faults.create, { delayMs: 900 });
    const result = await run.push();
    expect(result.error).toBeUndefined();
    expect(creates(run.vendor.faults.create)).toBe(1);
    expectOneCompleteCandidate(run.vendor);
  });

  it("connection reset before the create is processed: looked up, created once", async () => {
    const run = await setup(connector);
    fail(run.vendor.faults.create, { drop: "before" });
    const result = await run.push();
    expect(result.error).toBeUndefined();
    expect(creates(run.vendor.faults.create)).toBe(2);
    expectOneCompleteCandidate(run.vendor);
  });

  it("credentials refused mid-run: refreshed when they come from a sign-in, otherwise a clear AuthError and a clean replay", async () => {
    const run = await setup(connector);
    expect((await run.push("layla")).error).toBeUndefined();
    if (run.vendor.expireTokens) {
      run.vendor.expireTokens();
      const result = await run.push();
      expect(result.error).toBeUndefined();
    } else {
      fail(run.vendor.faults.create, { status: 401, body: { message: "Unauthorized" } });
      const refused = await run.push();
      expect(refused.error).toBeInstanceOf(AuthError);
      const replay = await run.push();
      expect(replay.error).toBeUndefined();
    }
    expect(run.vendor.candidates().filter((c) => c.name.includes("Amélie"))).toHaveLength(1);
    expect(run.vendor.candidates()).toHaveLength(2);
  });

  // Vendors that take the CV in a separate call (Flatchr takes it inside the create).
  if (connectorDefinitions().find((d) => d.name === connector)?.cvMode === "upload") {
    it("the CV upload fails after the candidate exists: loud partial result, the replay uploads the CV only", async () => {
      const run = await setup(connector);
      const target = run.vendor.faults.cvUpload;
      if (!target) throw new Error("no CV route");
      fail(target, { status: 500, times: 20, body: { message: "storage down" } });
      const first = await run.push();
      expect(first.error).toBeUndefined();
      expect(first.status).toBe(202);
      expect(first.cv).toBe("failed");
      expect(
        (await run.runtime.store.ledger.list({ outcomes: ["partial"] })).map((e) => e.profileKey),
      ).toEqual([hrflowKey(PROFILE)]);
      run.vendor.faults.create.fake.clearFaults();
      target.fake.clearFaults();
      const second = await run.push();
      expect(second.error).toBeUndefined();
      expect(second.status).toBe(201);
      expect(second.cv).toBe("uploaded");
      expect(creates(run.vendor.faults.create)).toBe(0);
      expectOneCompleteCandidate(run.vendor);
    });
  }
});
