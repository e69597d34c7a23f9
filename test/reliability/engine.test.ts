import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runPushProfile, type WorkflowResponse } from "../../src/connectors/pipeline.js";
import { connectorDefinitions } from "../../src/connectors/registry.js";
import { isConnectorsError, ResponseValidationError } from "../../src/core/errors.js";
import { createRuntime, type Runtime } from "../../src/core/runtime.js";
import {
  hrflowKey,
  sampleProfiles,
  startSandbox,
  type Sandbox,
  type SandboxVendor,
} from "../../src/testing/index.js";
import { collect, collectError } from "../support/leaks.js";

/**
 * The engine's promises at every connector: a dry run tells the truth (from the ledger, or reading the
 * vendor), and an answer that does not match its vendor's schema is a ResponseValidationError naming the
 * endpoint, never a raw parsing error or a crash.
 */

const samples = sampleProfiles().filter((s) => s.name === "amelie" || s.name === "layla");
const definitions = connectorDefinitions();
let sandbox: Sandbox;
let runtime: Runtime;
// A short settle window: a create answered with an unreadable body is looked up over it before anything else.
const newRuntime = (): Runtime => createRuntime({ settleWindowMs: 300 });
beforeEach(async () => {
  sandbox = await startSandbox({ samples });
  runtime = newRuntime();
});
afterEach(async () => {
  await runtime.close();
  await sandbox.close();
});

function push(vendor: SandboxVendor, extra: Record<string, unknown> = {}): Promise<WorkflowResponse> {
  const definition = definitions.find((d) => d.name === vendor.connector);
  if (!definition) throw new Error(vendor.connector);
  return runPushProfile(definition, {
    hrflowClient: sandbox.hrflowClient,
    auth: vendor.auth(),
    profile: { key: hrflowKey("amelie"), source: { key: sandbox.sourceKey } },
    runtime,
    allowInsecureCvUrls: true,
    ...vendor.options(),
    ...extra,
  }).then((response) => {
    collect(response);
    return response;
  });
}

describe.each(definitions.map((d) => d.name))("dry runs that tell the truth: %s", (connector) => {
  it("plans a create for a new profile, 'unchanged' once pushed, and names what changed in the profile", async () => {
    const vendor = sandbox.vendor(connector);
    const fresh = await push(vendor, { dryRun: true });
    expect(fresh.result?.plannedFrom).toBe("ledger");
    expect(fresh.result?.action).toBe("created");
    expect(vendor.candidates()).toHaveLength(0);

    await push(vendor);
    const requestsBefore = vendor.fakes.reduce((n, f) => n + f.requests.length, 0);
    const again = await push(vendor, { dryRun: true });
    expect(again.result?.action).toBe("unchanged");
    expect(again.result?.steps.find((s) => s.step === "candidate")?.detail).toContain(
      "according to the push ledger",
    );
    expect(again.result?.plannedRequests?.filter((r) => r.method !== "GET")).toEqual([]);
    // From the ledger alone: not one request to the vendor.
    expect(vendor.fakes.reduce((n, f) => n + f.requests.length, 0)).toBe(requestsBefore);

    // The recruiter-facing data changes in HrFlow: the plan names the changed fields.
    const amelie = samples.find((s) => s.name === "amelie");
    if (!amelie) throw new Error("no amelie");
    const info = amelie.profile["info"] as Record<string, unknown>;
    sandbox.hrflow.addProfile(
      sandbox.sourceKey,
      { ...amelie.profile, info: { ...info, phone: "+33 6 99 88 77 66" } },
      amelie.cv,
    );
    const changed = await push(vendor, { dryRun: true });
    const candidate = changed.result?.steps.find((s) => s.step === "candidate");
    expect(candidate?.detail).toMatch(/phone/i);
    if (connector === "breezyhr") {
      expect(changed.result?.action).toBe("updated");
      expect(candidate?.status).toBe("planned");
    } else {
      expect(changed.result?.action).toBe("unchanged");
      expect(candidate?.detail).toContain("left as is");
    }
    expect(vendor.candidates()).toHaveLength(1);
  });

  it("reading the vendor, plans exactly what a real push does, and writes nothing", async () => {
    const vendor = sandbox.vendor(connector);
    await push(vendor);
    // A fresh ledger: only the vendor can say the candidate exists.
    await runtime.close();
    runtime = newRuntime();
    const planned = await push(vendor, { dryRun: "vendor" });
    expect(planned.result?.plannedFrom).toBe("vendor");
    expect(planned.result?.action).not.toBe("created");
    // Searches sent as POST read; signing in writes nothing of the candidate.
    const isWrite = (method: string, path: string): boolean =>
      method !== "GET" && !/search|signin|token/.test(path);
    const plannedWrites = (planned.result?.plannedRequests ?? [])
      .filter((r) => isWrite(r.method, new URL(r.url).pathname))
      .map((r) => `${r.method} ${new URL(r.url).pathname}`);
    const seen = vendor.fakes.map((f) => f.requests.length);
    const real = await push(vendor);
    expect(real.result?.action).toBe(planned.result?.action);
    expect(vendor.candidates()).toHaveLength(1);
    // What the plan said it would write is what the real push wrote.
    const realWrites = vendor.fakes.flatMap((f, i) =>
      f.requests
        .slice(seen[i])
        .filter((r) => isWrite(r.method, r.path))
        .map((r) => `${r.method} ${sandbox.url}/${f.name}${r.path}`),
    );
    expect(plannedWrites.map((w) => w.replace(/\/[^/]*$/, ""))).toEqual(
      realWrites
        .map((w) => new URL(w.split(" ")[1] ?? "").pathname)
        .map((p, i) => `${realWrites[i]?.split(" ")[0] ?? ""} ${p}`.replace(/\/[^/]*$/, "")),
    );
  });
});

describe.each(definitions.map((d) => d.name))("malformed vendor answers: %s", (connector) => {
  /** Every kind of push: a new candidate, another, the first again (read by id), then from a fresh ledger. */
  const scenario = async (vendor: SandboxVendor): Promise<WorkflowResponse[]> => {
    const responses = [
      await push(vendor),
      await push(vendor, { profile: { key: hrflowKey("layla"), source: { key: sandbox.sourceKey } } }),
      await push(vendor),
    ];
    await runtime.close();
    runtime = newRuntime();
    responses.push(await push(vendor));
    return responses;
  };

  it("every endpoint answering 200 with the wrong shape gives a ResponseValidationError naming it, or a step that says so", async () => {
    await scenario(sandbox.vendor(connector));
    const endpoints = new Map<string, { fake: string; method: string; path: string }>();
    for (const fake of sandbox.vendor(connector).fakes)
      for (const r of fake.requests)
        endpoints.set(`${r.method} ${r.path.replace(/\/[^/]*\d[^/]*/g, "/{id}")}`, {
          fake: fake.name,
          method: r.method,
          path: r.path,
        });
    expect(endpoints.size).toBeGreaterThanOrEqual(2);

    for (const [label, endpoint] of endpoints) {
      await sandbox.close();
      sandbox = await startSandbox({ samples });
      await runtime.close();
      runtime = newRuntime();
      const vendor = sandbox.vendor(connector);
      const fake = vendor.fakes.find((f) => f.name === endpoint.fake);
      if (!fake) throw new Error(endpoint.fake);
      // Paths carry ids that differ between runs: the fault matches the route's shape.
      const shape = new RegExp(
        `^${endpoint.path
          .split("/")
          .map((part) => (/\d/.test(part) ? "[^/]+" : part.replace(/[.*+?()[\]\\]/g, "\\$&")))
          .join("/")}$`,
      );
      fake.fail({
        method: endpoint.method,
        path: shape,
        status: 200,
        body: { unexpected: [{ shape: true }] },
        times: 50,
      });
      let outcome = "ok";
      try {
        // A step whose answer is unreadable fails alone (the push is partial) and says why.
        for (const response of await scenario(vendor))
          for (const step of response.result?.steps.filter((s) => s.status === "failed") ?? [])
            expect(step.detail, label).toContain("unexpected response shape");
      } catch (error) {
        collectError(error);
        // Typed, never a raw ZodError or a TypeError.
        expect(isConnectorsError(error), `${label}: ${String(error)}`).toBe(true);
        outcome =
          error instanceof ResponseValidationError ? `rejected: ${error.operation}` : (error as Error).name;
        if (error instanceof ResponseValidationError)
          expect(error.message, label).toContain("unexpected response shape");
      }
      // The fault was met: the endpoint was exercised with a wrong answer.
      expect(
        fake.requests.some((r) => r.method === endpoint.method && shape.test(r.path)),
        label,
      ).toBe(true);
      expect(outcome, label).not.toMatch(/ZodError|TypeError/);
    }
  }, 120_000);
});
