import { afterEach, describe, expect, it } from "vitest";
import { FakeServer } from "../../src/testing/fake-server.js";
import { SmartRecruitersFake } from "../../src/testing/smartrecruiters-fake.js";
import { TaleezFake } from "../../src/testing/taleez-fake.js";

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A fake whose `/hold` requests stay in flight until released. */
async function holdingFake(): Promise<{ fake: FakeServer; release: () => void }> {
  const fake = new FakeServer("limits");
  let waiting: (() => void)[] = [];
  fake.route("GET", "/ok", () => ({ status: 200, body: { ok: true } }));
  fake.route(
    "GET",
    "/hold",
    () =>
      new Promise((resolve) =>
        waiting.push(() => {
          resolve({ status: 200 });
        }),
      ),
  );
  fake.route(
    "GET",
    "/search",
    () =>
      new Promise((resolve) =>
        waiting.push(() => {
          resolve({ status: 200 });
        }),
      ),
  );
  await fake.listen();
  servers.push(fake);
  return {
    fake,
    release: () => {
      const all = waiting;
      waiting = [];
      for (const done of all) done();
    },
  };
}

const get = (url: string, token = "t1"): Promise<Response> =>
  fetch(url, { headers: { authorization: token } });

/** Resolves once the fake has received `n` requests in total. */
async function received(fake: FakeServer, n: number): Promise<void> {
  while (fake.limitStats().requests < n) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe("fake rate and concurrency limits", () => {
  it("refuses what goes over a sliding window, per credential, with Retry-After when asked", async () => {
    const { fake } = await holdingFake();
    fake.limit({ requests: 3, perMs: 60_000, retryAfter: true });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(`${fake.url}/ok`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await get(`${fake.url}/ok`);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(50);
    // Another credential has its own window.
    expect((await get(`${fake.url}/ok`, "t2")).status).toBe(200);
    const stats = fake.limitStats();
    expect(stats).toMatchObject({ requests: 7, throttled: 3, throttledByRate: 3, throttledByConcurrency: 0 });
    // Refused requests count in what the client sent within one window.
    expect(stats.maxInWindow).toBe(6);
    // Refused requests are recorded like the others.
    expect(fake.requests).toHaveLength(7);
  });

  it("frees the window as requests age out of it (sliding, not fixed)", async () => {
    const { fake } = await holdingFake();
    fake.limit({ requests: 2, perMs: 150 });
    expect((await get(`${fake.url}/ok`)).status).toBe(200);
    expect((await get(`${fake.url}/ok`)).status).toBe(200);
    expect((await get(`${fake.url}/ok`)).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await get(`${fake.url}/ok`)).status).toBe(200);
    expect(fake.limitStats().throttled).toBe(1);
  });

  it("counts requests in flight per credential and per lane", async () => {
    const { fake, release } = await holdingFake();
    fake.limit({
      concurrency: 2,
      lanes: [{ name: "search", method: "GET", path: /^\/search$/, concurrency: 1 }],
    });
    const first = get(`${fake.url}/hold`);
    const second = get(`${fake.url}/search`);
    await received(fake, 2);
    const third = await get(`${fake.url}/ok`);
    expect(third.status).toBe(429);
    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    // The lane alone: one search at a time.
    const search = get(`${fake.url}/search`);
    await received(fake, 4);
    expect((await get(`${fake.url}/search`)).status).toBe(429);
    release();
    expect((await search).status).toBe(200);
    const stats = fake.limitStats();
    expect(stats.throttledByConcurrency).toBe(2);
    expect(stats.maxInFlight).toBe(3);
    expect(stats.lanes["search"]?.maxInFlight).toBe(2);
  });

  it("leaves scripted faults to the requests that were admitted", async () => {
    const { fake } = await holdingFake();
    fake.limit({ requests: 1, perMs: 60_000 });
    fake.fail({ path: "/ok", status: 503 });
    expect((await get(`${fake.url}/ok`)).status).toBe(503);
    expect((await get(`${fake.url}/ok`)).status).toBe(429);
    // A scripted 503 or 429 is not a throttle.
    expect(fake.limitStats().throttled).toBe(1);
  });

  it("adds latency to every request and can lift the limits", async () => {
    const { fake } = await holdingFake();
    fake.latency(30).limit({});
    await Promise.all([get(`${fake.url}/ok`), get(`${fake.url}/ok`), get(`${fake.url}/ok`)]);
    expect(fake.limitStats().maxInFlight).toBe(3);
    fake.limit(undefined).latency(0);
    expect((await get(`${fake.url}/ok`)).status).toBe(200);
  });

  it("SmartRecruiters: 10 per second, 8 in flight, one candidate search, 429 without Retry-After", async () => {
    const fake = new SmartRecruitersFake().enforceVendorLimits({ perMs: 60_000 });
    await fake.listen();
    servers.push(fake);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fetch(`${fake.url}/candidates/nope-${i}`, { headers: { "x-smarttoken": fake.token } }),
      ),
    );
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.every((a) => a.headers.get("retry-after") === null)).toBe(true);
    const body: unknown = await refused[0]?.json();
    expect(body).toMatchObject({ errors: [{ code: "TOO_MANY_REQUESTS" }] });
    expect(fake.limitStats().throttled).toBe(refused.length);
  });

  it("Taleez: limits per API secret with Retry-After", async () => {
    const fake = new TaleezFake().enforceVendorLimits({ requests: 1, perMs: 60_000 });
    await fake.listen();
    servers.push(fake);
    const headers = { "x-taleez-api-secret": fake.secret };
    expect((await fetch(`${fake.url}/0/candidates/1`, { headers })).status).toBe(404);
    const refused = await fetch(`${fake.url}/0/candidates/1`, { headers });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).not.toBeNull();
  });
});
