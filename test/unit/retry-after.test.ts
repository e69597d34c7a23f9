import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runPushProfile } from "../../src/connectors/pipeline.js";
import { connectorDefinitions } from "../../src/connectors/registry.js";
import { AmbiguousCreateError, HttpError } from "../../src/core/errors.js";
import { HttpClient } from "../../src/core/http/client.js";
import { LocalRateLimiter, type RateLimiter } from "../../src/core/http/rate-limiter.js";
import { createRuntime } from "../../src/core/runtime.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { FakeServer } from "../../src/testing/fake-server.js";
import { hrflowKey, sampleProfiles } from "../../src/testing/profiles.js";
import { startSandbox, type Sandbox } from "../../src/testing/sandbox.js";
import { collect, collectError } from "../support/leaks.js";

/** Retry-After as vendors (and broken proxies) send it, through the HTTP client and the virtual clock. */
describe("Retry-After through the HTTP client", () => {
  const server = new FakeServer("vendor");
  let created = 0;
  beforeAll(async () => {
    server.route("GET", "/items", () => ({ status: 200, body: [] }));
    server.route("POST", "/items", () => {
      created += 1;
      return { status: 201, body: { id: created } };
    });
    await server.listen();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.clearFaults();
    created = 0;
  });

  const client = (clock = createVirtualClock(), limiter?: RateLimiter) =>
    new HttpClient({
      vendor: "Vendor",
      baseUrl: server.url,
      clock,
      // The worst jitter: without a floor, every backoff would be 0 ms.
      random: () => 0,
      ...(limiter ? { limiter } : {}),
    });

  const hostile = ["-5", "0", "-0.001", "Thu, 01 Jan 1970 00:00:00 GMT", "soon", "1e9999"];

  it.each(hostile)("Retry-After %j on 503 and 429 cannot cause four attempts in 10 ms", async (value) => {
    for (const status of [503, 429]) {
      server.clearFaults();
      server.fail({ method: "GET", path: "/items", status, headers: { "Retry-After": value }, times: 3 });
      const clock = createVirtualClock();
      const started = clock.now();
      const response = await client(clock).request({ operation: "list", method: "GET", path: "/items" });
      expect(response.status).toBe(200);
      expect(clock.sleeps).toHaveLength(3);
      for (const wait of clock.sleeps) expect(wait).toBeGreaterThanOrEqual(100);
      expect(clock.now() - started).toBeGreaterThan(10);
    }
  });

  it("waits what Retry-After says on a 503 to an idempotent request (seconds or HTTP-date), and pauses the vendor's queue", async () => {
    const clock = createVirtualClock();
    const limiter = new LocalRateLimiter({ requests: 100, perMs: 1000, concurrency: 2 }, clock);
    server.fail({ method: "GET", path: "/items", status: 503, headers: { "Retry-After": "7" } });
    const http = client(clock, limiter);
    await http.request({ operation: "list", method: "GET", path: "/items" });
    expect(clock.sleeps[0]).toBe(7000);
    server.fail({
      method: "GET",
      path: "/items",
      status: 503,
      headers: { "Retry-After": new Date(clock.now() + 12_000).toUTCString() },
    });
    const before = clock.sleeps.length;
    await http.request({ operation: "list", method: "GET", path: "/items" });
    const waited = clock.sleeps.slice(before).reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(11_000);
  });

  it("never repeats a create on a 503, but carries the Retry-After on the ambiguous error", async () => {
    server.fail({ method: "POST", path: "/items", status: 503, headers: { "Retry-After": "4" } });
    const clock = createVirtualClock();
    const error = await client(clock)
      .request({ operation: "create item", method: "POST", path: "/items", body: { json: {} } })
      .catch((e: unknown) => e);
    collectError(error);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 503, ambiguous: true, retryAfterMs: 4000 });
    expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe.each(connectorDefinitions().map((d) => d.name))(
  "a 503 with Retry-After on the create (%s)",
  (connector) => {
    let sandbox: Sandbox;
    beforeEach(async () => {
      sandbox = await startSandbox({ samples: sampleProfiles().filter((s) => s.name === "amelie") });
    });
    afterEach(() => sandbox.close());

    const push = async (retryAfter: string) => {
      const vendor = sandbox.vendor(connector);
      const definition = connectorDefinitions().find((d) => d.name === connector);
      if (!definition) throw new Error(connector);
      const target = vendor.faults.create;
      target.fake.fail({
        method: target.method,
        path: target.path,
        status: 503,
        headers: { "Retry-After": retryAfter },
        body: { message: "Service Unavailable" },
      });
      const clock = createVirtualClock();
      const outcome = await runPushProfile(definition, {
        hrflowClient: sandbox.hrflowClient,
        auth: vendor.auth(),
        profile: { key: hrflowKey("amelie"), source: { key: sandbox.sourceKey } },
        runtime: createRuntime({ clock, settleWindowMs: 10_000 }),
        allowInsecureCvUrls: true,
        ...vendor.options(),
      }).then(
        (response) => {
          collect(response);
          return { response, error: undefined };
        },
        (error: unknown) => {
          collectError(error);
          return { response: undefined, error };
        },
      );
      const creates = target.fake.requests.filter(
        (r) => r.method === target.method && target.path.test(r.path),
      ).length;
      return { ...outcome, clock, creates, candidates: vendor.candidates().length };
    };

    it("waits at least what the vendor asked before looking the candidate up, and creates it once", async () => {
      const run = await push("5");
      expect(run.error).toBeUndefined();
      expect(run.response?.status_code).toBe(201);
      expect(run.clock.sleeps).toContain(5000);
      expect(run.creates).toBe(2);
      expect(run.candidates).toBe(1);
    });

    it("stops, ambiguous, when the vendor asks for longer than the cap: nothing is sent again", async () => {
      const run = await push("65");
      expect(run.error).toBeInstanceOf(AmbiguousCreateError);
      expect((run.error as Error).message).toContain("asked to wait 65 s before anything else");
      expect(run.creates).toBe(1);
    });
  },
);
