/**
 * Runs: what a batch (`push-profiles`) or the webhook service did, as one record per run, kept in the same
 * database as the ledger so that `hrflow-connectors runs`, the service's operations API and a dashboard
 * read the same records. A run record holds counts and where its report is, never profile data or secrets.
 *
 * A backend implements {@link RunStore}; callers never branch on the backend.
 */
import { z } from "zod";

/** What kind of program the run was. */
export type RunKind = "batch" | "service";

/**
 * How a run stands. `running`: under way (its process shows a sign of life every
 * {@link DEFAULT_RUN_HEARTBEAT_MS}); `completed`: ended, every item arrived; `incomplete`: ended, some
 * items did not arrive (re-running finishes them); `interrupted`: stopped early by a signal, or its process
 * died without ending it (see {@link settleAbandonedRuns}; re-running resumes it); `failed`: could not start
 * or stopped on an error that concerns the whole run (the note says which).
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

/**
 * Reads a run from a row of the `runs` table as SQLite and PostgreSQL keep it (one column per counter);
 * `time` reads a time column as ISO 8601 (text in SQLite, a `Date` from PostgreSQL). A row that does not
 * parse reads as absent.
 */
export function runRowDecoder(time: z.ZodType<string>): (row: unknown) => RunRecord | undefined {
  const count = z.number().int();
  const schema = z.object({
    id: z.string(),
    kind: z.enum(["batch", "service"]),
    status: z.enum(["running", "completed", "incomplete", "interrupted", "failed"]),
    started_at: time,
    ended_at: time.nullable(),
    last_seen_at: time.nullable(),
    command: z.string(),
    report_path: z.string().nullable(),
    note: z.string().nullable(),
    created: count,
    updated: count,
    unchanged: count,
    skipped: count,
    partial: count,
    failed: count,
    refused: count,
    discarded: count,
  });
  return (row) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) return undefined;
    const { id, kind, status, started_at, ended_at, last_seen_at, command, report_path, note, ...counts } =
      parsed.data;
    return {
      id,
      kind,
      status,
      startedAt: started_at,
      endedAt: ended_at ?? undefined,
      lastSeenAt: last_seen_at ?? undefined,
      command,
      counts,
      reportPath: report_path ?? undefined,
      note: note ?? undefined,
    };
  };
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
  /**
   * ISO 8601: the last sign of life of the run's process ({@link RunStore.heartbeat}), `startedAt` when it
   * is created. Undefined only for runs recorded before the stores kept it (their `startedAt` stands in).
   */
  lastSeenAt: string | undefined;
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
  /**
   * Ends the run only if it is still `running` and its last sign of life (`lastSeenAt`, else `startedAt`)
   * is before this time (ISO 8601); otherwise nothing changes and `finish` resolves to false. The check and
   * the change are one statement, so a heartbeat that lands first keeps its run running
   * ({@link settleAbandonedRuns} uses it).
   */
  ifStaleBefore?: string | undefined;
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
  /**
   * Ends a run (status, end time, note, final counts). Resolves to false when there is no such run (or,
   * with `ifStaleBefore`, when it is not abandoned). A run's own end overwrites an earlier one: a run
   * settled as abandoned whose process was alive after all records its real end.
   */
  finish(id: string, end: RunEnd): Promise<boolean>;
  /**
   * Records a sign of life of a run's process at `at` (ISO 8601). A run {@link settleAbandonedRuns} ended
   * (status `interrupted`, ended at its last sign of life) whose process turns out to be alive is running
   * again: status `running`, no end, no note. Resolves to false when there is no such run, or when it has
   * ended otherwise (a heartbeat never reopens a run its process ended).
   */
  heartbeat(id: string, at: string): Promise<boolean>;
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

/** How often a running batch or service records a sign of life of its run (30 s). */
export const DEFAULT_RUN_HEARTBEAT_MS = 30_000;

/**
 * How long a `running` run may go without a sign of life before it counts as abandoned (3 min: six
 * missed heartbeats, so a slow database or a long garbage collection never ends a live run).
 */
export const DEFAULT_RUN_STALE_MS = 180_000;

/** When a run last showed a sign of life: `lastSeenAt`, else (recorded before it was kept) `startedAt`. */
export function lastSignOfLife(run: Pick<RunRecord, "lastSeenAt" | "startedAt">): string {
  return run.lastSeenAt ?? run.startedAt;
}

/** The note of a run ended by {@link settleAbandonedRuns}. */
export function abandonedRunNote(run: Pick<RunRecord, "kind" | "lastSeenAt" | "startedAt">): string {
  const since = lastSignOfLife(run);
  return run.kind === "service"
    ? `no sign of life since ${since}: the serve process stopped without shutting down (killed?); its jobs are taken over by a serve process once their leases expire`
    : `no sign of life since ${since}: its process stopped without ending the run (killed?); re-running the same command resumes it`;
}

/**
 * Ends the runs whose process died without ending them (killed, power cut): each `running` run whose last
 * sign of life is more than `staleMs` before `nowMs` becomes `interrupted`, ended at its last sign of life,
 * with a note saying so ({@link abandonedRunNote}); its counts stay. Each end is conditional
 * (`ifStaleBefore`): a run whose heartbeat lands between the look and the change is left running. Call it
 * where people read runs (`runs`, `/admin/runs`) and when a batch or a service starts. Resolves to the runs it ended.
 */
export async function settleAbandonedRuns(
  runs: RunStore,
  nowMs: number,
  staleMs: number = DEFAULT_RUN_STALE_MS,
): Promise<RunRecord[]> {
  const threshold = new Date(nowMs - staleMs).toISOString();
  const settled: RunRecord[] = [];
  for (const run of await runs.list({ statuses: ["running"] })) {
    const since = lastSignOfLife(run);
    if (!(Date.parse(since) < Date.parse(threshold))) continue;
    const note = abandonedRunNote(run);
    const ended = await runs.finish(run.id, {
      status: "interrupted",
      endedAt: since,
      note,
      ifStaleBefore: threshold,
    });
    if (ended) settled.push({ ...run, status: "interrupted", endedAt: since, note });
  }
  return settled;
}

/** Options of {@link startRunHeartbeat}. */
export interface RunHeartbeatOptions {
  /** How often. @default {@link DEFAULT_RUN_HEARTBEAT_MS} */
  everyMs?: number | undefined;
  /** The time of each sign of life (epoch milliseconds). @default Date.now */
  now?: (() => number) | undefined;
  /** Told when a heartbeat could not be recorded (the run goes on). */
  onError?: ((error: unknown) => void) | undefined;
}

/** A running heartbeat (see {@link startRunHeartbeat}). */
export interface RunHeartbeat {
  /** Stops it and waits for a heartbeat in flight, so that none lands after the run's end. */
  stop(): Promise<void>;
}

/**
 * Records a sign of life of a run every `everyMs` on a timer that never keeps the process alive, until
 * stopped. A failed heartbeat is handed to `onError` and never stops the run; one heartbeat is in flight at
 * a time.
 */
export function startRunHeartbeat(
  runs: RunStore,
  id: string,
  options: RunHeartbeatOptions = {},
): RunHeartbeat {
  const now = options.now ?? Date.now;
  let inFlight: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;
  const timer = setInterval(
    () => {
      if (busy || stopped) return;
      busy = true;
      inFlight = runs
        .heartbeat(id, new Date(now()).toISOString())
        .then(
          () => undefined,
          (error: unknown) => {
            try {
              options.onError?.(error);
            } catch {
              // A logger's failure never fails a run.
            }
          },
        )
        .finally(() => {
          busy = false;
        });
    },
    Math.max(10, options.everyMs ?? DEFAULT_RUN_HEARTBEAT_MS),
  );
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}
