/**
 * The push ledger: a durable record, per (connector, target account, HrFlow profile), of each push — the
 * vendor ids obtained, which steps completed, the outcome and the last error. A push resumes from it (a
 * candidate created before a failed CV upload is not created again) and recognises profiles without email.
 */

/** How a push ended. `pending` means it is under way or stopped before finishing. */
export type LedgerOutcome = "created" | "updated" | "unchanged" | "partial" | "failed" | "pending";

/** One step of a push (`candidate`, `cv`, `application:123`, ...). */
export interface LedgerStep {
  /** `ambiguous`: the vendor may have executed it (a create whose answer was lost). */
  status: "done" | "failed" | "ambiguous";
  at: string;
  vendorId?: string | undefined;
  detail?: string | undefined;
}

/** Identifies one profile pushed to one account of one vendor. */
export interface LedgerKey {
  connector: string;
  /** Non-secret identity of the target account (base URL, account fingerprint, company/position). */
  target: string;
  profileKey: string;
}

/** Everything the ledger knows about one push. */
export interface LedgerEntry extends LedgerKey {
  sourceKey: string | undefined;
  /** The vendor base URL and the (non-secret) vendor options of the last push, so it can be replayed. */
  baseUrl?: string | undefined;
  options?: Record<string, unknown> | undefined;
  email: string | undefined;
  vendorId: string | undefined;
  outcome: LedgerOutcome;
  steps: Record<string, LedgerStep>;
  attempts: number;
  lastError: { name: string; message: string } | undefined;
  createdAt: string;
  updatedAt: string;
}

/** Filter of {@link PushStore.list}. */
export interface LedgerFilter {
  connector?: string;
  outcomes?: readonly LedgerOutcome[];
}

/** Where ledger entries live. Implementations: {@link createMemoryStore}, {@link createSqliteStore}. */
export interface PushStore {
  get(key: LedgerKey): Promise<LedgerEntry | undefined>;
  put(entry: LedgerEntry): Promise<void>;
  list(filter?: LedgerFilter): Promise<LedgerEntry[]>;
  close(): Promise<void>;
}

/** The string form of a key (for maps and locks). */
export function ledgerId(key: LedgerKey): string {
  return JSON.stringify([key.connector, key.target, key.profileKey]);
}

export function matches(entry: LedgerEntry, filter: LedgerFilter | undefined): boolean {
  if (filter?.connector !== undefined && entry.connector !== filter.connector) return false;
  if (filter?.outcomes !== undefined && !filter.outcomes.includes(entry.outcome)) return false;
  return true;
}
