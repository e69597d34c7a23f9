import { describe, expect, it } from "vitest";
import { LocalRateLimiter } from "../../src/core/http/rate-limiter.js";
import { createVirtualClock } from "../../src/testing/clock.js";

describe("LocalRateLimiter", () => {
  it("anchors the window on answers: request N+1 starts perMs after the answer to request 1, however long it took", async () => {
    const clock = createVirtualClock();
    const limiter = new LocalRateLimiter({ requests: 2, perMs: 1000, concurrency: 10, marginMs: 0 }, clock);
    const starts: number[] = [];
    const answers: number[] = [];
    const task = (index: number, ms: number) => async (): Promise<void> => {
      starts[index] = clock.now();
      await clock.sleep(ms);
      answers[index] = clock.now();
    };
    await Promise.all([
      limiter.schedule(undefined, task(0, 700)),
      limiter.schedule(undefined, task(1, 10)),
      limiter.schedule(undefined, task(2, 10)),
      limiter.schedule(undefined, task(3, 10)),
    ]);
    // Request 0 may have reached the vendor as late as its answer: request 2 starts a full window after it.
    expect(starts[2]).toBeGreaterThanOrEqual((answers[0] ?? 0) + 1000);
    expect(starts[3]).toBeGreaterThanOrEqual((answers[1] ?? 0) + 1000);
  });

  it("never lets more than `concurrency` run, nor more than a lane's own cap", async () => {
    const clock = createVirtualClock();
    const limiter = new LocalRateLimiter({ perMs: 1000, concurrency: 3, lanes: { search: 1 } }, clock);
    let running = 0;
    let most = 0;
    let searching = 0;
    let mostSearching = 0;
    const task = (lane: string | undefined) => async (): Promise<void> => {
      running++;
      if (lane) searching++;
      most = Math.max(most, running);
      mostSearching = Math.max(mostSearching, searching);
      await clock.sleep(5);
      running--;
      if (lane) searching--;
    };
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const lane = i % 2 === 0 ? "search" : undefined;
        return limiter.schedule(lane, task(lane));
      }),
    );
    expect(most).toBe(3);
    expect(mostSearching).toBe(1);
  });

  it("follows quota headers without overdrawing: requests in flight count as spent", async () => {
    const clock = createVirtualClock();
    const limiter = new LocalRateLimiter({ perMs: 30_000, concurrency: 2 }, clock);
    const resetS = Math.ceil(clock.now() / 1000) + 20;
    const starts: number[] = [];
    // The first answer says 1 is left while another request is still in flight, which the vendor may not
    // have counted yet: nothing more may start before the reset.
    const first = limiter.schedule(undefined, async () => {
      starts.push(clock.now());
      await Promise.resolve();
      limiter.observe(new Headers({ "x-ratelimit-remaining": "1", "x-ratelimit-reset": String(resetS) }));
    });
    const others = Array.from({ length: 3 }, () =>
      limiter.schedule(undefined, async () => {
        starts.push(clock.now());
        await clock.sleep(1);
      }),
    );
    await Promise.all([first, ...others]);
    expect(starts.filter((t) => t < resetS * 1000)).toHaveLength(2);
    expect(starts).toHaveLength(4);
  });
});
