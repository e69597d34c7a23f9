import {
  AmbiguousCreateError,
  AuthError,
  ConfigError,
  HttpError,
  isAmbiguous,
  isConnectorsError,
  isResponseValidationError,
  RateLimitError,
} from "../core/errors.js";
import type { Runtime } from "../core/runtime.js";
import type {
  CvReport,
  FoundRecord,
  PushAction,
  PushContext,
  PushPlan,
  RecordStep,
  StepDone,
  StepReport,
  StepResult,
  VendorRecord,
} from "./definition.js";
import type { PushRecord } from "./push-record.js";

/** Everything the runner needs besides the plan. */
export interface RunInput {
  ctx: PushContext<unknown, unknown>;
  record: PushRecord;
  runtime: Runtime;
  /** Vendor display name, for messages. */
  vendor: string;
  /** Hashes of the payload fields (compared with the ledger's in a dry run). */
  fingerprint: Record<string, string>;
  /** Aborts waits (shutdown, a lost claim). */
  signal: AbortSignal | undefined;
  /** Adds a line to the result (dry-run statuses are rewritten by the caller). */
  report(step: StepReport): void;
  warn(message: string): void;
  /** The command that settles an in-doubt create by hand. */
  resolveHint: string;
}

/** What the runner sums up. */
export interface RunOutcome {
  action: PushAction;
  vendorId: string | undefined;
  cv: CvReport;
  /** At least one step failed, or the vendor holds no record yet: the push is partial (202). */
  incomplete: boolean;
  /** The id of a recorded record that the vendor no longer has (`""` when it had none). */
  recreated: string | undefined;
}

const CANDIDATE = "candidate";
/** Longest `Retry-After` waited for before looking up a create whose answer was a 503. */
const MAX_LOOKUP_WAIT_MS = 60_000;

/** Fields whose hash differs between two fingerprints. */
export function changedFields(
  before: Record<string, string> | undefined,
  after: Record<string, string>,
): string[] {
  if (!before) return Object.keys(after);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).sort();
}

/**
 * Errors that stop the whole push instead of failing one step: refused credentials, a wrong option (a job
 * that does not exist), rate limits, aborts and programming errors.
 */
function stopsThePush(error: unknown): boolean {
  return (
    error instanceof AuthError ||
    error instanceof ConfigError ||
    error instanceof RateLimitError ||
    !isConnectorsError(error)
  );
}

/**
 * The one runner of every connector's plan. It applies the ledger (what is done for which vendor record),
 * the write-ahead rule (a request that is not safe to repeat is recorded in flight before it is sent, and
 * one left in flight is settled by a lookup, never sent again blindly), "the ATS is the truth" (a recorded
 * record the vendor no longer has is created again with every step), the dry run and the step reports.
 */
export async function runPlan<R>(plan: PushPlan<R>, input: RunInput): Promise<RunOutcome> {
  const { ctx, record, runtime } = input;
  const dry = ctx.dryRun;
  const clock = runtime.clock;
  const entry = record.entry;
  const candidateStep = entry.steps[CANDIDATE];

  let rec: VendorRecord<R> | undefined;
  /** How an existing record was matched in this push, for the result. */
  let foundHow: string | undefined;
  let recreated: string | undefined;
  let action: PushAction = "unchanged";
  let incomplete = false;
  const doneByCreate = new Map<string, StepDone>();
  let cv: CvReport | undefined;

  /** Lookups repeated until the vendor shows the record or the settle window since `sentAt` is over. */
  const settle = async (sentAtMs: number, reason: string): Promise<FoundRecord<R> | undefined> => {
    const find = plan.candidate.find?.bind(plan.candidate);
    if (!find) {
      throw new AmbiguousCreateError(
        `the create may have reached ${input.vendor} (${reason}), and this profile cannot be looked up there (no email). ` +
          `Check ${input.vendor}, then run \`${input.resolveHint}\` with the candidate's id, or with --none if it is not there`,
        { attempts: 1, needsResolve: true },
      );
    }
    let pauseMs = Math.max(50, Math.min(1000, runtime.settleWindowMs / 8));
    for (;;) {
      const found = await find();
      if (found) return found;
      const leftMs = sentAtMs + runtime.settleWindowMs - clock.now();
      if (leftMs <= 0) return undefined;
      const waitMs = Math.min(pauseMs, leftMs);
      runtime.emit({ type: "wait", reason: "settle", bucket: ctx.connector, waitMs });
      await clock.sleep(waitMs, input.signal);
      pauseMs = Math.min(pauseMs * 2, 8000);
    }
  };

  /**
   * Takes a record found by a lookup as this push's record. `origin: "created"` when a create of this
   * ledger made it (its answer was lost): ours, but what the create did with it is unknown, so its steps
   * are looked up like those of a found record.
   */
  const adopt = async (
    found: FoundRecord<R>,
    origin: "found" | "created",
    detail: string,
  ): Promise<VendorRecord<R>> => {
    if (!dry) await record.done(CANDIDATE, { recordId: found.id, vendorId: found.id, origin, detail });
    if (!dry) await record.setRecord(found.id);
    return { id: found.id, data: found.data, origin: "found", ours: origin === "created" };
  };

  // 1. The record the ledger names: is it still there? The ATS is the truth.
  if (candidateStep?.status === "done") {
    const ours = candidateStep.origin !== "found";
    const id = entry.vendorId;
    if (dry === "ledger") {
      rec = { id, data: undefined, origin: "ledger", ours };
    } else {
      let state: "present" | "gone" | "unverifiable" = "unverifiable";
      let data: R | undefined;
      let foundId = id;
      if (plan.candidate.read && id !== undefined) {
        data = await plan.candidate.read(id);
        state = data === undefined ? "gone" : "present";
      } else if (plan.candidate.find) {
        const found = await plan.candidate.find();
        state = found ? "present" : "gone";
        data = found?.data;
        foundId = found?.id ?? id;
      }
      const label = id ?? "(no id)";
      const young = clock.now() - Date.parse(candidateStep.at) < runtime.settleWindowMs;
      if (state === "gone" && candidateStep.seen === false && young) {
        // Created but never shown yet: some vendors make the record after answering (Greenhouse v1).
        input.warn(
          `Candidate ${label}, created by a push ${Math.round((clock.now() - Date.parse(candidateStep.at)) / 1000)} s ago, is not visible in ${input.vendor} yet; it is not created again`,
        );
        rec = { id, data: undefined, origin: "ledger", ours };
      } else if (state === "gone") {
        recreated = id ?? "";
        input.warn(
          `Candidate ${label}, recorded by an earlier push, no longer exists in ${input.vendor} (deleted or merged); it is pushed again with every step`,
        );
        if (!dry) await record.forgetRecord();
      } else {
        if (state === "unverifiable")
          input.warn(
            `${input.vendor} cannot be asked whether candidate ${label} still exists (no id to read, no email to search); trusting the push ledger`,
          );
        if (foundId !== id && !dry) await record.setRecord(foundId);
        if (state === "present" && candidateStep.seen === false && !dry)
          await record.done(CANDIDATE, {
            recordId: foundId,
            vendorId: foundId,
            origin: candidateStep.origin,
            detail: candidateStep.detail,
            seen: true,
          });
        rec = { id: foundId, data, origin: "ledger", ours };
      }
    }
  } else if (candidateStep?.status === "in-flight" && !dry) {
    // 2. A create left in flight by a push that died or lost the answer: look before anything else.
    input.warn(
      `An earlier push was interrupted while creating this candidate in ${input.vendor}; looking for it before creating anything`,
    );
    const found = await settle(Date.parse(candidateStep.at), "an earlier push was interrupted");
    if (found) {
      rec = await adopt(found, "created", "found after an interrupted create");
      action = "created";
      input.report({
        step: CANDIDATE,
        status: "done",
        vendorId: found.id,
        detail: "created by an interrupted push, found by a lookup",
      });
    }
  }

  // 3. Find it, or create it.
  if (!rec) {
    const found = plan.candidate.find ? await plan.candidate.find() : undefined;
    if (found) {
      foundHow = found.how;
      rec = await adopt(found, "found", found.how ?? "found");
      if (!plan.candidate.update)
        input.report({
          step: CANDIDATE,
          status: "skipped",
          vendorId: found.id,
          detail: `already in ${input.vendor} (${found.how ?? "found by a lookup"}); ${plan.candidate.leftAsIs ?? "left as is"}`,
        });
    } else {
      rec = await createCandidate();
      if (!rec) {
        return {
          action: "partial",
          vendorId: undefined,
          cv: { status: "failed", reason: `not uploaded: ${input.vendor} holds no candidate yet` },
          incomplete: true,
          recreated,
        };
      }
    }
  }

  // 4. An existing record: update it, or say why it is left as is.
  if (rec.origin !== "created") {
    if (rec.origin === "ledger" && dry === "ledger") {
      const changed = changedFields(entry.fingerprint, input.fingerprint);
      if (changed.length === 0) {
        input.report({
          step: CANDIDATE,
          status: "skipped",
          vendorId: rec.id,
          detail: "unchanged since the last push (according to the push ledger)",
        });
      } else if (plan.candidate.update) {
        action = "updated";
        input.report({
          step: CANDIDATE,
          status: "done",
          vendorId: rec.id,
          detail: `the profile changed since the last push (${changed.join(", ")}): a real push compares with ${input.vendor} and updates what differs`,
        });
      } else {
        input.report({
          step: CANDIDATE,
          status: "skipped",
          vendorId: rec.id,
          detail: `${plan.candidate.leftAsIs ?? "left as is"}; changed since the last push: ${changed.join(", ")}`,
        });
      }
    } else if (plan.candidate.update) {
      const updated = await plan.candidate.update(rec);
      // A record found after an interrupted create of this push stays "created".
      if (updated.changed && action === "unchanged") action = "updated";
      input.report({
        step: CANDIDATE,
        status: updated.changed ? "done" : "skipped",
        vendorId: rec.id,
        detail: `${rec.origin === "ledger" ? "recorded by an earlier push" : (foundHow ?? "found")}; ${updated.detail}`,
      });
    } else if (rec.origin === "ledger") {
      input.report({
        step: CANDIDATE,
        status: "skipped",
        vendorId: rec.id,
        detail: `recorded by an earlier push; ${plan.candidate.leftAsIs ?? "left as is"}`,
      });
    }
  }

  if (!dry) runtime.checkpoint("candidate:recorded");

  // 5. The steps on the record. Steps of a group (employments) are reported as one line.
  const stopped = new Map<string, string>();
  const groups = new Map<string, StepReport[]>();
  const report = (step: RecordStep, line: StepReport): void => {
    if (step.group === undefined) input.report(line);
    else groups.set(step.group, [...(groups.get(step.group) ?? []), line]);
  };
  const current = rec;
  for (const step of plan.steps(current)) {
    const { result, earlier } = await runStep(step);
    if (step.cv) cv = result.cv ?? cvOf(result, earlier);
    if (result.status === "failed") incomplete = true;
    // A step sent to an existing record makes it "updated", unless the vendor said it held it already.
    const changed = result.status === "done" && !earlier && result.alreadyThere !== true;
    if (changed && current.origin !== "created" && action === "unchanged") action = "updated";
  }
  for (const [group, lines] of groups) input.report(groupReport(group, lines));
  cv ??= doneByCreate.get("cv")?.cv ?? { status: "absent" };
  if (cv.status === "failed") incomplete = true;
  return { action, vendorId: current.id, cv, incomplete, recreated };

  async function createCandidate(): Promise<VendorRecord<R> | undefined> {
    for (let attempt = 1; ; attempt++) {
      if (!dry) await record.inFlight(CANDIDATE, undefined);
      const sentAtMs = clock.now();
      let result;
      try {
        if (!dry) runtime.checkpoint("create:sending");
        result = await plan.candidate.create();
        if (!dry) runtime.checkpoint("create:answered");
      } catch (error) {
        if (dry || !(isAmbiguous(error) || isResponseValidationError(error))) {
          // Refused: nothing was created, so the intent goes.
          if (!dry && isConnectorsError(error)) await record.failed(CANDIDATE, undefined, error.detail);
          throw error;
        }
        const reason = isConnectorsError(error) ? error.detail : String(error);
        // The vendor said when it would be back (a 503 with Retry-After): look no sooner, or the lookup may
        // miss a create it is still processing. Too long a wait stops here; the create stays in flight.
        const waitMs = error instanceof HttpError ? (error.retryAfterMs ?? 0) : 0;
        if (waitMs > MAX_LOOKUP_WAIT_MS)
          throw new AmbiguousCreateError(
            `the create may have reached ${input.vendor} (${reason}), which asked to wait ${Math.round(waitMs / 1000)} s before anything else. ` +
              "The ledger keeps it in flight: push again later and the candidate is looked up first",
            { attempts: attempt },
          );
        input.warn(
          `The create may have reached ${input.vendor} (${reason}); looking for the candidate before sending anything again`,
        );
        if (waitMs > 0) await clock.sleep(waitMs, input.signal);
        const found = await settle(sentAtMs, reason);
        if (found) {
          action = "created";
          input.report({
            step: CANDIDATE,
            status: "done",
            vendorId: found.id,
            detail: "created; found by a lookup after the answer was lost",
          });
          return adopt(found, "created", "found after an ambiguous create");
        }
        if (attempt >= 2) {
          throw new AmbiguousCreateError(
            `the create got no clear answer twice and ${input.vendor} still shows no candidate after ${Math.round(runtime.settleWindowMs / 1000)} s (${reason}); ` +
              "the ledger keeps it in flight, and the next push looks for it again before creating anything",
            { attempts: attempt },
          );
        }
        input.warn(
          `${input.vendor} shows no candidate ${Math.round(runtime.settleWindowMs / 1000)} s after the lost answer; sending the create again`,
        );
        continue;
      }
      if ("incomplete" in result) {
        if (!dry) await record.failed(CANDIDATE, undefined, result.incomplete);
        input.report({ step: CANDIDATE, status: "failed", detail: result.incomplete });
        input.report({ step: "cv", status: "skipped", detail: "no candidate to attach the CV to yet" });
        input.warn(result.incomplete);
        return undefined;
      }
      if ("existing" in result) {
        if (!plan.candidate.update)
          input.report({
            step: CANDIDATE,
            status: "skipped",
            vendorId: result.existing.id,
            detail: `already in ${input.vendor} (${result.existing.how ?? "the create said it exists"}); ${plan.candidate.leftAsIs ?? "left as is"}`,
          });
        foundHow = result.existing.how;
        return adopt(result.existing, "found", result.existing.how ?? "exists");
      }
      const created = result.created;
      action = "created";
      if (!dry) {
        await record.done(CANDIDATE, {
          recordId: created.id,
          vendorId: created.id,
          origin: "created",
          detail: "created",
          seen: result.visible ?? true,
        });
        await record.setRecord(created.id);
      }
      input.report({
        step: CANDIDATE,
        status: "done",
        vendorId: created.id,
        detail:
          (recreated !== undefined
            ? `re-created: the earlier candidate ${recreated || "(no id)"} no longer exists; `
            : "") + (result.detail ?? "created"),
      });
      for (const also of result.alsoDone ?? []) {
        doneByCreate.set(also.step, also);
        if (!dry)
          await record.done(also.step, {
            recordId: created.id,
            vendorId: also.vendorId,
            detail: also.cv?.fileName ?? also.detail,
          });
        input.report({ step: also.step, status: "done", vendorId: also.vendorId, detail: also.detail });
      }
      return { id: created.id, data: created.data, origin: "created", ours: true };
    }
  }

  async function runStep(step: RecordStep): Promise<{ result: StepResult; earlier: boolean }> {
    const stoppedBy = step.group === undefined ? undefined : stopped.get(step.group);
    if (stoppedBy !== undefined) {
      report(step, { step: step.name, status: "unsupported", detail: stoppedBy });
      return { result: { status: "unsupported", detail: stoppedBy }, earlier: false };
    }
    const also = doneByCreate.get(step.name);
    if (also)
      return {
        result: { status: "done", detail: also.detail, ...(also.cv ? { cv: also.cv } : {}) },
        earlier: true,
      };
    const previous = record.step(step.name);
    const recordId = current.id;
    if (previous?.status === "done" && previous.recordId === recordId) {
      const detail = "done by an earlier push";
      report(step, { step: step.name, status: "skipped", detail });
      const cvReport: CvReport = { status: "already-uploaded", fileName: previous.detail };
      return { result: { status: "skipped", detail, ...(step.cv ? { cv: cvReport } : {}) }, earlier: true };
    }
    const interrupted = previous?.status === "in-flight" && previous.recordId === recordId && !dry;
    if (interrupted || (current.origin !== "created" && step.lookup)) {
      const there = step.lookup ? await step.lookup() : undefined;
      if (there) {
        if (!dry) await record.done(step.name, { recordId, vendorId: there.vendorId, detail: there.detail });
        report(step, { step: step.name, status: "skipped", vendorId: there.vendorId, detail: there.detail });
        const cvReport: CvReport = { status: "already-uploaded" };
        return {
          result: { status: "skipped", detail: there.detail, ...(step.cv ? { cv: cvReport } : {}) },
          earlier: true,
        };
      }
      if (interrupted && !step.lookup) {
        // Nothing can tell whether it arrived: at most once wins over complete.
        const detail = `an earlier push was interrupted while sending this, and ${input.vendor} cannot be asked whether it arrived; not sent again`;
        await record.done(step.name, { recordId, detail: "in doubt; not sent again" });
        report(step, { step: step.name, status: "skipped", detail });
        input.warn(`${step.name}: ${detail}`);
        return { result: { status: "skipped", detail }, earlier: true };
      }
    }
    if (step.kind === "create" && !dry) {
      await record.inFlight(step.name, recordId);
      runtime.checkpoint(`step:${step.name}:sending`);
    }
    let result: StepResult;
    try {
      result = await step.perform();
    } catch (error) {
      if (stopsThePush(error)) throw error;
      const detail = isConnectorsError(error) ? error.detail : String(error);
      if (step.kind === "create" && isAmbiguous(error) && !dry) {
        // It may have arrived: the intent stays, and the next push looks before sending it again.
        const there = step.lookup ? await step.lookup().catch(() => undefined) : undefined;
        if (there) {
          await record.done(step.name, { recordId, vendorId: there.vendorId, detail: there.detail });
          report(step, { step: step.name, status: "done", vendorId: there.vendorId, detail: there.detail });
          return {
            result: { status: "done", vendorId: there.vendorId, detail: there.detail },
            earlier: false,
          };
        }
        const note = `${detail}; it may have arrived, so a later push looks before sending it again`;
        report(step, { step: step.name, status: "failed", detail: note });
        input.warn(`${step.name} failed: ${note}`);
        return { result: { status: "failed", detail: note }, earlier: false };
      }
      result = { status: "failed", detail };
      input.warn(`${step.name} failed: ${detail}`);
    }
    switch (result.status) {
      case "done":
        if (!dry)
          await record.done(step.name, { recordId, vendorId: result.vendorId, detail: result.detail });
        break;
      case "failed":
        if (!dry) await record.failed(step.name, recordId, result.detail);
        break;
      case "unsupported":
        if (step.group !== undefined) stopped.set(step.group, result.detail);
        if (!dry) await record.clear(step.name);
        break;
      case "skipped":
        if (!dry) await record.clear(step.name);
        break;
    }
    report(step, {
      step: step.name,
      status: result.status === "done" && result.alreadyThere === true ? "skipped" : result.status,
      detail: result.detail,
      ...(result.status === "done" && result.vendorId !== undefined ? { vendorId: result.vendorId } : {}),
    });
    return { result, earlier: false };
  }

  function cvOf(result: StepResult, earlier: boolean): CvReport {
    switch (result.status) {
      case "done":
        return earlier
          ? { status: "inline", fileName: result.detail }
          : { status: "uploaded", fileName: result.detail };
      case "failed":
        return { status: "failed", reason: result.detail };
      case "unsupported":
        return { status: "not-supported", reason: result.detail };
      case "skipped":
        return earlier ? { status: "already-uploaded" } : { status: "absent", reason: result.detail };
    }
  }
}

/** One line for the steps of a group: how many were done, already there, failed or unsupported. */
function groupReport(group: string, lines: readonly StepReport[]): StepReport {
  const count = (status: StepReport["status"]): number => lines.filter((l) => l.status === status).length;
  const failed = lines.filter((l) => l.status === "failed");
  const unsupported = lines.find((l) => l.status === "unsupported");
  const parts = [
    count("done") + count("planned") > 0 ? `${count("done") + count("planned")} added` : "",
    count("skipped") > 0 ? `${count("skipped")} already there` : "",
    failed.length > 0 ? `${failed.length} failed (${failed.at(-1)?.detail ?? ""})` : "",
    unsupported ? `${count("unsupported")} not sent: ${unsupported.detail ?? "unsupported"}` : "",
  ].filter(Boolean);
  const status: StepReport["status"] =
    failed.length > 0
      ? "failed"
      : unsupported
        ? "unsupported"
        : count("done") + count("planned") > 0
          ? "done"
          : "skipped";
  return { step: group, status, detail: parts.join(", ") };
}
