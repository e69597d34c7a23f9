import { describe, expect, it } from "vitest";
import {
  DEFAULT_RUN_STALE_MS,
  emptyRunCounts,
  settleAbandonedRuns,
  type RunRecord,
  type RunStore,
} from "../../src/core/store/runs.js";
import type { StoreFactory } from "./ledger-contract.js";

/** A run record with defaults. */
export function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: "20261130-100000-ab12",
    kind: "batch",
    status: "running",
    startedAt: "2026-11-30T10:00:00.000Z",
    endedAt: undefined,
    lastSeenAt: "2026-11-30T10:00:00.000Z",
    command: "hrflow-connectors push-profiles taleez --source-key src --recruiter-id 7",
    counts: emptyRunCounts(),
    reportPath: ".hrflow-connectors/runs/20261130-100000-ab12.jsonl",
    note: undefined,
    ...overrides,
  };
}

/**
 * The runs contract every backend passes: records round-trip, ids are unique, counts add up atomically
 * from several store objects, a run ends once with its final counts, listings are newest first and filter,
 * heartbeats keep a run alive and abandoned runs (no sign of life for too long) are ended as interrupted.
 */
/**
 * A run recorded before the stores kept its last sign of life (inserted by the caller as `old`, started
 * 2026-11-30T10:00:00.000Z, still running): it reads without one, and its start stands in when it is settled.
 */
export async function expectRunFromBeforeLastSeenSettles(runs: RunStore, note: RegExp): Promise<void> {
  const old = await runs.get("old");
  expect(old?.status).toBe("running");
  expect(old?.lastSeenAt).toBeUndefined();
  const settled = await settleAbandonedRuns(runs, Date.parse("2026-11-30T10:03:00.001Z"), 180_000);
  expect(settled.map((r) => r.id)).toEqual(["old"]);
  const ended = await runs.get("old");
  expect(ended?.status).toBe("interrupted");
  expect(ended?.endedAt).toBe("2026-11-30T10:00:00.000Z");
  expect(ended?.note).toMatch(note);
}

export function runsContract(factory: StoreFactory): void {
  describe(`runs contract: ${factory.name}`, () => {
    it("round-trips a run, with undefined fields kept undefined", async () => {
      const store = await factory.open();
      try {
        await store.runs.create(run());
        expect(await store.runs.get("20261130-100000-ab12")).toEqual(run());
        await store.runs.create(run({ id: "r2", reportPath: undefined, kind: "service" }));
        expect(await store.runs.get("r2")).toEqual(run({ id: "r2", reportPath: undefined, kind: "service" }));
        expect(await store.runs.get("nope")).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it("refuses a second run with the same id and keeps the first", async () => {
      const store = await factory.open();
      try {
        await store.runs.create(run({ command: "first" }));
        await expect(store.runs.create(run({ command: "second" }))).rejects.toThrow();
        expect((await store.runs.get(run().id))?.command).toBe("first");
      } finally {
        await store.close();
      }
    });

    it("adds counts from several store objects without losing any", async () => {
      const store = await factory.open();
      const other = await factory.reopen();
      try {
        await store.runs.create(run());
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 === 0 ? store : other).runs.count(run().id, { created: 1, failed: i % 5 === 0 ? 1 : 0 }),
          ),
        );
        const counted = await store.runs.get(run().id);
        expect(counted?.counts).toEqual({ ...emptyRunCounts(), created: 20, failed: 4 });
        expect(await store.runs.count("nope", { created: 1 })).toBe(false);
      } finally {
        if (other !== store) await other.close();
        await store.close();
      }
    });

    it("finishes a run with its status, end, note and final counts", async () => {
      const store = await factory.open();
      try {
        await store.runs.create(run());
        await store.runs.count(run().id, { created: 3 });
        expect(
          await store.runs.finish(run().id, {
            status: "incomplete",
            endedAt: "2026-11-30T10:05:00.000Z",
            note: "2 failed: re-run the same command",
            counts: { ...emptyRunCounts(), created: 5, failed: 2 },
          }),
        ).toBe(true);
        expect(await store.runs.get(run().id)).toEqual(
          run({
            status: "incomplete",
            endedAt: "2026-11-30T10:05:00.000Z",
            note: "2 failed: re-run the same command",
            counts: { ...emptyRunCounts(), created: 5, failed: 2 },
          }),
        );
        // Without counts, the counts kept so far stay; without a note, the note stays.
        await store.runs.create(run({ id: "r2" }));
        await store.runs.count("r2", { unchanged: 4 });
        await store.runs.finish("r2", { status: "completed", endedAt: "2026-11-30T10:06:00.000Z" });
        const r2 = await store.runs.get("r2");
        expect(r2?.counts.unchanged).toBe(4);
        expect(r2?.status).toBe("completed");
        expect(r2?.note).toBeUndefined();
        expect(
          await store.runs.finish("nope", { status: "failed", endedAt: "2026-11-30T10:06:00.000Z" }),
        ).toBe(false);
      } finally {
        await store.close();
      }
    });

    it("lists newest first, filters by kind, status and start, and pages with a limit", async () => {
      const store = await factory.open();
      try {
        await store.runs.create(run({ id: "a", startedAt: "2026-11-30T09:00:00.000Z", status: "completed" }));
        await store.runs.create(run({ id: "b", startedAt: "2026-11-30T11:00:00.000Z" }));
        await store.runs.create(
          run({ id: "c", startedAt: "2026-11-30T10:00:00.000Z", kind: "service", status: "failed" }),
        );
        const ids = async (filter?: Parameters<typeof store.runs.list>[0]): Promise<string[]> =>
          (await store.runs.list(filter)).map((r) => r.id);
        expect(await ids()).toEqual(["b", "c", "a"]);
        expect(await ids({ kind: "batch" })).toEqual(["b", "a"]);
        expect(await ids({ statuses: ["failed", "completed"] })).toEqual(["c", "a"]);
        expect(await ids({ statuses: [] })).toEqual([]);
        expect(await ids({ limit: 2 })).toEqual(["b", "c"]);
        expect(await ids({ startedBefore: "2026-11-30T10:00:00.000Z" })).toEqual(["a"]);
      } finally {
        await store.close();
      }
    });

    it("keeps runs across store objects on the same database", async () => {
      const store = await factory.open();
      try {
        await store.runs.create(run());
        const other = await factory.reopen();
        try {
          expect((await other.runs.get(run().id))?.command).toBe(run().command);
        } finally {
          if (other !== store) await other.close();
        }
      } finally {
        await store.close();
      }
    });
    it("keeps a run's last sign of life: startedAt at creation, then each heartbeat", async () => {
      const store = await factory.open();
      try {
        await store.runs.create(run({ lastSeenAt: undefined }));
        expect((await store.runs.get(run().id))?.lastSeenAt).toBe(run().startedAt);
        expect(await store.runs.heartbeat(run().id, "2026-11-30T10:00:30.000Z")).toBe(true);
        expect(await store.runs.get(run().id)).toEqual(run({ lastSeenAt: "2026-11-30T10:00:30.000Z" }));
        expect(await store.runs.heartbeat("nope", "2026-11-30T10:00:30.000Z")).toBe(false);
        // A run its process ended stays ended: a heartbeat never reopens it.
        await store.runs.finish(run().id, {
          status: "interrupted",
          endedAt: "2026-11-30T10:01:00.000Z",
          note: "interrupted: run the same command again to resume",
        });
        expect(await store.runs.heartbeat(run().id, "2026-11-30T10:01:30.000Z")).toBe(false);
        expect(await store.runs.get(run().id)).toEqual(
          run({
            status: "interrupted",
            endedAt: "2026-11-30T10:01:00.000Z",
            lastSeenAt: "2026-11-30T10:00:30.000Z",
            note: "interrupted: run the same command again to resume",
          }),
        );
      } finally {
        await store.close();
      }
    });

    it("ends only the running runs without a sign of life for too long, as interrupted at their last one", async () => {
      const store = await factory.open();
      try {
        const now = Date.parse("2026-11-30T10:10:00.000Z");
        await store.runs.create(run({ id: "stale", lastSeenAt: "2026-11-30T10:02:00.000Z" }));
        await store.runs.count("stale", { created: 2, failed: 1 });
        await store.runs.create(
          run({ id: "stale-service", kind: "service", lastSeenAt: "2026-11-30T10:06:59.999Z" }),
        );
        await store.runs.create(run({ id: "fresh", lastSeenAt: "2026-11-30T10:07:00.000Z" }));
        await store.runs.create(run({ id: "beating" }));
        await store.runs.heartbeat("beating", "2026-11-30T10:09:30.000Z");
        await store.runs.create(run({ id: "ended" }));
        await store.runs.finish("ended", {
          status: "completed",
          endedAt: "2026-11-30T10:01:00.000Z",
          note: "all arrived",
        });

        const settled = await settleAbandonedRuns(store.runs, now, DEFAULT_RUN_STALE_MS);
        expect(settled.map((r) => r.id).sort()).toEqual(["stale", "stale-service"]);

        const stale = await store.runs.get("stale");
        expect(stale).toEqual(
          run({
            id: "stale",
            status: "interrupted",
            endedAt: "2026-11-30T10:02:00.000Z",
            lastSeenAt: "2026-11-30T10:02:00.000Z",
            counts: { ...emptyRunCounts(), created: 2, failed: 1 },
            note: "no sign of life since 2026-11-30T10:02:00.000Z: its process stopped without ending the run (killed?); re-running the same command resumes it",
          }),
        );
        const service = await store.runs.get("stale-service");
        expect(service?.status).toBe("interrupted");
        expect(service?.endedAt).toBe("2026-11-30T10:06:59.999Z");
        expect(service?.note).toMatch(
          /^no sign of life since 2026-11-30T10:06:59\.999Z: the serve process stopped without shutting down/,
        );
        for (const id of ["fresh", "beating"]) {
          const live = await store.runs.get(id);
          expect(live?.status, id).toBe("running");
          expect(live?.endedAt, id).toBeUndefined();
          expect(live?.note, id).toBeUndefined();
        }
        expect((await store.runs.get("ended"))?.note).toBe("all arrived");
        // Settling again finds nothing left to end.
        expect(await settleAbandonedRuns(store.runs, now, DEFAULT_RUN_STALE_MS)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it("leaves running a run whose heartbeat lands after the look and before the change", async () => {
      const store = await factory.open();
      const other = await factory.reopen();
      try {
        const now = Date.parse("2026-11-30T10:10:00.000Z");
        await store.runs.create(run({ id: "late" }));
        // The settler reads the run as stale; its process (another store object) shows a sign of life
        // just before the settler writes.
        const racing: RunStore = {
          ...store.runs,
          list: async (filter) => {
            const found = await store.runs.list(filter);
            await other.runs.heartbeat("late", "2026-11-30T10:09:59.000Z");
            return found;
          },
        };
        expect(await settleAbandonedRuns(racing, now, DEFAULT_RUN_STALE_MS)).toEqual([]);
        expect(await store.runs.get("late")).toEqual(
          run({ id: "late", lastSeenAt: "2026-11-30T10:09:59.000Z" }),
        );
        // The conditional end itself: not running any more, or seen since, and nothing changes.
        expect(
          await store.runs.finish("late", {
            status: "interrupted",
            endedAt: "2026-11-30T10:00:00.000Z",
            ifStaleBefore: "2026-11-30T10:07:00.000Z",
          }),
        ).toBe(false);
        expect((await store.runs.get("late"))?.status).toBe("running");
        await store.runs.finish("late", { status: "completed", endedAt: "2026-11-30T10:11:00.000Z" });
        expect(
          await store.runs.finish("late", {
            status: "interrupted",
            endedAt: "2026-11-30T10:00:00.000Z",
            ifStaleBefore: "2026-11-30T10:30:00.000Z",
          }),
        ).toBe(false);
        expect((await store.runs.get("late"))?.status).toBe("completed");
      } finally {
        if (other !== store) await other.close();
        await store.close();
      }
    });

    it("lets a run settled as abandoned whose process was alive run again, or record its real end", async () => {
      const store = await factory.open();
      try {
        const now = Date.parse("2026-11-30T10:10:00.000Z");
        await store.runs.create(run({ id: "alive" }));
        await store.runs.create(run({ id: "ends" }));
        await store.runs.count("ends", { updated: 3 });
        expect((await settleAbandonedRuns(store.runs, now, DEFAULT_RUN_STALE_MS)).length).toBe(2);
        // A heartbeat: running again, without the end and note of the settling.
        expect(await store.runs.heartbeat("alive", "2026-11-30T10:10:05.000Z")).toBe(true);
        expect(await store.runs.get("alive")).toEqual(
          run({ id: "alive", lastSeenAt: "2026-11-30T10:10:05.000Z" }),
        );
        // Its own end overwrites the settling's.
        expect(
          await store.runs.finish("ends", {
            status: "completed",
            endedAt: "2026-11-30T10:12:00.000Z",
            note: "done",
          }),
        ).toBe(true);
        const ends = await store.runs.get("ends");
        expect(ends?.status).toBe("completed");
        expect(ends?.endedAt).toBe("2026-11-30T10:12:00.000Z");
        expect(ends?.note).toBe("done");
        expect(ends?.counts.updated).toBe(3);
      } finally {
        await store.close();
      }
    });
  });
}
