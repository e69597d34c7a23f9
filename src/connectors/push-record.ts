import type { LedgerEntry, LedgerOutcome, LedgerStep, PushStore } from "../core/ledger/types.js";

/**
 * The ledger entry of the push under way. Every change is written through to the store at once, so a
 * crash between two steps loses nothing. In a dry run changes stay in memory.
 */
export class PushRecord {
  readonly #store: PushStore;
  readonly #persist: boolean;
  readonly #now: () => Date;
  #entry: LedgerEntry;

  constructor(store: PushStore, entry: LedgerEntry, options: { persist: boolean; now: () => Date }) {
    this.#store = store;
    this.#entry = entry;
    this.#persist = options.persist;
    this.#now = options.now;
  }

  /** A copy of the current entry. */
  get entry(): LedgerEntry {
    return structuredClone(this.#entry);
  }

  /** The vendor's id of the candidate, once known (from this push or an earlier one). */
  get vendorId(): string | undefined {
    return this.#entry.vendorId;
  }

  /** A step as recorded, if any. */
  step(name: string): LedgerStep | undefined {
    return this.#entry.steps[name];
  }

  /** True when the step completed in this push or an earlier one. */
  isDone(name: string): boolean {
    return this.#entry.steps[name]?.status === "done";
  }

  async #save(change: (entry: LedgerEntry) => void): Promise<void> {
    const next = structuredClone(this.#entry);
    change(next);
    next.updatedAt = this.#now().toISOString();
    this.#entry = next;
    if (this.#persist) await this.#store.put(next);
  }

  #step(
    status: LedgerStep["status"],
    details: { vendorId?: string | undefined; detail?: string | undefined },
  ): LedgerStep {
    const step: LedgerStep = { status, at: this.#now().toISOString() };
    if (details.vendorId !== undefined) step.vendorId = details.vendorId;
    if (details.detail !== undefined) step.detail = details.detail;
    return step;
  }

  /** Records the candidate's vendor id. */
  setVendorId(vendorId: string): Promise<void> {
    return this.#save((e) => {
      e.vendorId = vendorId;
    });
  }

  /** Marks a step done (with the id it produced, if any). */
  done(
    name: string,
    details: { vendorId?: string | undefined; detail?: string | undefined } = {},
  ): Promise<void> {
    return this.#save((e) => {
      e.steps[name] = this.#step("done", details);
    });
  }

  /** Marks a step failed with a reason (kept for the next run). */
  failed(name: string, reason: string): Promise<void> {
    return this.#save((e) => {
      e.steps[name] = this.#step("failed", { detail: reason });
    });
  }

  /** Marks a step whose outcome is unknown (the vendor may have executed it). */
  ambiguous(name: string, reason: string): Promise<void> {
    return this.#save((e) => {
      e.steps[name] = this.#step("ambiguous", { detail: reason });
    });
  }

  /** Records the end of the push. */
  finish(outcome: LedgerOutcome, error?: { name: string; message: string }): Promise<void> {
    return this.#save((e) => {
      e.outcome = outcome;
      e.lastError = error;
    });
  }

  /** Keeps the email the candidate was pushed with (to recognise it later). */
  setEmail(email: string | undefined): Promise<void> {
    if (email === this.#entry.email) return Promise.resolve();
    return this.#save((e) => {
      e.email = email;
    });
  }
}
