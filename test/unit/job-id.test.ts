import { describe, expect, it } from "vitest";
import { newJobId } from "../../src/core/store/queue.js";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newJobId", () => {
  it("is a version 7 UUID whose first 48 bits are the time in milliseconds", () => {
    for (const ms of [0, 1, 1_796_070_000_123, 2 ** 48 - 1]) {
      const id = newJobId(ms);
      expect(id).toMatch(V7);
      expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(ms);
    }
  });

  it("sorts by creation time across milliseconds, and never repeats", () => {
    const ids: string[] = [];
    for (let ms = 1_796_070_000_000; ms < 1_796_070_000_100; ms++)
      for (let i = 0; i < 100; i++) ids.push(newJobId(ms));
    expect(new Set(ids).size).toBe(ids.length);
    // Sorted as text, every id of a later millisecond comes after every id of an earlier one.
    const times = [...ids].sort().map((id) => id.slice(0, 13));
    expect(times).toEqual(ids.map((id) => id.slice(0, 13)));
  });
});
