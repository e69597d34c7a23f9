import { describe, expect, it } from "vitest";
import { emptyRunCounts, type RunRecord } from "../../src/core/store/runs.js";
import type { StoreFactory } from "./ledger-contract.js";

/** A run record with defaults. */
export function run(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: "20261130-100000-ab12",
    kind: "batch",
    status: "running",
    startedAt: "2026-11-30T10:00:00.000Z",
    endedAt: undefined,
    command: "hrflow-connectors push-profiles taleez --source-key src --recruiter-id 7",
    counts: emptyRunCounts(),
    reportPath: ".hrflow-connectors/runs/20261130-100000-ab12.jsonl",
    note: undefined,
    ...overrides,
  };
}

/**
 * The runs contract every backend passes: records round-trip, ids are unique, counts add up atomically
 * from several store objects, a run ends once with its final counts, listings are newest first and filter.
 */
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
  });
}
