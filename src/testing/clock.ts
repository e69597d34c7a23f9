import type { Clock } from "../core/clock.js";

/** A clock whose `sleep` returns at once and moves time forward: waits are asserted, not endured. */
export interface VirtualClock extends Clock {
  /** Every sleep requested, in order (ms). */
  readonly sleeps: number[];
  /** Moves time forward. */
  advance(ms: number): void;
}

/** Creates a {@link VirtualClock} starting at `startMs` (default 2026-11-02T10:00:00Z). */
export function createVirtualClock(startMs = Date.UTC(2026, 10, 2, 10, 0, 0)): VirtualClock {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      now += Math.max(0, ms);
      await Promise.resolve();
    },
  };
}
