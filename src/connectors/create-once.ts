import { AmbiguousCreateError, HttpError, isAmbiguous, isResponseValidationError } from "../core/errors.js";
import type { PushContext } from "./definition.js";

/** Longest `Retry-After` waited for before looking up an ambiguous create (the retry policy's default cap). */
const MAX_LOOKUP_WAIT_MS = 60_000;

/** Options of {@link createOnce}. */
export interface CreateOnceOptions {
  /** Ledger step name. @default "candidate" */
  step?: string;
  /** What is created, for messages ("candidate", "application to job 12"). @default "candidate" */
  what?: string;
  /** Sends the create; returns the new id, or undefined when the vendor gives none (Flatchr). */
  create: () => Promise<string | undefined>;
  /**
   * Finds what the create would have made (by email, or an application by job). `undefined` when no
   * lookup is possible (a profile without email): an ambiguous failure then stops for a human to check.
   */
  lookup: (() => Promise<string | undefined>) | undefined;
  /** Creates attempted at most. @default 3 */
  maxAttempts?: number;
}

/**
 * At-most-once create. A timeout, dropped connection, 5xx or unreadable 2xx on a create may have created
 * the record on the vendor's side: the ledger marks the step `ambiguous`, the record is looked up, and the
 * create is repeated only when the lookup proves nothing was made. A step left ambiguous by an earlier run
 * is looked up before anything else.
 */
export async function createOnce<O, P>(
  ctx: PushContext<O, P>,
  options: CreateOnceOptions,
): Promise<{ vendorId: string | undefined; found: boolean }> {
  const step = options.step ?? "candidate";
  const what = options.what ?? "candidate";
  const maxAttempts = options.maxAttempts ?? 3;
  const previous = ctx.record.step(step);

  if (previous?.status === "ambiguous" && !ctx.dryRun) {
    if (!options.lookup) {
      throw new AmbiguousCreateError(
        `an earlier push may have created the ${what} in ${ctx.http.vendor}, and without an email it cannot be looked up. ` +
          `Check ${ctx.http.vendor}, then clear the ledger entry to push again`,
        { attempts: 0 },
      );
    }
    const id = await options.lookup();
    if (id !== undefined) {
      await ctx.record.done(step, { vendorId: id, detail: "found after an earlier ambiguous create" });
      return { vendorId: id, found: true };
    }
  }

  for (let attempt = 1; ; attempt++) {
    try {
      let id = await options.create();
      if (id === undefined && options.lookup && !ctx.dryRun) id = await options.lookup();
      if (!ctx.dryRun) await ctx.record.done(step, { vendorId: id });
      return { vendorId: id, found: false };
    } catch (error) {
      if (!isAmbiguous(error) && !isResponseValidationError(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      await ctx.record.ambiguous(step, reason);
      ctx.logger.warn(`The ${what} create may have succeeded (${reason}); looking it up before any retry`, {
        attempt,
      });
      if (!options.lookup) {
        throw new AmbiguousCreateError(
          `the ${what} create may have succeeded in ${ctx.http.vendor} (${reason}), and without an email it cannot be looked up. ` +
            `Check ${ctx.http.vendor}, then clear the ledger entry to push again`,
          { attempts: attempt },
        );
      }
      // The vendor said when it would be back (503 with Retry-After): look up no sooner, or the lookup may
      // miss a create it is still processing. Too long a wait stops here; the ledger keeps the step ambiguous.
      const waitMs = error instanceof HttpError ? (error.retryAfterMs ?? 0) : 0;
      if (waitMs > MAX_LOOKUP_WAIT_MS) {
        throw new AmbiguousCreateError(
          `the ${what} create may have succeeded in ${ctx.http.vendor} (${reason}), which asked to wait ${Math.round(waitMs / 1000)} s before anything else. ` +
            `The ledger keeps this push: run it again later and it looks the ${what} up first`,
          { attempts: attempt },
        );
      }
      if (waitMs > 0 && !ctx.dryRun) await ctx.clock.sleep(waitMs);
      const id = await options.lookup();
      if (id !== undefined) {
        await ctx.record.done(step, { vendorId: id, detail: "found after an ambiguous create" });
        return { vendorId: id, found: true };
      }
      if (attempt >= maxAttempts) {
        throw new AmbiguousCreateError(
          `the ${what} create failed ${attempt} times without a clear answer and the ${what} was not found (${reason}). ` +
            `The ledger keeps this push; run it again later`,
          { attempts: attempt },
        );
      }
      await ctx.clock.sleep(500 * 2 ** (attempt - 1));
    }
  }
}
