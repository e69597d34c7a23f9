import { createMemoryQueue } from "./memory-queue.js";
import {
  ClaimLostError,
  ledgerId,
  matchesFilter,
  UNFINISHED,
  type Claim,
  type ClaimHeld,
  type LedgerEntry,
  type LedgerFilter,
  type LedgerKey,
  type LedgerStore,
  type Store,
} from "./types.js";
import { addRunCounts, lastSignOfLife, matchesRunFilter, type RunRecord, type RunStore } from "./runs.js";

interface ClaimRow {
  owner: string | undefined;
  token: number;
  expiresAt: number;
}

/** The ledger part of {@link createMemoryStore}; entries are copied in and out. */
function memoryLedger(entries: Map<string, LedgerEntry>): LedgerStore {
  const claims = new Map<string, ClaimRow>();
  const copy = (entry: LedgerEntry): LedgerEntry => structuredClone(entry);
  const holds = (claim: Claim): boolean => {
    const row = claims.get(ledgerId(claim));
    return row !== undefined && row.owner === claim.owner && row.token === claim.token;
  };
  return {
    get: (key) => {
      const entry = entries.get(ledgerId(key));
      return Promise.resolve(entry ? copy(entry) : undefined);
    },
    put: (entry, claim) => {
      if (claim && !holds(claim)) return Promise.reject(new ClaimLostError(entry, claim.owner));
      entries.set(ledgerId(entry), copy(entry));
      return Promise.resolve();
    },
    list: (filter?: LedgerFilter) => {
      const found = [...entries.values()].filter((e) => matchesFilter(e, filter));
      found.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
      return Promise.resolve(found.slice(0, filter?.limit ?? found.length).map(copy));
    },
    forget: (key) => Promise.resolve(entries.delete(ledgerId(key))),
    claim: (key: LedgerKey, owner, leaseMs, nowMs): Promise<Claim | ClaimHeld> => {
      const id = ledgerId(key);
      const row = claims.get(id);
      if (row?.owner !== undefined && row.owner !== owner && row.expiresAt > nowMs)
        return Promise.resolve({ heldBy: row.owner, expiresAt: row.expiresAt });
      const token = row?.owner === owner && row.expiresAt > nowMs ? row.token : (row?.token ?? 0) + 1;
      const next = { owner, token, expiresAt: nowMs + leaseMs };
      claims.set(id, next);
      return Promise.resolve({ ...key, ...next });
    },
    renew: (claim, leaseMs, nowMs) => {
      if (!holds(claim)) return Promise.resolve(undefined);
      const row = { owner: claim.owner, token: claim.token, expiresAt: nowMs + leaseMs };
      claims.set(ledgerId(claim), row);
      return Promise.resolve({ ...claim, expiresAt: row.expiresAt });
    },
    release: (claim) => {
      if (holds(claim)) claims.set(ledgerId(claim), { owner: undefined, token: claim.token, expiresAt: 0 });
      return Promise.resolve();
    },
    purge: (before) => {
      let removed = 0;
      for (const [id, entry] of entries) {
        const claimed = claims.get(id)?.owner !== undefined;
        if (entry.updatedAt < before && !UNFINISHED.includes(entry.outcome) && !claimed) {
          entries.delete(id);
          removed++;
        }
      }
      return Promise.resolve(removed);
    },
  };
}

/** The runs part of {@link createMemoryStore}; records are copied in and out. */
function memoryRuns(): RunStore {
  const runs = new Map<string, RunRecord>();
  const copy = (run: RunRecord): RunRecord => structuredClone(run);
  return {
    create: (run) => {
      if (runs.has(run.id)) return Promise.reject(new Error(`a run with id ${run.id} exists already`));
      runs.set(run.id, { ...copy(run), lastSeenAt: run.lastSeenAt ?? run.startedAt });
      return Promise.resolve();
    },
    count: (id, delta) => {
      const run = runs.get(id);
      if (run) run.counts = addRunCounts(run.counts, delta);
      return Promise.resolve(run !== undefined);
    },
    finish: (id, end) => {
      const run = runs.get(id);
      if (
        run &&
        end.ifStaleBefore !== undefined &&
        !(run.status === "running" && Date.parse(lastSignOfLife(run)) < Date.parse(end.ifStaleBefore))
      )
        return Promise.resolve(false);
      if (run) {
        run.status = end.status;
        run.endedAt = end.endedAt;
        if (end.note !== undefined) run.note = end.note;
        if (end.counts !== undefined) run.counts = { ...end.counts };
      }
      return Promise.resolve(run !== undefined);
    },
    heartbeat: (id, at) => {
      const run = runs.get(id);
      if (!run) return Promise.resolve(false);
      if (run.status === "running") {
        run.lastSeenAt = at;
        return Promise.resolve(true);
      }
      // Settled as abandoned (ended at its last sign of life) while its process was alive: running again.
      if (run.status === "interrupted" && run.endedAt === lastSignOfLife(run)) {
        Object.assign(run, { status: "running", endedAt: undefined, note: undefined, lastSeenAt: at });
        return Promise.resolve(true);
      }
      return Promise.resolve(false);
    },
    get: (id) => {
      const run = runs.get(id);
      return Promise.resolve(run ? copy(run) : undefined);
    },
    list: (filter) => {
      const found = [...runs.values()].filter((r) => matchesRunFilter(r, filter));
      found.sort((a, b) =>
        a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.id < b.id ? 1 : -1,
      );
      return Promise.resolve(found.slice(0, filter?.limit ?? found.length).map(copy));
    },
  };
}

/**
 * A store kept in memory, lost when the process ends: for tests and for one-off library calls. Claims and
 * the job queue work within the process only.
 */
export function createMemoryStore(): Store {
  const entries = new Map<string, LedgerEntry>();
  return {
    kind: "memory",
    location: "memory",
    ledger: memoryLedger(entries),
    queue: createMemoryQueue((entry) => {
      const id = ledgerId(entry);
      if (!entries.has(id)) entries.set(id, structuredClone(entry));
    }),
    runs: memoryRuns(),
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
