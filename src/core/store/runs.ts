/**
 * Runs: what a batch (`push-profiles`) or the webhook service did, as one record per run, kept in the same
 * database as the ledger so that `hrflow-connectors runs`, the service's operations API and a dashboard
 * read the same records. A run record holds counts and where its report is, never profile data or secrets.
 *
 * A backend implements {@link RunStore}; callers never branch on the backend.
 */

/** What kind of program the run was. */
export type RunKind = "batch" | "service";

/**
 * How a run stands. `running`: under way (or its process died without ending it); `completed`: ended,
 * every item arrived; `incomplete`: ended, some items did not arrive (re-running finishes them);
 * `interrupted`: stopped early by a signal (re-running resumes it); `failed`: could not start or stopped on
 * an error that concerns the whole run (the note says which).
 */
export type RunStatus = "running" | "completed" | "incomplete" | "interrupted" | "failed";

/** Every counter a run keeps, in display order. */
export const RUN_COUNTERS = [
  "created",
  "updated",
  "unchanged",
  "skipped",
  "partial",
  "failed",
  "refused",
  "discarded",
] as const;

/**
 * One counter of a run: items (a profile pushed to one target) by how they ended. `skipped`: the ledger
 * says it is done and the profile did not change, so nothing was sent; `refused`: the profile cannot become
 * a valid vendor payload (a mapping error); `discarded`: dropped by the user's logics.
 */
export type RunCounter = (typeof RUN_COUNTERS)[number];

/** The counters of a run. */
export type RunCounts = Record<RunCounter, number>;

/** Counts all at zero. */
export function emptyRunCounts(): RunCounts {
  return {
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    partial: 0,
    failed: 0,
    refused: 0,
    discarded: 0,
  };
}

/** The counts of a row that keeps one column per counter (SQLite, PostgreSQL). */
export function runCountsOf(row: Readonly<Record<RunCounter, number>>): RunCounts {
  const counts = emptyRunCounts();
  for (const name of RUN_COUNTERS) counts[name] = row[name];
  return counts;
}

/** Counts with a delta added. */
export function addRunCounts(counts: RunCounts, delta: Partial<RunCounts>): RunCounts {
  const sum = { ...counts };
  for (const name of RUN_COUNTERS) sum[name] += delta[name] ?? 0;
  return sum;
}

/** One run as the store keeps it. */
export interface RunRecord {
  /** Unique, chosen by the caller (sortable by start time is kind to people: `20261130-100000-ab12`). */
  id: string;
  kind: RunKind;
  status: RunStatus;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601; undefined while running. */
  endedAt: string | undefined;
  /** The command line (or the service's description) without any secret, to show and to re-run. */
  command: string;
  counts: RunCounts;
  /** The JSON Lines report of the run, when it writes one. */
  reportPath: string | undefined;
  /** Why it ended as it did (the error of a failed run, how to resume an interrupted one); never a secret. */
  note: string | undefined;
}

/** How a run ends (see {@link RunStore.finish}). */
export interface RunEnd {
  status: Exclude<RunStatus, "running">;
  /** ISO 8601. */
  endedAt: string;
  note?: string | undefined;
  /** The final counts, replacing the ones kept so far (a batch that counted itself). */
  counts?: RunCounts | undefined;
}

/** Filter of {@link RunStore.list}. */
export interface RunFilter {
  kind?: RunKind | undefined;
  statuses?: readonly RunStatus[] | undefined;
  /** Only runs started before this time (ISO 8601): the next page of a listing. */
  startedBefore?: string | undefined;
  /** At most this many. */
  limit?: number | undefined;
}

/** Where run records live (`Store.runs`). */
export interface RunStore {
  /** Records a new run; rejects when a run with this id exists. */
  create(run: RunRecord): Promise<void>;
  /**
   * Adds to the counts of a run, atomically (several workers may count for one run at once). Resolves to
   * false when there is no such run.
   */
  count(id: string, delta: Partial<RunCounts>): Promise<boolean>;
  /** Ends a run (status, end time, note, final counts). Resolves to false when there is no such run. */
  finish(id: string, end: RunEnd): Promise<boolean>;
  get(id: string): Promise<RunRecord | undefined>;
  /** Runs, most recently started first. */
  list(filter?: RunFilter): Promise<RunRecord[]>;
}

/** True when a run passes a filter (the backends that filter in memory use it). */
export function matchesRunFilter(run: RunRecord, filter: RunFilter | undefined): boolean {
  if (filter?.kind !== undefined && run.kind !== filter.kind) return false;
  if (filter?.statuses !== undefined && !filter.statuses.includes(run.status)) return false;
  if (filter?.startedBefore !== undefined && !(run.startedAt < filter.startedBefore)) return false;
  return true;
}
