import type { VendorAuth } from "../core/auth/base.js";
import { isConnectorsError } from "../core/errors.js";
import type { LedgerEntry, LedgerOutcome, PushStore } from "../core/ledger/types.js";
import type { Hrflow } from "../hrflow/client.js";
import type { ConnectorDefinition } from "./definition.js";
import { runPushProfile, type CommonPushOptions, type WorkflowResponse } from "./pipeline.js";

/** Outcomes that a replay picks up: stopped before the end, or finished with a failed step. */
export const REPLAYABLE: readonly LedgerOutcome[] = ["failed", "partial", "pending"];

/** Options of {@link replayPushes}. */
export interface ReplayOptions {
  store: PushStore;
  hrflowClient: Hrflow;
  /** The connectors that may be replayed (usually `connectorDefinitions()`). */
  definitions: readonly ConnectorDefinition[];
  /** The credentials for a connector (e.g. built from the environment). */
  auth: (connector: string) => VendorAuth;
  /** Only this connector. */
  connector?: string;
  /** Extra options for every push (logger, clock, fetch, allowInsecureCvUrls, ...). */
  pushOptions?: Partial<Omit<CommonPushOptions, "hrflowClient" | "auth" | "profile" | "store">>;
  /** Called after each replayed entry. */
  onResult?: (entry: LedgerEntry, outcome: { response?: WorkflowResponse; error?: unknown }) => void;
}

/** What a replay did. */
export interface ReplaySummary {
  replayed: number;
  succeeded: number;
  failed: number;
}

/**
 * Pushes again every ledger entry that did not finish (failed, partial or pending), with the vendor
 * options and base URL it was pushed with. The ledger makes this safe: created candidates are not created
 * again, only the missing steps run. Entries run one after the other.
 */
export async function replayPushes(options: ReplayOptions): Promise<ReplaySummary> {
  const entries = await options.store.list({
    outcomes: REPLAYABLE,
    ...(options.connector ? { connector: options.connector } : {}),
  });
  const summary: ReplaySummary = { replayed: 0, succeeded: 0, failed: 0 };
  for (const entry of entries) {
    const definition = options.definitions.find((d) => d.name === entry.connector);
    if (!definition || !entry.sourceKey) continue;
    summary.replayed += 1;
    try {
      const response = await runPushProfile(definition, {
        ...options.pushOptions,
        ...entry.options,
        ...(entry.baseUrl ? { baseUrl: entry.baseUrl } : {}),
        hrflowClient: options.hrflowClient,
        auth: options.auth(entry.connector),
        profile: { key: entry.profileKey, source: { key: entry.sourceKey } },
        store: options.store,
      });
      if (response.status_code === 202) summary.failed += 1;
      else summary.succeeded += 1;
      options.onResult?.(entry, { response });
    } catch (error) {
      if (!isConnectorsError(error)) throw error;
      summary.failed += 1;
      options.onResult?.(entry, { error });
    }
  }
  return summary;
}
