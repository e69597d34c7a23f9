import type { VendorAuth } from "../core/auth/base.js";
import { isConnectorsError } from "../core/errors.js";
import type { Runtime } from "../core/runtime.js";
import type { LedgerEntry, LedgerKey, LedgerOutcome, LedgerStore } from "../core/store/types.js";
import type { Hrflow } from "../hrflow/client.js";
import type { ConnectorDefinition } from "./definition.js";
import { runPushProfile, type CommonPushOptions, type WorkflowResponse } from "./pipeline.js";

/** Outcomes of pushes that did not finish. */
export const UNFINISHED_OUTCOMES: readonly LedgerOutcome[] = ["failed", "partial", "pending", "in-doubt"];

/** What `replay` can do with an entry that did not finish, and what a person must do otherwise. */
export interface ReplayVerdict {
  /** True when pushing again can finish it (a vendor outage, a lost answer, a failed CV upload). */
  replayable: boolean;
  /** Why not, and the fix to make first (for `replay --list` and `ledger list`). */
  fix?: string;
}

/** Says whether an unfinished entry is worth replaying as it is. */
export function replayVerdict(entry: LedgerEntry): ReplayVerdict {
  if (entry.outcome === "in-doubt")
    return {
      replayable: false,
      fix: `a create may have reached the vendor and cannot be looked up: check the vendor, then \`hrflow-connectors ledger resolve ${entry.connector} ${entry.profileKey} --vendor-id <id>\` (or --none)`,
    };
  switch (entry.lastError?.kind) {
    case "config":
      return { replayable: false, fix: "fix the option or profile the error names, then push it again" };
    case "auth":
      return { replayable: false, fix: "the credentials were refused: fix them, then replay" };
    case "mapping":
      return {
        replayable: false,
        fix: "the profile cannot become a valid candidate: fix it in HrFlow, then push it again",
      };
    default:
      return { replayable: true };
  }
}

/** The parts of a ledger target, for display. */
export interface TargetParts {
  baseUrl: string;
  /** A fingerprint of the credential (never the secret). */
  account: string;
  /** The scope within the account (a Breezy position), when the connector has one. */
  scope: string | undefined;
}

/** Splits a ledger target (`baseUrl|account|scope`) for display. */
export function targetParts(target: string): TargetParts {
  const [baseUrl = "", account = "", ...scope] = target.split("|");
  return { baseUrl, account, scope: scope.length > 0 ? scope.join("|") : undefined };
}

/** Options of {@link replayPushes}. */
export interface ReplayOptions {
  runtime: Runtime;
  hrflowClient: Hrflow;
  /** The connectors that may be replayed (usually `connectorDefinitions()`). */
  definitions: readonly ConnectorDefinition[];
  /** The credentials for a connector (e.g. built from the environment). */
  auth: (connector: string) => VendorAuth;
  /** Only this connector. */
  connector?: string | undefined;
  /** Extra options for every push (logger, fetch, allowInsecureCvUrls, ...). */
  pushOptions?: Partial<Omit<CommonPushOptions, "hrflowClient" | "auth" | "profile" | "runtime">>;
  /** Called after each entry, with the entry as the ledger holds it afterwards. */
  onResult?: (
    entry: LedgerEntry,
    outcome: { response?: WorkflowResponse; error?: unknown; after: LedgerEntry | undefined },
  ) => void;
}

/** What a replay did. `finished` counts entries the ledger shows finished afterwards. */
export interface ReplaySummary {
  replayed: number;
  finished: number;
  unfinished: number;
  /** Entries skipped because another push holds them right now. */
  busy: number;
  /** Entries that need a fix first (not replayed), with the fix. */
  needsFix: { entry: LedgerEntry; fix: string }[];
}

/** Entries of the ledger that did not finish, in the order a replay takes them (oldest first). */
export async function unfinishedEntries(store: LedgerStore, connector?: string): Promise<LedgerEntry[]> {
  const entries = await store.list({ outcomes: UNFINISHED_OUTCOMES, connector });
  return entries.reverse();
}

/**
 * Pushes again every ledger entry that did not finish and can finish as it is (failed for a retryable
 * reason, partial, or pending with no live push), with the vendor options and base URL it was pushed with.
 * The ledger makes this safe: a created candidate is not created again, only the missing steps run, and a
 * push still under way elsewhere (its claim alive) is skipped. Entries that need a fix first are returned
 * apart, with the fix.
 */
export async function replayPushes(options: ReplayOptions): Promise<ReplaySummary> {
  const store = options.runtime.store.ledger;
  const summary: ReplaySummary = { replayed: 0, finished: 0, unfinished: 0, busy: 0, needsFix: [] };
  for (const entry of await unfinishedEntries(store, options.connector)) {
    const definition = options.definitions.find((d) => d.name === entry.connector);
    if (!definition) continue;
    const verdict = replayVerdict(entry);
    if (!verdict.replayable) {
      summary.needsFix.push({ entry, fix: verdict.fix ?? "" });
      continue;
    }
    // A live claim means a push is under way: leave it alone.
    const probe = await options.runtime.claim(entry, { wait: false });
    if (!probe) {
      summary.busy += 1;
      continue;
    }
    await probe.release();
    summary.replayed += 1;
    const profile = entry.profileKey.startsWith("ref:")
      ? { reference: entry.profileKey.slice(4), source: { key: entry.sourceKey } }
      : { key: entry.profileKey, source: { key: entry.sourceKey } };
    let response: WorkflowResponse | undefined;
    let error: unknown;
    try {
      response = await runPushProfile(definition, {
        ...options.pushOptions,
        ...entry.options,
        ...(entry.baseUrl ? { baseUrl: entry.baseUrl } : {}),
        hrflowClient: options.hrflowClient,
        auth: options.auth(entry.connector),
        profile,
        runtime: options.runtime,
      });
    } catch (caught) {
      if (!isConnectorsError(caught)) throw caught;
      error = caught;
    }
    const after = await store.get(entry.profileKey.startsWith("ref:") ? entry : keyAfter(entry, response));
    const finished = after !== undefined && !UNFINISHED_OUTCOMES.includes(after.outcome);
    if (finished) summary.finished += 1;
    else summary.unfinished += 1;
    options.onResult?.(entry, { ...(response ? { response } : {}), ...(error ? { error } : {}), after });
  }
  return summary;
}

function keyAfter(entry: LedgerEntry, response: WorkflowResponse | undefined): LedgerKey {
  return { ...entry, profileKey: response?.result?.profileKey ?? entry.profileKey };
}

/**
 * Settles an in-doubt create by hand: `vendorId` is the candidate a person found in the vendor (the push
 * then continues with it), or `none` says nothing was created (the next push creates it).
 */
export async function resolveEntry(
  runtime: Runtime,
  key: LedgerKey,
  resolution: { vendorId: string } | { none: true },
): Promise<LedgerEntry> {
  const held = await runtime.claim(key, { wait: false });
  if (!held) throw new Error(`a push of ${key.profileKey} is under way; try again when it has finished`);
  try {
    const entry = await runtime.store.ledger.get(key);
    if (!entry) throw new Error(`the ledger has no entry for ${key.connector} profile ${key.profileKey}`);
    const at = new Date(runtime.clock.now()).toISOString();
    if ("vendorId" in resolution) {
      entry.vendorId = resolution.vendorId;
      entry.steps = Object.fromEntries(
        Object.entries(entry.steps).filter(
          ([name, step]) => name !== "candidate" && step.status !== "in-flight",
        ),
      );
      entry.steps["candidate"] = {
        status: "done",
        at,
        recordId: resolution.vendorId,
        vendorId: resolution.vendorId,
        origin: "created",
        detail: "resolved by hand",
      };
    } else {
      entry.steps = Object.fromEntries(Object.entries(entry.steps).filter(([name]) => name !== "candidate"));
      entry.vendorId = undefined;
    }
    entry.outcome = "failed";
    entry.lastError = {
      name: "Resolved",
      message: "in-doubt create resolved by hand; replay finishes the push",
      kind: "retryable",
    };
    entry.updatedAt = at;
    await runtime.store.ledger.put(entry, held.current());
    return entry;
  } finally {
    await held.release();
  }
}
