import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { XSmartTokenAuth } from "../../src/core/auth/static.js";
import {
  HttpError,
  NetworkError,
  RateLimitError,
  ResponseValidationError,
  TimeoutError,
} from "../../src/core/errors.js";
import { HttpClient } from "../../src/core/http/client.js";
import { LocalRateLimiter } from "../../src/core/http/rate-limiter.js";
import type { PlannedRequest } from "../../src/core/http/types.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { FakeServer } from "../../src/testing/fake-server.js";
import { capturingLogger, collectError, registerSecret } from "../support/leaks.js";

registerSecret("api-key-for-http-tests");

describe("HttpClient", () => {
  const server = new FakeServer("vendor");
  let created = 0;
  beforeAll(async () => {
    server.route("GET", "/items", () => ({ status: 200, body: [{ id: 1 }] }));
    server.route("POST", "/items", () => {
      created += 1;
      return { status: 201, body: { id: created } };
    });
    server.route("GET", "/bad-shape", () => ({ status: 200, body: { unexpected: true } }));
    await server.listen();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.clearFaults();
    created = 0;
  });

  const make = (extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) => {
    const clock = createVirtualClock();
    const logger = capturingLogger();
    const http = new HttpClient({
      vendor: "Vendor",
      baseUrl: `${server.url}/`,
      auth: new XSmartTokenAuth({ value: "api-key-for-http-tests" }),
      clock,
      logger,
      random: () => 0.5,
      timeoutMs: 200,
      ...extra,
    });
    return { http, clock, logger };
  };
  const failing = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    collectError(error);
    return error;
  };

  it("retries an idempotent GET after 503 and logs each attempt without secrets", async () => {
    server.fail({ method: "GET", path: "/items", status: 503, times: 2 });
    const { http, clock, logger } = make();
    const response = await http.request({
      operation: "list items",
      method: "GET",
      path: "/items",
      query: { token: "api-key-for-http-tests", q: "a b" },
    });
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([150, 300]);
    // Each attempt: a `request` event (what a status line shows), then its outcome.
    const events = logger.lines.filter((l) => l.level === "debug" && l.message === "Vendor: list items");
    expect(events).toHaveLength(3);
    const lines = logger.lines
      .filter((l) => l.level === "debug" && l.message.startsWith("HTTP "))
      .map((l) => l.message);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^HTTP GET http:\/\/127\.0\.0\.1:\d+\/items\?token=\[REDACTED\]&q=a\+b -> 503 \(\d+ ms\)$/,
    );
    expect(server.requests[0]?.headers["x-smarttoken"]).toBe("api-key-for-http-tests");
  });

  it("never repeats a POST after a 5xx: the error is marked ambiguous", async () => {
    server.fail({ method: "POST", path: "/items", status: 500 });
    const { http } = make();
    const error = await failing(
      http.request({ operation: "create item", method: "POST", path: "/items", body: { json: { a: 1 } } }),
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 500, ambiguous: true, operation: "create item" });
    expect(server.requests).toHaveLength(1);
  });

  it("repeats a POST after 429, waiting Retry-After", async () => {
    server.fail({ method: "POST", path: "/items", status: 429, headers: { "Retry-After": "2" } });
    const { http, clock } = make();
    const response = await http.request<{ id: number }>({
      operation: "create item",
      method: "POST",
      path: "/items",
      body: { json: {} },
    });
    expect(response.data.id).toBe(1);
    expect(clock.sleeps).toContain(2000);
    expect(server.requests).toHaveLength(2);
  });

  it("fails fast with RateLimitError when Retry-After is beyond the cap", async () => {
    server.fail({ method: "GET", path: "/items", status: 429, headers: { "Retry-After": "3600" } });
    const { http, clock } = make();
    const error = await failing(http.request({ operation: "list items", method: "GET", path: "/items" }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toContain("asked to wait 3600 s, more than the 60 s cap");
    expect(clock.sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it("gives up on 429s after maxAttempts, saying how many attempts over how long", async () => {
    server.fail({ method: "GET", path: "/items", status: 429, headers: { "Retry-After": "1" }, times: 10 });
    const { http } = make({ retry: { maxAttempts: 3 } });
    const error = await failing(http.request({ operation: "list items", method: "GET", path: "/items" }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toMatch(/still rate limited after 3 attempts over \d+\.\d s/);
    expect(server.requests).toHaveLength(3);
  });

  it("times out per attempt; a POST timeout is ambiguous and not repeated", async () => {
    server.fail({ method: "POST", path: "/items", delayMs: 400 });
    const { http } = make({ timeoutMs: 50 });
    const error = await failing(
      http.request({ operation: "create item", method: "POST", path: "/items", body: { json: {} } }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ ambiguous: true, timeoutMs: 50 });
    expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("repeats a GET after a timeout and reports attempts when it keeps failing", async () => {
    server.fail({ method: "GET", path: "/items", delayMs: 300, times: 5 });
    const { http } = make({ timeoutMs: 40, retry: { maxAttempts: 2 } });
    const error = await failing(http.request({ operation: "list items", method: "GET", path: "/items" }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/after 2 attempts over/);
  });

  it("treats a connection dropped after sending a POST as ambiguous", async () => {
    server.fail({ method: "POST", path: "/items", drop: "after" });
    const { http } = make();
    const error = await failing(
      http.request({ operation: "create item", method: "POST", path: "/items", body: { json: {} } }),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ ambiguous: true });
    expect(created).toBe(1);
  });

  it("repeats any request when the connection is refused (nothing was sent)", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => {
          resolve(typeof address === "object" && address ? address.port : 0);
        });
      });
    });
    const { http, clock } = make({ baseUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 3 } });
    const error = await failing(
      http.request({ operation: "create item", method: "POST", path: "/items", body: { json: {} } }),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ ambiguous: false, code: "ECONNREFUSED", attempts: 3 });
    expect(clock.sleeps).toHaveLength(2);
  });

  it("refuses a 2xx whose body does not match the schema", async () => {
    const { http } = make();
    const error = await failing(
      http.request({
        operation: "read",
        method: "GET",
        path: "/bad-shape",
        response: z.object({ id: z.string() }),
      }),
    );
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toContain("id:");
  });

  it("records a dry run with masked secrets and sends nothing", async () => {
    const planned: PlannedRequest[] = [];
    const { http } = make({ dryRun: planned });
    const response = await http.request({
      operation: "create item",
      method: "POST",
      path: "/items",
      body: { json: { token: "api-key-for-http-tests", name: "Zoë", cv: "A".repeat(400) } },
      dryRun: { response: { id: 0 } },
    });
    expect(response.data).toEqual({ id: 0 });
    expect(server.requests).toHaveLength(0);
    expect(planned).toEqual([
      {
        operation: "create item",
        method: "POST",
        url: `${server.url}/items`,
        headers: { "X-SmartToken": "[REDACTED]" },
        body: { token: "[REDACTED]", name: "Zoë", cv: "<base64, 300 bytes>" },
      },
    ]);
  });

  it("waits for the window to reset when the vendor says no quota is left", async () => {
    const clock = createVirtualClock();
    const limiter = new LocalRateLimiter({ requests: 100, perMs: 1000, concurrency: 2 }, clock);
    const reset = Math.ceil(clock.now() / 1000) + 20;
    server.fail({
      method: "GET",
      path: "/items",
      headers: { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(reset) },
    });
    const { http } = make({ clock, limiter });
    await http.request({ operation: "a", method: "GET", path: "/items" });
    await http.request({ operation: "b", method: "GET", path: "/items" });
    expect(clock.sleeps.length).toBe(1);
    expect(clock.sleeps[0]).toBeGreaterThan(18_000);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(21_000);
  });
});
