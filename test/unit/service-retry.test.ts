import { describe, expect, it } from "vitest";
import { retryDelayMs } from "../../src/server/workers.js";

const jobs = { backoffBaseMs: 1_000, backoffMaxMs: 60_000, maxRetryAfterMs: 3_600_000 };

describe("the service's retry delay", () => {
  it("doubles per attempt with jitter over its upper half, up to the cap", () => {
    expect(retryDelayMs(1, jobs, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(1, jobs, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(3, jobs, undefined, () => 1)).toBe(4_000);
    expect(retryDelayMs(30, jobs, undefined, () => 1)).toBe(60_000);
    expect(retryDelayMs(30, jobs, undefined, () => 0)).toBe(30_000);
  });

  it("never retries sooner than the vendor's Retry-After, which is cut at its own cap", () => {
    expect(retryDelayMs(1, jobs, 120_000, () => 1)).toBe(120_000);
    expect(retryDelayMs(1, jobs, 10 * 3_600_000, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(5, jobs, -5, () => 1)).toBe(16_000);
  });
});
