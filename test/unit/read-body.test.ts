import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XSmartTokenAuth } from "../../src/core/auth/static.js";
import { ResponseTooLargeError } from "../../src/core/errors.js";
import { HttpClient } from "../../src/core/http/client.js";
import { DEFAULT_MAX_RESPONSE_BYTES, readBodyBytes } from "../../src/core/http/read-body.js";
import { Hrflow } from "../../src/hrflow/client.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { collectError, registerSecret } from "../support/leaks.js";

registerSecret("endless-api-key-secret");

/**
 * A server whose answers never end (`/endless`), announce a huge length (`/declared`) or are just over the
 * cap (`/big`). It counts what it wrote and notices when the client hangs up.
 */
function endlessServer(): {
  server: Server;
  url: () => string;
  written: () => number;
  closed: () => Promise<void>;
} {
  let written = 0;
  let onClose: () => void = () => undefined;
  let closedPromise = new Promise<void>((resolve) => {
    onClose = resolve;
  });
  const server = createServer((req, res) => {
    written = 0;
    closedPromise = new Promise<void>((resolve) => {
      onClose = resolve;
    });
    res.on("close", () => {
      onClose();
    });
    if (req.url?.startsWith("/declared")) {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(50 * 1024 ** 3) });
      res.write("[");
      return;
    }
    if (req.url?.startsWith("/big")) {
      const body = `{"code":200,"message":"ok","data":"${"x".repeat(4096)}"}`;
      res.writeHead(req.url.startsWith("/big503") ? 503 : 200, { "content-type": "application/json" });
      res.end(body);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      // Bounded so a broken client cannot keep the test running: 64 MiB at most.
      while (!res.destroyed && written < 64 * 1024 * 1024) {
        written += chunk.byteLength;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.write('{"code":200,"message":"ok","data":"');
    pump();
  });
  return {
    server,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    written: () => written,
    closed: () => closedPromise,
  };
}

describe("bounded reads of API answers", () => {
  const fake = endlessServer();
  beforeAll(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    fake.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      fake.server.close(() => {
        resolve();
      });
    });
  });

  const failing = async (promise: Promise<unknown>): Promise<unknown> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    collectError(error);
    return error;
  };

  it("documents a 10 MiB default", () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(10 * 1024 * 1024);
  });

  it("stops an endless vendor answer at the cap, closes the connection and names the vendor and endpoint", async () => {
    const http = new HttpClient({
      vendor: "Greenhouse",
      baseUrl: fake.url(),
      auth: new XSmartTokenAuth({ value: "endless-api-key-secret" }),
      clock: createVirtualClock(),
      maxResponseBytes: 1024 * 1024,
    });
    const error = await failing(
      http.request({ operation: "search candidates", method: "GET", path: "/endless", query: { q: "x" } }),
    );
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({
      name: "ResponseTooLargeError",
      vendor: "Greenhouse",
      operation: "search candidates",
      method: "GET",
      maxBytes: 1024 * 1024,
    });
    expect((error as Error).message).toMatch(
      /^Greenhouse: search candidates failed: GET http:\/\/127\.0\.0\.1:\d+\/endless\?q=x answered 200 with a body larger than 1 MiB/,
    );
    await fake.closed();
    // The client hung up: the server stopped well before its 64 MiB (socket buffers hold a few MiB).
    expect(fake.written()).toBeLessThan(40 * 1024 * 1024);
  });

  it("refuses at once an answer whose Content-Length announces more than the cap", async () => {
    const http = new HttpClient({ vendor: "Taleez", baseUrl: fake.url(), maxResponseBytes: 1000 });
    const error = await failing(
      http.request({ operation: "get candidate", method: "GET", path: "/declared" }),
    );
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect((error as Error).message).toContain("Content-Length: 53687091200");
  });

  it("is not retried, even on a 503 to a GET: a second answer would be just as large", async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls += 1;
      return fetch(input, init);
    };
    const clock = createVirtualClock();
    const client = new HttpClient({
      vendor: "Taleez",
      baseUrl: fake.url(),
      maxResponseBytes: 1000,
      fetch: counting,
      clock,
    });
    const error = await failing(client.request({ operation: "get", method: "GET", path: "/big503" }));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect((error as Error).message).toContain("answered 503");
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("bounds the HrFlow client too", async () => {
    const hrflow = new Hrflow({
      apiSecret: "endless-api-key-secret",
      apiUser: "me@example.com",
      baseUrl: fake.url(),
      maxResponseBytes: 2048,
    });
    const error = await failing(hrflow.getProfile({ sourceKey: "s", key: "k" }));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect((error as Error).message).toMatch(/^HrFlow: Get profile failed: GET .* larger than 2 KiB/);
    expect((error as Error).message).not.toContain("endless-api-key-secret");
  });

  it("reads an answer within the cap whole", async () => {
    const response = await fetch(`${fake.url()}/big`);
    const read = await readBodyBytes(response, 10_000);
    expect(read.ok).toBe(true);
    if (read.ok) expect(JSON.parse(new TextDecoder().decode(read.bytes))).toMatchObject({ code: 200 });
  });
});
