import { randomBytes } from "node:crypto";
import PQueue from "p-queue";
import type { VendorAuth } from "../core/auth/base.js";
import {
  ConfigError,
  isConnectorsError,
  isHrflowError,
  isMappingError,
  type ConfigIssue,
} from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { createRedactor } from "../core/redact.js";
import { createRuntime, type Runtime } from "../core/runtime.js";
import {
  addRunCounts,
  emptyRunCounts,
  settleAbandonedRuns,
  startRunHeartbeat,
  type RunCounter,
  type RunHeartbeat,
  type RunCounts,
  type RunStatus,
} from "../core/store/runs.js";
import type { FailureKind, LedgerEntry, LedgerOutcome } from "../core/store/types.js";
import { Hrflow } from "../hrflow/client.js";
import type { HrflowProfile } from "../hrflow/schema.js";
import type { ConnectorDefinition, CvReport, DryRunMode, StepReport } from "./definition.js";
import {
  checkPushOptions,
  failureKind,
  ledgerTarget,
  runPushProfile,
  type CommonPushOptions,
  type ProfileRef,
  type WorkflowResponse,
} from "./pipeline.js";

/**
 * `pushProfiles`: a whole HrFlow source (or a chosen part of it) pushed to one or more ATS targets,
 * streamed page by page with bounded work in flight, every vendor kept at its limits by one shared runtime,
 * each item's result yielded as it ends, and the run recorded in the store.
 */

/** How one item (a profile pushed to one target) ended. See {@link RunCounter}. */
export type BatchAction = RunCounter;

/** One target of a batch: a connector, the credentials and the options its pushes take. */
export interface BatchTarget {
  /** The connector (`SmartRecruiters`) or its definition (`findConnector("taleez").definition`). */
  connector: { readonly definition: ConnectorDefinition } | ConnectorDefinition;
  /** The vendor credentials. */
  auth: VendorAuth;
  /**
   * The connector's own options (`jobId`, `positionId`, ...) and any per-target push options
   * (`baseUrl`, `logics`, `format`, `timeoutMs`, ...), as `pushProfile` takes them.
   */
  options?: Readonly<Record<string, unknown>>;
}

/** One profile chosen by key or reference; `connectors` narrows the targets (a retry of failed items). */
export type ProfileSelector =
  | { key: string; connectors?: readonly string[] | undefined }
  | { reference: string; connectors?: readonly string[] | undefined };

/** Which profiles of the source a batch pushes. Without `profiles`, the source is searched page by page. */
export interface ProfileFilter {
  /**
   * Only these profiles (read one at a time, e.g. lines of a file): each is pulled from the first source
   * that has it. Search filters do not apply to them.
   */
  profiles?: Iterable<ProfileSelector> | AsyncIterable<ProfileSelector>;
  /** Only profiles holding every one of these tags (HrFlow's `tags_included`; a bare name matches any value). */
  tags?: readonly (string | { name: string; value?: string | number | boolean })[];
  /** Only profiles created at or after this time (ISO 8601; HrFlow's `created_at_min`). */
  createdAtMin?: string;
  /** Only profiles created at or before this time (ISO 8601; HrFlow's `created_at_max`). */
  createdAtMax?: string;
  /**
   * Only profiles updated at or after this time (ISO 8601). HrFlow's search has no such filter: the source
   * is read newest update first and reading stops at the first older profile.
   */
  updatedSince?: string;
  /** At most this many profiles. */
  limit?: number;
  /** Profiles per HrFlow page. @default 100 */
  pageSize?: number;
}

/** Options of {@link pushProfiles}. */
export interface PushProfilesOptions {
  /** The client that reads the source. */
  hrflowClient: Hrflow;
  /** The HrFlow source to push (or `sources`). */
  source?: { key: string };
  /** Several HrFlow sources, read together. */
  sources?: readonly { key: string }[];
  filter?: ProfileFilter;
  /** Where each profile goes: one or more connectors with their credentials and options. */
  connectors: readonly BatchTarget[];
  /**
   * The runtime whose ledger, vendor limits and claims every push shares (and whose store records the run).
   * @default an in-memory runtime of this batch alone
   */
  runtime?: Runtime;
  /**
   * Pushes in flight per target. The vendor's rate and concurrency limits still hold whatever this is;
   * more lets waits for the vendor overlap. @default 8
   */
  concurrency?: number;
  /** Plan the whole run and send nothing (`true` or `"ledger"`; `"vendor"` also reads the vendor). */
  dryRun?: boolean | DryRunMode;
  /**
   * Stops the batch gently: no new push starts, those in flight finish, then the batch ends
   * (`interrupted`).
   */
  stop?: AbortSignal;
  /** Stops the batch now: pushes in flight are aborted and record in the ledger where they stopped. */
  signal?: AbortSignal;
  /** Told each item's result as it ends (before the iterator yields it). */
  onItem?: (item: BatchItemResult) => void;
  /** Told the progress after each item and when HrFlow tells the total. */
  onProgress?: (progress: BatchProgress) => void;
  /** Options given to every push (`allowInsecureCvUrls`, `timeoutMs`, `retry`, `logics`, ...). */
  pushOptions?: Partial<Omit<CommonPushOptions, "hrflowClient" | "auth" | "profile" | "runtime" | "dryRun">>;
  logger?: Logger;
  /**
   * How the run is recorded in `runtime.store.runs` (not for dry runs): its id, the command line without
   * secrets, the report path. @default a new id, the command `pushProfiles()`
   */
  run?: { id?: string; command?: string; reportPath?: string };
}

/** The result of one item: one profile pushed to one target. */
export interface BatchItemResult {
  profileKey: string;
  reference: string | undefined;
  sourceKey: string;
  connector: string;
  action: BatchAction;
  /** True in a dry run: `action` is what a real run would do; nothing was sent. */
  planned: boolean;
  /** The vendor's candidate id, when known. */
  vendorId: string | undefined;
  cv: CvReport | undefined;
  steps: StepReport[];
  warnings: string[];
  /** What went wrong (failed, partial or refused items), redacted. */
  error: { name: string; message: string; kind: FailureKind } | undefined;
  /** A short sentence: the push's message, or why it was skipped or refused. */
  message: string;
  /** Pushes of this profile to this target the ledger has seen (this one included); 0 when not recorded. */
  attempts: number;
  durationMs: number;
}

/** Where a batch stands. */
export interface BatchProgress {
  /** Items the batch expects (profiles HrFlow announced times targets), when known. */
  total: number | undefined;
  /** Profiles read so far. */
  profiles: number;
  /** Items ended so far. */
  done: number;
  counts: RunCounts;
}

/** How a batch ended. */
export interface BatchSummary {
  runId: string;
  /** `completed`: every item arrived (or would, in a dry run); `incomplete`: some did not. */
  status: Exclude<RunStatus, "running">;
  dryRun: false | DryRunMode;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Profiles read from HrFlow. */
  profiles: number;
  /** Items ended (profiles times targets, less what an interruption left out). */
  items: number;
  counts: RunCounts;
  byConnector: Record<string, RunCounts>;
  /** The most frequent reasons of refused and failed items (at most 10), for plans and summaries. */
  reasons: { reason: string; count: number }[];
  /** What stopped the run as a whole (the source could not be read), redacted. */
  error: { name: string; message: string; kind: FailureKind } | undefined;
}

/** A running batch: iterate it for the items as they end; `summary()` once it is over. */
export interface BatchRun extends AsyncIterable<BatchItemResult> {
  readonly runId: string;
  /** The summary, when the batch is over (iterates the batch itself when nobody does). */
  summary(): Promise<BatchSummary>;
}

interface PreparedTarget {
  def: ConnectorDefinition;
  auth: VendorAuth;
  options: Readonly<Record<string, unknown>>;
  /** The ledger target of this account (for the resume check). */
  ledgerTarget: string;
  /** The vendor options as the ledger keeps them (JSON), to tell a changed option. */
  optionsJson: string;
  queue: PQueue;
  /** Consecutive items refused for credentials or configuration: the target stops after a few. */
  refusals: number;
  stopped: { name: string; message: string; kind: FailureKind } | undefined;
}

/** One profile read from the source, or why it could not be. */
interface SourceItem {
  ref: ProfileRef;
  profile: HrflowProfile | undefined;
  error: unknown;
  connectors: readonly string[] | undefined;
}

const FINISHED: readonly LedgerOutcome[] = ["created", "updated", "unchanged"];
/** A target whose credentials or options were refused this many times in a row stops sending. */
const STOP_AFTER_REFUSALS = 3;
/** Items waiting for a target's workers, besides those in flight: enough to keep the workers busy. */
const QUEUED_PER_WORKER = 1;
/** How often the run's counts are written to the store while it runs. */
const COUNT_FLUSH_MS = 1000;

function definitionOf(target: BatchTarget): ConnectorDefinition {
  const connector = target.connector;
  return "definition" in connector ? connector.definition : connector;
}

/** A sortable, readable run id: `20261130-100000-ab12cd`. */
export function newRunId(nowMs: number): string {
  const iso = new Date(nowMs).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}-${randomBytes(3).toString("hex")}`;
}

function checkOptions(options: PushProfilesOptions): {
  sourceKeys: string[];
  concurrency: number;
  issues: ConfigIssue[];
} {
  const issues: ConfigIssue[] = [];
  if (!(options.hrflowClient instanceof Hrflow))
    issues.push({
      path: "hrflowClient",
      message: "must be an Hrflow client: new Hrflow({ apiSecret, apiUser })",
    });
  const sourceKeys = [
    ...(options.source ? [options.source.key] : []),
    ...(options.sources ?? []).map((s) => s.key),
  ].filter((k) => typeof k === "string" && k.trim() !== "");
  if (sourceKeys.length === 0)
    issues.push({ path: "source.key", message: "is required: the HrFlow source to push" });
  if (options.connectors.length === 0)
    issues.push({ path: "connectors", message: "must name at least one target" });
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    issues.push({ path: "concurrency", message: "must be a whole number from 1 to 256" });
  const filter = options.filter ?? {};
  if (filter.limit !== undefined && (!Number.isInteger(filter.limit) || filter.limit < 0))
    issues.push({ path: "filter.limit", message: "must be a whole number (0 or more)" });
  if (
    filter.pageSize !== undefined &&
    (!Number.isInteger(filter.pageSize) || filter.pageSize < 1 || filter.pageSize > 1000)
  )
    issues.push({ path: "filter.pageSize", message: "must be a whole number from 1 to 1000" });
  for (const [name, value] of [
    ["filter.createdAtMin", filter.createdAtMin],
    ["filter.createdAtMax", filter.createdAtMax],
    ["filter.updatedSince", filter.updatedSince],
  ] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value)))
      issues.push({ path: name, message: `must be a date (ISO 8601), got "${value}"` });
  }
  return { sourceKeys, concurrency, issues };
}

/**
 * Pushes a whole HrFlow source, or the part a filter chooses, to one or more ATS targets.
 *
 * Profiles are read page by page (never the whole source in memory) and pushed through one runtime, so
 * every target's vendor is kept at, never over, its rate and concurrency limits, whatever `concurrency`
 * says. Each target has its own workers; reading waits while they are busy (backpressure). The ledger makes
 * a re-run resume: an item the ledger says is done, with the same options and an unchanged payload, is
 * skipped without a request; the others are pushed again and finish without creating anything twice.
 *
 * Iterate the returned run for each item's result as it ends, then read `summary()`. The run is recorded
 * in `runtime.store.runs` (except dry runs). Options are checked at once: a {@link ConfigError} lists every
 * problem before anything is read.
 *
 * @example
 * const run = pushProfiles({
 *   hrflowClient,
 *   source: { key: "SOURCE_KEY" },
 *   filter: { tags: ["backfill"], limit: 1000 },
 *   connectors: [{ connector: SmartRecruiters, auth: new XSmartTokenAuth({ value: token }), options: { jobId } }],
 *   runtime: createRuntime({ store: createSqliteStore("ledger.sqlite") }),
 * });
 * for await (const item of run) if (item.action === "failed") console.error(item.profileKey, item.message);
 * const { counts } = await run.summary();
 */
export function pushProfiles(options: PushProfilesOptions): BatchRun {
  const { sourceKeys, concurrency, issues } = checkOptions(options);
  const pushOptions = options.pushOptions ?? {};
  const dryRun: false | DryRunMode = options.dryRun === true ? "ledger" : (options.dryRun ?? false);
  const targets: PreparedTarget[] = [];
  options.connectors.forEach((target, i) => {
    const def = definitionOf(target);
    try {
      const vendorOptions = checkPushOptions(def, {
        ...pushOptions,
        ...target.options,
        hrflowClient: options.hrflowClient,
        auth: target.auth,
        profile: { key: "check", source: { key: sourceKeys[0] ?? "check" } },
      });
      const baseUrl = target.options?.["baseUrl"] ?? pushOptions.baseUrl;
      targets.push({
        def,
        auth: target.auth,
        options: target.options ?? {},
        ledgerTarget: ledgerTarget(def, {
          auth: target.auth,
          baseUrl: typeof baseUrl === "string" ? baseUrl : undefined,
          options: vendorOptions,
        }),
        optionsJson: JSON.stringify(vendorOptions ?? {}),
        queue: new PQueue({ concurrency }),
        refusals: 0,
        stopped: undefined,
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(
        ...error.issues.map((issue) => ({ ...issue, path: `connectors[${i}] (${def.name}) ${issue.path}` })),
      );
    }
  });
  if (issues.length > 0) throw new ConfigError(issues, { summary: "Cannot push the source" });

  const ownRuntime = options.runtime === undefined;
  const runtime = options.runtime ?? createRuntime();
  const clock = runtime.clock;
  const logger = options.logger ?? runtime.logger;
  // Stops the batch gently when the consumer leaves the iteration early.
  const abandoned = new AbortController();
  const runId = options.run?.id ?? newRunId(clock.now());
  const redact = createRedactor(() => [
    ...options.hrflowClient.secrets(),
    ...targets.flatMap((t) => t.auth.secrets()),
  ]);
  const filter = options.filter ?? {};

  let started = false;
  let finished: Promise<BatchSummary> | undefined;
  /** The run's signs of life while it runs (stopped before its end is recorded). */
  let heartbeat: RunHeartbeat | undefined;

  /** Runs the batch, handing each item to `emit` (which may hold the workers back: backpressure). */
  const execute = async (emit: (item: BatchItemResult) => Promise<void>): Promise<BatchSummary> => {
    const startedMs = clock.now();
    const startedAt = new Date(startedMs).toISOString();
    let counts = emptyRunCounts();
    let pending: Partial<RunCounts> = {};
    const byConnector: Record<string, RunCounts> = {};
    const reasons = new Map<string, number>();
    let profiles = 0;
    let done = 0;
    let total: number | undefined;
    let sourceError: BatchSummary["error"];
    const record = dryRun === false;
    const runs = runtime.store.runs;

    if (record) {
      // Runs whose process was killed stay `running` until someone looks: a new batch ends them first, so
      // they read as interrupted (and this one resumes their work through the ledger).
      await settleAbandonedRuns(runs, startedMs, runtime.runStaleMs).then(
        (settled) => {
          for (const run of settled)
            logger.info(
              `Run ${run.id} had stopped without ending (no sign of life since ${run.endedAt ?? "?"})`,
            );
        },
        (error: unknown) => {
          logger.warn(`could not check for abandoned runs: ${redact(String(error))}`);
        },
      );
      await runs.create({
        id: runId,
        kind: "batch",
        status: "running",
        startedAt,
        endedAt: undefined,
        lastSeenAt: startedAt,
        command: options.run?.command ?? "pushProfiles()",
        counts: emptyRunCounts(),
        reportPath: options.run?.reportPath,
        note: undefined,
      });
      heartbeat = startRunHeartbeat(runs, runId, {
        everyMs: runtime.runHeartbeatMs,
        now: () => clock.now(),
        onError: (error) => {
          logger.warn(`could not record a sign of life of the run: ${redact(String(error))}`);
        },
      });
    }
    let flushing: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      const delta = pending;
      pending = {};
      if (!record || Object.keys(delta).length === 0) return flushing;
      flushing = flushing.then(() =>
        runs.count(runId, delta).then(
          () => undefined,
          (error: unknown) => {
            logger.warn(`could not record the run's counts: ${redact(String(error))}`);
          },
        ),
      );
      return flushing;
    };
    const flushTimer = setInterval(() => void flush(), COUNT_FLUSH_MS);
    flushTimer.unref();

    const progress = (): void => {
      try {
        options.onProgress?.({ total, profiles, done, counts: { ...counts } });
      } catch {
        // A display's failure never fails a batch.
      }
    };

    const stopping = (): boolean =>
      abandoned.signal.aborted || options.stop?.aborted === true || options.signal?.aborted === true;

    const finish = async (item: BatchItemResult): Promise<void> => {
      done += 1;
      counts = addRunCounts(counts, { [item.action]: 1 });
      pending = addRunCounts({ ...emptyRunCounts(), ...pending }, { [item.action]: 1 });
      byConnector[item.connector] = addRunCounts(byConnector[item.connector] ?? emptyRunCounts(), {
        [item.action]: 1,
      });
      if (
        item.error &&
        (item.action === "failed" || item.action === "refused" || item.action === "partial")
      ) {
        const reason = `${item.connector}: ${item.error.name}: ${reasonOf(item.error.message)}`;
        if (reasons.has(reason) || reasons.size < 200) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      try {
        options.onItem?.(item);
      } catch {
        // The caller's callback never fails a batch.
      }
      progress();
      await emit(item);
    };

    try {
      const source = readSource(options, sourceKeys, filter, (announced) => {
        total = announced * targets.length;
        progress();
      });
      for await (const item of source) {
        if (stopping()) break;
        profiles += 1;
        for (const target of targets) {
          if (item.connectors && !item.connectors.includes(target.def.name)) continue;
          // Backpressure: at most `concurrency` pushes in flight and as many waiting per target.
          await target.queue.onSizeLessThan(concurrency * QUEUED_PER_WORKER);
          if (stopping()) break;
          void target.queue.add(async () => {
            if (options.signal?.aborted) return;
            await finish(await pushItem(item, target));
          });
        }
      }
    } catch (error) {
      sourceError = describe(error);
      logger.error(`Reading the source stopped: ${sourceError.message}`);
    }
    if (stopping()) for (const target of targets) target.queue.clear();
    await Promise.all(targets.map((t) => t.queue.onIdle()));
    clearInterval(flushTimer);
    await flush();

    const endedMs = clock.now();
    const notArrived = counts.failed + counts.partial + counts.refused;
    const status: BatchSummary["status"] = sourceError
      ? "failed"
      : stopping()
        ? "interrupted"
        : notArrived > 0
          ? "incomplete"
          : "completed";
    const summary: BatchSummary = {
      runId,
      status,
      dryRun,
      startedAt,
      endedAt: new Date(endedMs).toISOString(),
      durationMs: endedMs - startedMs,
      profiles,
      items: done,
      counts,
      byConnector,
      reasons: [...reasons.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([reason, count]) => ({ reason, count })),
      error: sourceError,
    };
    if (record) {
      await heartbeat?.stop();
      const note =
        status === "failed"
          ? sourceError?.message
          : status === "interrupted"
            ? "interrupted: run the same command again to resume (the ledger skips what is done)"
            : status === "incomplete"
              ? `${notArrived} item(s) did not arrive: run the same command again, or retry only them from the report`
              : undefined;
      await runs.finish(runId, { status, endedAt: summary.endedAt, note, counts }).catch((error: unknown) => {
        logger.warn(`could not record the end of the run: ${redact(String(error))}`);
      });
    }
    return summary;
  };

  /** Pushes one profile to one target (or plans it), never throwing: the item says what happened. */
  const pushItem = async (item: SourceItem, target: PreparedTarget): Promise<BatchItemResult> => {
    const startedMs = clock.now();
    const def = target.def;
    const profileKey = item.profile?.key ?? ("key" in item.ref ? item.ref.key : `ref:${item.ref.reference}`);
    const base = {
      profileKey,
      reference: item.profile?.reference ?? ("reference" in item.ref ? item.ref.reference : undefined),
      sourceKey: item.ref.source.key,
      connector: def.name,
      planned: dryRun !== false,
      vendorId: undefined,
      cv: undefined,
      steps: [],
      warnings: [],
      error: undefined,
      attempts: 0,
    } satisfies Partial<BatchItemResult>;
    const ended = (
      rest: Pick<BatchItemResult, "action" | "message"> & Partial<BatchItemResult>,
    ): BatchItemResult => ({
      ...base,
      durationMs: clock.now() - startedMs,
      ...rest,
    });
    if (item.error !== undefined) {
      const error = describe(item.error);
      return ended({
        action: error.kind === "mapping" ? "refused" : "failed",
        error,
        message: error.message,
      });
    }
    if (target.stopped) {
      return ended({
        action: "failed",
        error: target.stopped,
        message: `not sent: ${def.displayName} refused ${STOP_AFTER_REFUSALS} pushes in a row (${target.stopped.message}); fix it, then run the same command again`,
      });
    }
    const key = { connector: def.name, target: target.ledgerTarget, profileKey };
    let entry: LedgerEntry | undefined;
    try {
      entry = await runtime.store.ledger.get(key);
    } catch (error) {
      logger.warn(`could not read the ledger for ${profileKey}: ${redact(String(error))}`);
    }
    const push = (mode: false | DryRunMode): Promise<WorkflowResponse> =>
      runPushProfile(
        def,
        {
          ...pushOptions,
          ...target.options,
          hrflowClient: options.hrflowClient,
          auth: target.auth,
          profile: item.ref,
          runtime,
          logger,
          dryRun: mode,
          ...(options.signal ? { signal: options.signal } : {}),
        },
        { profile: item.profile },
      );
    try {
      // Resume: the ledger says done with these options, and the payload is what was sent: skip it.
      const sameOptions = entry !== undefined && JSON.stringify(entry.options) === target.optionsJson;
      if (entry && FINISHED.includes(entry.outcome) && sameOptions && dryRun !== "vendor") {
        const plan = await push("ledger");
        if (plan.result?.action === "unchanged") {
          // Changed fields that this vendor's records do not take after creation are said, not hidden.
          const leftAsIs = plan.result.steps.find((s) => s.detail?.includes("changed since the last push"));
          return ended({
            action: dryRun === false ? "skipped" : "unchanged",
            vendorId: entry.vendorId,
            attempts: entry.attempts,
            steps: plan.result.steps,
            message: leftAsIs?.detail
              ? `done by an earlier push; ${leftAsIs.detail}; nothing sent`
              : "done by an earlier push and unchanged since (according to the push ledger); nothing sent",
          });
        }
        if (dryRun === "ledger") return fromResponse(plan, entry);
      }
      const response = await push(dryRun);
      target.refusals = 0;
      const after = dryRun === false ? await runtime.store.ledger.get(key).catch(() => undefined) : entry;
      return fromResponse(response, after);
    } catch (error) {
      const described = describe(error);
      if (described.kind === "auth" || described.kind === "config") {
        target.refusals += 1;
        if (target.refusals === STOP_AFTER_REFUSALS) {
          target.stopped ??= described;
          logger.error(
            `${def.displayName} refused ${STOP_AFTER_REFUSALS} pushes in a row (${described.name}); no more are sent to it in this run`,
          );
        }
      } else if (described.kind !== "mapping") {
        target.refusals = 0;
      }
      const after = dryRun === false ? await runtime.store.ledger.get(key).catch(() => undefined) : entry;
      return ended({
        action: isMappingError(error) ? "refused" : "failed",
        error: described,
        message: described.message,
        attempts: after?.attempts ?? 0,
        vendorId: after?.vendorId,
      });
    }

    function fromResponse(response: WorkflowResponse, after: LedgerEntry | undefined): BatchItemResult {
      const result = response.result;
      if (!result) {
        return ended({ action: "discarded", message: response.message, attempts: after?.attempts ?? 0 });
      }
      const action: BatchAction = response.status_code === 202 ? "partial" : result.action;
      return ended({
        action,
        profileKey: result.profileKey,
        vendorId: result.vendorId,
        cv: result.cv,
        steps: result.steps,
        warnings: result.warnings,
        message: response.message,
        attempts: after?.attempts ?? 0,
        ...(action === "partial"
          ? { error: { name: "PartialPush", message: response.message, kind: "retryable" as const } }
          : {}),
      });
    }
  };

  const describe = (error: unknown): { name: string; message: string; kind: FailureKind } =>
    isConnectorsError(error)
      ? { name: error.name, message: error.message, kind: failureKind(error) }
      : {
          name: error instanceof Error ? error.name : "Error",
          message: redact(error instanceof Error ? error.message : String(error)),
          kind: "retryable",
        };

  const run = (emit: (item: BatchItemResult) => Promise<void>): Promise<BatchSummary> => {
    if (started) throw new Error("a batch runs once: iterate it once, or call summary()");
    started = true;
    finished = execute(emit).finally(async () => {
      await heartbeat?.stop();
      if (ownRuntime) await runtime.close();
    });
    return finished;
  };

  return {
    runId,
    summary: () => finished ?? run(() => Promise.resolve()),
    [Symbol.asyncIterator]: () =>
      iterate(run, () => {
        abandoned.abort();
      }),
  };
}

/** The first sentence-like part of a message, without ids, for grouping reasons. */
function reasonOf(message: string): string {
  const withoutPrefix = message.replace(/^\[[^\]]*\]\s*/, "");
  return withoutPrefix.replace(/[0-9a-f]{16,}/gi, "…").slice(0, 160);
}

/**
 * An async iterator over a run's items: a small buffer between the workers and the consumer, so a slow
 * consumer holds the workers back instead of letting results pile up.
 */
function iterate(
  run: (emit: (item: BatchItemResult) => Promise<void>) => Promise<BatchSummary>,
  abandon: () => void,
): AsyncIterator<BatchItemResult> {
  const BUFFER = 64;
  const buffer: BatchItemResult[] = [];
  let wakeConsumer: (() => void) | undefined;
  const wakeProducers: (() => void)[] = [];
  let ended = false;
  const consumer = { gone: false };
  const left = (): boolean => consumer.gone;
  let failure: unknown;
  let running: Promise<BatchSummary> | undefined;
  const start = (): void => {
    if (running) return;
    running = run(async (item) => {
      if (consumer.gone) return;
      buffer.push(item);
      wakeConsumer?.();
      while (buffer.length > BUFFER && !left())
        await new Promise<void>((resolve) => wakeProducers.push(resolve));
    });
    running.then(
      () => {
        ended = true;
        wakeConsumer?.();
      },
      (error: unknown) => {
        failure = error;
        ended = true;
        wakeConsumer?.();
      },
    );
  };
  return {
    next: async () => {
      start();
      for (;;) {
        const item = buffer.shift();
        if (item) {
          wakeProducers.shift()?.();
          return { value: item, done: false };
        }
        if (ended) {
          if (failure !== undefined)
            throw failure instanceof Error ? failure : new Error("the batch failed", { cause: failure });
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          wakeConsumer = resolve;
        });
        wakeConsumer = undefined;
      }
    },
    // The consumer left (a `break`): the batch stops gently and ends in the background.
    return: async () => {
      consumer.gone = true;
      abandon();
      buffer.length = 0;
      for (const wake of wakeProducers.splice(0)) wake();
      await running?.catch(() => undefined);
      return { value: undefined, done: true };
    },
  };
}

/** Normalises the tag filter to HrFlow's `[{name, value}]`. */
function tagsOf(
  tags: ProfileFilter["tags"],
): { name: string; value?: string | number | boolean }[] | undefined {
  return tags?.map((t) => (typeof t === "string" ? { name: t } : t));
}

/**
 * The profiles a batch pushes, one at a time: the selected ones (pulled a few at a time, in order), or the
 * sources' search pages (the next page read while this one is pushed; at most two pages held).
 */
async function* readSource(
  options: PushProfilesOptions,
  sourceKeys: readonly string[],
  filter: ProfileFilter,
  announce: (total: number) => void,
): AsyncGenerator<SourceItem> {
  const limit = filter.limit ?? Number.POSITIVE_INFINITY;
  if (limit === 0) {
    announce(0);
    return;
  }
  const client = options.hrflowClient;
  let count = 0;
  if (filter.profiles) {
    for await (const item of pullSelected(client, sourceKeys, filter.profiles)) {
      yield item;
      if (++count >= limit) return;
    }
    return;
  }
  const pageSize = filter.pageSize ?? 100;
  const updatedSince = filter.updatedSince !== undefined ? Date.parse(filter.updatedSince) : undefined;
  const search = (page: number): ReturnType<Hrflow["searchProfiles"]> =>
    client.searchProfiles({
      sourceKeys,
      page,
      limit: pageSize,
      // Oldest first keeps page numbers stable while profiles are added during the run; "updated since"
      // reads newest updates first and stops at the first older one.
      sortBy: updatedSince !== undefined ? "updated_at" : "created_at",
      orderBy: updatedSince !== undefined ? "desc" : "asc",
      createdAtMin: filter.createdAtMin,
      createdAtMax: filter.createdAtMax,
      tagsIncluded: tagsOf(filter.tags),
    });
  let next = search(1);
  for (let page = 1; ; page++) {
    const result = await next;
    if (page === 1 && updatedSince === undefined) announce(Math.min(result.total, limit));
    const more = result.page < result.maxPage && result.profiles.length > 0;
    if (more) {
      next = search(page + 1);
      // Read ahead; a failure surfaces when the page is awaited.
      next.catch(() => undefined);
    }
    for (const profile of result.profiles) {
      if (updatedSince !== undefined) {
        const updated = Date.parse(profile.updated_at ?? "");
        if (!Number.isNaN(updated) && updated < updatedSince) return;
      }
      const sourceKey = profile.source_key ?? profile.source?.key ?? sourceKeys[0] ?? "";
      const ref: ProfileRef = profile.key
        ? { key: profile.key, source: { key: sourceKey } }
        : { reference: profile.reference ?? "", source: { key: sourceKey } };
      yield { ref, profile, error: undefined, connectors: undefined };
      if (++count >= limit) return;
    }
    if (!more) return;
  }
}

/** Pulls selected profiles, four at a time, in order; one missing from every source is an item error. */
async function* pullSelected(
  client: Hrflow,
  sourceKeys: readonly string[],
  selectors: Iterable<ProfileSelector> | AsyncIterable<ProfileSelector>,
): AsyncGenerator<SourceItem> {
  const AHEAD = 4;
  const pull = async (selector: ProfileSelector): Promise<SourceItem> => {
    let lastError: unknown;
    for (const sourceKey of sourceKeys) {
      const ref: ProfileRef =
        "key" in selector
          ? { key: selector.key, source: { key: sourceKey } }
          : { reference: selector.reference, source: { key: sourceKey } };
      try {
        const profile = await client.getProfile(
          "key" in selector ? { sourceKey, key: selector.key } : { sourceKey, reference: selector.reference },
        );
        return { ref, profile, error: undefined, connectors: selector.connectors };
      } catch (error) {
        lastError = error;
        // Not in this source: try the next one. Anything else is this item's failure.
        if (!(isHrflowError(error) && error.notFound)) break;
      }
    }
    const first = sourceKeys[0] ?? "";
    const ref: ProfileRef =
      "key" in selector
        ? { key: selector.key, source: { key: first } }
        : { reference: selector.reference, source: { key: first } };
    return { ref, profile: undefined, error: lastError, connectors: selector.connectors };
  };
  const window: Promise<SourceItem>[] = [];
  for await (const selector of selectors) {
    window.push(pull(selector));
    if (window.length >= AHEAD) {
      const item = window.shift();
      if (item) yield await item;
    }
  }
  for (const item of window) yield await item;
}
