import type { Clock } from "../core/clock.js";
import type {
  Claim,
  LedgerEntry,
  LedgerError,
  LedgerOutcome,
  LedgerStore,
  StepRecord,
} from "../core/store/types.js";

/** Longest note kept in the ledger for a step or an error: enough to act on, never a whole vendor answer. */
const MAX_NOTE = 300;
const bounded = (text: string | undefined): string | undefined =>
  text === undefined ? undefined : text.length > MAX_NOTE ? `${text.slice(0, MAX_NOTE - 1)}…` : text;

/**
 * The ledger entry of the push under way. Every change is written through at once (so whatever kills the
 * process, the next push knows what was done and what was in flight), fenced by the push's claim. In a dry
 * run nothing is written.
 */
export class PushRecord {
  readonly #store: LedgerStore;
  readonly #persist: boolean;
  readonly #clock: Clock;
  readonly #claim: () => Claim | undefined;
  #entry: LedgerEntry;

  constructor(
    store: LedgerStore,
    entry: LedgerEntry,
    options: { persist: boolean; clock: Clock; claim: () => Claim | undefined },
  ) {
    this.#store = store;
    this.#entry = entry;
    this.#persist = options.persist;
    this.#clock = options.clock;
    this.#claim = options.claim;
  }

  /** A copy of the current entry. */
  get entry(): LedgerEntry {
    return structuredClone(this.#entry);
  }

  /** The vendor record the steps belong to, once known. */
  get vendorId(): string | undefined {
    return this.#entry.vendorId;
  }

  /** A step as recorded, if any. */
  step(name: string): StepRecord | undefined {
    return this.#entry.steps[name];
  }

  /** Writes the entry now (a new push starting, its attempt counted). */
  save(): Promise<void> {
    return this.#save(() => undefined);
  }

  async #save(change: (entry: LedgerEntry) => void): Promise<void> {
    const next = structuredClone(this.#entry);
    change(next);
    next.updatedAt = new Date(this.#clock.now()).toISOString();
    this.#entry = next;
    if (this.#persist) await this.#store.put(next, this.#claim());
  }

  #stepRecord(status: StepRecord["status"], details: Omit<StepRecord, "status" | "at">): StepRecord {
    const step: StepRecord = { status, at: new Date(this.#clock.now()).toISOString() };
    if (details.recordId !== undefined) step.recordId = details.recordId;
    if (details.vendorId !== undefined) step.vendorId = details.vendorId;
    if (details.origin !== undefined) step.origin = details.origin;
    if (details.seen !== undefined) step.seen = details.seen;
    const detail = bounded(details.detail);
    if (detail !== undefined) step.detail = detail;
    return step;
  }

  /** Write-ahead: the request of this step is about to be sent and is not safe to repeat. */
  inFlight(name: string, recordId: string | undefined): Promise<void> {
    return this.#save((e) => {
      e.steps[name] = this.#stepRecord("in-flight", { recordId });
    });
  }

  /** The step is done for this record. */
  done(name: string, details: Omit<StepRecord, "status" | "at">): Promise<void> {
    return this.#save((e) => {
      e.steps[name] = this.#stepRecord("done", details);
    });
  }

  /** The step failed with a reason (the next push tries it again). */
  failed(name: string, recordId: string | undefined, reason: string): Promise<void> {
    return this.#save((e) => {
      e.steps[name] = this.#stepRecord("failed", { recordId, detail: reason });
    });
  }

  /** Forgets a step (it did nothing: an absent CV, an unsupported link). */
  clear(name: string): Promise<void> {
    if (!(name in this.#entry.steps)) return Promise.resolve();
    return this.#save((e) => {
      e.steps = Object.fromEntries(Object.entries(e.steps).filter(([step]) => step !== name));
    });
  }

  /** The record the steps belong to. */
  setRecord(vendorId: string | undefined): Promise<void> {
    if (vendorId === this.#entry.vendorId) return Promise.resolve();
    return this.#save((e) => {
      e.vendorId = vendorId;
    });
  }

  /** The recorded record is gone from the vendor: every step was for it, so none counts any more. */
  forgetRecord(): Promise<void> {
    return this.#save((e) => {
      e.vendorId = undefined;
      e.steps = {};
      e.fingerprint = undefined;
    });
  }

  /** Records how the push ended. */
  finish(
    outcome: LedgerOutcome,
    details: { error?: LedgerError | undefined; fingerprint?: Record<string, string> | undefined } = {},
  ): Promise<void> {
    return this.#save((e) => {
      e.outcome = outcome;
      e.lastError = details.error
        ? { ...details.error, message: bounded(details.error.message) ?? "" }
        : undefined;
      if (details.fingerprint) e.fingerprint = details.fingerprint;
    });
  }
}
