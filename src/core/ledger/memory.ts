import {
  ledgerId,
  matches,
  type LedgerEntry,
  type LedgerFilter,
  type LedgerKey,
  type PushStore,
} from "./types.js";

/** A ledger kept in memory (lost when the process ends). Entries are copied in and out. */
export function createMemoryStore(): PushStore {
  const entries = new Map<string, LedgerEntry>();
  const copy = (entry: LedgerEntry): LedgerEntry => structuredClone(entry);
  return {
    get: (key: LedgerKey) => {
      const entry = entries.get(ledgerId(key));
      return Promise.resolve(entry ? copy(entry) : undefined);
    },
    put: (entry: LedgerEntry) => {
      entries.set(ledgerId(entry), copy(entry));
      return Promise.resolve();
    },
    list: (filter?: LedgerFilter) =>
      Promise.resolve([...entries.values()].filter((e) => matches(e, filter)).map(copy)),
    close: () => Promise.resolve(),
  };
}

let processStore: PushStore | undefined;

/**
 * The in-memory ledger shared by every push of this process that was given no `store`, so a second push
 * of the same profile in the same process is recognised even without a database.
 */
export function defaultProcessStore(): PushStore {
  processStore ??= createMemoryStore();
  return processStore;
}
