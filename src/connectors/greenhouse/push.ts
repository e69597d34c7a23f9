import type { z } from "zod";
import type { CvFile } from "../../core/cv.js";
import {
  AmbiguousCreateError,
  AuthError,
  ConfigError,
  HttpError,
  isConnectorsError,
  RateLimitError,
  ResponseValidationError,
} from "../../core/errors.js";
import type { RequestSpec } from "../../core/http/types.js";
import { createOnce } from "../create-once.js";
import { failedCv, uploadCvOnce } from "../cv-step.js";
import type { CvReport, PushAction, PushContext, PushOutcome } from "../definition.js";
import * as api from "./api.js";
import { harvestVersion } from "./auth.js";
import { v1CandidateBody, v3CandidateBody } from "./mapping.js";
import {
  GreenhouseV1CandidateListSchema,
  GreenhouseV1CandidateSchema,
  GreenhouseV3ApplicationListSchema,
  GreenhouseV3AttachmentListSchema,
  GreenhouseV3CandidateListSchema,
  type GreenhouseCandidatePayload,
  type GreenhouseEmployment,
  type GreenhouseV1Candidate,
} from "./schema.js";

/** The connector's options after validation. */
export interface GreenhouseOptions {
  jobId: number[];
  onBehalfOf?: string | undefined;
}
type Ctx = PushContext<GreenhouseOptions, GreenhouseCandidatePayload>;

/** Ledger detail of a v1 candidate whose create answer held only ids (Greenhouse was still creating it). */
const TRUNCATED_DETAIL = "created; Greenhouse answered with ids only (asynchronous creation)";
/** Pages followed at most on a list call (100 items each). */
const MAX_PAGES = 20;

const SITE_ADMIN_HINT =
  "Harvest v3 list endpoints need a Site Admin acting user and the list scopes (harvest:candidates:list, harvest:applications:list): " +
  "mint the token with `sub` set to a Site Admin's Greenhouse user id (GREENHOUSE_SUB) and check the credential's scopes in Dev Center";

// ---------------------------------------------------------------------------------------------------
// Shared helpers

/** The `rel="next"` URL of an RFC 8288 `Link` header. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(",")) {
    const match = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (match?.[1] && /\brel="?next"?/i.test(match[2] ?? "")) return match[1];
  }
  return undefined;
}

/**
 * Reads every page of a list call. Harvest v3 pages with an opaque cursor that must be the only query
 * parameter: the `next` link is followed exactly as given, and only on the API's own origin.
 */
async function listAll<T>(
  ctx: Ctx,
  first: RequestSpec<unknown>,
  schema: z.ZodType<T[]>,
  forbidden: string,
): Promise<T[]> {
  const items: unknown[] = [];
  let spec = first;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await ctx.http.request(spec);
    if (response.status === 403) {
      throw new AuthError(`Greenhouse refused to ${first.operation} (403). ${forbidden}`);
    }
    if (!Array.isArray(response.data)) {
      throw new ResponseValidationError(`Greenhouse: ${first.operation} (${response.status})`, [
        "(body): expected a JSON list",
      ]);
    }
    const page: readonly unknown[] = response.data;
    items.push(...page);
    const next = nextLink(response.headers.get("link"));
    if (!next) break;
    if (new URL(next, ctx.http.baseUrl).origin !== new URL(ctx.http.baseUrl).origin) {
      ctx.warn(`Greenhouse sent a next-page link to another host; not followed (${first.operation})`);
      break;
    }
    spec = { ...first, path: new URL(next, ctx.http.baseUrl).toString(), query: {} };
  }
  const parsed = schema.safeParse(items);
  if (!parsed.success) {
    throw new ResponseValidationError(
      `Greenhouse: ${first.operation}`,
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`),
    );
  }
  return parsed.data;
}

const hasEmail = (
  entries: readonly { value?: string | null | undefined }[] | null | undefined,
  email: string,
) => (entries ?? []).some((e) => e.value?.trim().toLowerCase() === email);

/** The oldest of the candidates holding this exact email (warns when there are several). */
function pickByEmail<
  C extends { id: string; email_addresses?: { value?: string | null | undefined }[] | null | undefined },
>(ctx: Ctx, candidates: readonly C[], email: string): C | undefined {
  const matches = candidates
    .filter((c) => hasEmail(c.email_addresses, email))
    .sort((a, b) => Number(a.id) - Number(b.id));
  if (matches.length > 1) {
    ctx.warn(
      `${matches.length} Greenhouse candidates have this email (ids ${matches.map((c) => c.id).join(", ")}); using the oldest, ${matches[0]?.id ?? ""}`,
    );
  }
  return matches[0];
}

/** Errors that fail one step (an application) without failing the push; the rest propagate. */
function isStepFailure(error: unknown): error is HttpError | AmbiguousCreateError {
  return (error instanceof HttpError && !error.ambiguous) || error instanceof AmbiguousCreateError;
}

async function failStep(ctx: Ctx, step: string, error: HttpError | AmbiguousCreateError): Promise<void> {
  const detail = error.detail;
  if (!ctx.dryRun) await ctx.record.failed(step, detail);
  ctx.report({ step, status: "failed", detail });
  ctx.warn(`${step} failed: ${detail}`);
}

/** Reports educations as unsupported: Greenhouse wants ids of its own lists, a profile has names. */
function reportEducations(ctx: Ctx, version: "v1" | "v3"): void {
  const count = ctx.profile.educations.filter((e) => e.school || e.title).length;
  if (count === 0) return;
  const lists =
    version === "v3"
      ? "ids of the organisation's school, degree and discipline custom-field options"
      : "ids from GET /v1/schools, /v1/degrees and /v1/disciplines";
  ctx.report({
    step: "educations",
    status: "unsupported",
    detail: `Greenhouse records an education only as ${lists}, which an HrFlow profile does not carry (it has free-text names); ${count} education(s) not sent`,
  });
}

/** Says how many experiences became employments, and why the others did not. */
function employmentSummary(ctx: Ctx, sent: number): string {
  const total = ctx.profile.experiences.length;
  const skipped = total - sent;
  return skipped > 0
    ? `${sent} of ${total} experiences; ${skipped} lack a company, a title or a readable start date, which Greenhouse requires`
    : `${sent} experience(s)`;
}

/** The CV as base64 `content` (Greenhouse also takes a public `url`, but HrFlow's links may expire). */
const base64 = (file: CvFile): string => Buffer.from(file.bytes).toString("base64");

// ---------------------------------------------------------------------------------------------------
// Harvest v3

async function v3FindByEmail(ctx: Ctx, email: string): Promise<string | undefined> {
  const candidates = await listAll(
    ctx,
    api.v3ListCandidatesByEmail(email),
    GreenhouseV3CandidateListSchema,
    SITE_ADMIN_HINT,
  );
  return pickByEmail(ctx, candidates, email)?.id;
}

/** The candidate recorded by an earlier push, if Greenhouse still has it. */
async function v3Recorded(ctx: Ctx): Promise<string | undefined> {
  const id = ctx.record.vendorId;
  if (!id || ctx.dryRun) return undefined;
  const found = await listAll(
    ctx,
    api.v3ListCandidatesById(id),
    GreenhouseV3CandidateListSchema,
    SITE_ADMIN_HINT,
  );
  if (found.some((c) => c.id === id)) return id;
  ctx.warn(
    `Candidate ${id}, recorded by an earlier push, is no longer in Greenhouse (deleted or merged); looking it up by email`,
  );
  return undefined;
}

/** The candidate's applications, by job id. */
async function v3ApplicationsByJob(ctx: Ctx, candidateId: string): Promise<Map<number, string>> {
  const applications = await listAll(
    ctx,
    api.v3ListApplications(candidateId),
    GreenhouseV3ApplicationListSchema,
    SITE_ADMIN_HINT,
  );
  const byJob = new Map<number, string>();
  for (const app of applications) {
    // The list filter is trusted only as far as the ids it returns.
    if (app.candidateId !== undefined && app.candidateId !== candidateId) continue;
    for (const job of app.jobIds) if (!byJob.has(Number(job))) byJob.set(Number(job), app.id);
  }
  return byJob;
}

/** True when the candidate already holds this CV (a resume, or an earlier resume reclassified as other). */
async function v3HasCv(ctx: Ctx, candidateId: string, file: CvFile): Promise<boolean> {
  const response = await ctx.http.request(api.v3ListAttachments(candidateId));
  const parsed = GreenhouseV3AttachmentListSchema.safeParse(response.data);
  if (response.status !== 200 || !parsed.success) {
    ctx.warn(
      `Could not list candidate ${candidateId}'s attachments (${response.status}); the CV is uploaded without checking for an earlier copy`,
    );
    return false;
  }
  return parsed.data.some(
    (a) =>
      (a.candidate_id === undefined || a.candidate_id === null || a.candidate_id === candidateId) &&
      a.filename === file.fileName &&
      (a.type === "resume" || a.type === "other"),
  );
}

/**
 * Employments go through their own endpoint in v3, one call each. A 403 means the credential lacks the
 * optional scope: said in the result, not a failure of the push. Each one is recorded, so a replay adds
 * only those still missing.
 */
async function v3AddEmployments(
  ctx: Ctx,
  candidateId: string,
  employments: readonly GreenhouseEmployment[],
): Promise<void> {
  let added = 0;
  let failures = 0;
  let lastError = "";
  for (const [index, employment] of employments.entries()) {
    const step = `employment:${index}`;
    if (ctx.record.isDone(step)) {
      added++;
      continue;
    }
    try {
      const response = await ctx.http.request(
        api.v3CreateEmployment({ candidate_id: api.wireId(candidateId), ...employment }),
      );
      if (response.status === 403) {
        ctx.report({
          step: "employments",
          status: "unsupported",
          detail: `credential lacks harvest:candidate_employments:create; ${employments.length - added} employment(s) not sent`,
        });
        ctx.warn(
          "Employments were not added: the Greenhouse credential lacks the harvest:candidate_employments:create scope",
        );
        return;
      }
      if (!ctx.dryRun) await ctx.record.done(step);
      added++;
    } catch (error) {
      // A refused employment (422), a lost answer or a server error: recorded, the others still go and a
      // later push retries it. Refused credentials and rate limits stop the push.
      if (!isConnectorsError(error) || error instanceof AuthError || error instanceof RateLimitError)
        throw error;
      failures++;
      lastError = error.detail;
      if (!ctx.dryRun) await ctx.record.failed(step, error.detail);
    }
  }
  if (failures > 0) {
    if (!ctx.dryRun) await ctx.record.failed("employments", lastError);
    ctx.report({
      step: "employments",
      status: "failed",
      detail: `${failures} of ${employments.length} employment(s) failed (${lastError}); a later push retries them`,
    });
    return;
  }
  if (!ctx.dryRun) await ctx.record.done("employments", { detail: `${added}` });
  ctx.report({ step: "employments", status: "done", detail: employmentSummary(ctx, added) });
}

async function pushV3(ctx: Ctx, email: string): Promise<PushOutcome> {
  const { payload } = ctx;
  const jobs = ctx.options.jobId;
  const firstJob = jobs[0];
  if (firstJob === undefined)
    throw new ConfigError([{ path: "jobId", message: "needs at least one job id" }]);

  // Whether an earlier push of this ledger created the candidate (its employments are then ours to finish).
  const createdEarlier = ctx.record.isDone("candidate") ? ctx.record.vendorId : undefined;
  let candidateId = (await v3Recorded(ctx)) ?? (await v3FindByEmail(ctx, email));
  let action: PushAction = "unchanged";
  /** Created by this push and answered normally: it holds exactly the nested application. */
  let createdNow = false;
  /** Applications known so far, by job. */
  const applications = new Map<number, string>();
  const reported = new Set<number>();

  if (candidateId === undefined) {
    const answer: { nested?: string | undefined } = {};
    const created = await createOnce(ctx, {
      create: async () => {
        const { data } = await ctx.http.request(api.v3CreateCandidate(v3CandidateBody(payload, firstJob)));
        answer.nested = data.applicationId;
        return data.candidateId;
      },
      lookup: () => v3FindByEmail(ctx, email),
    });
    candidateId = created.vendorId;
    if (candidateId === undefined)
      throw new ResponseValidationError("Greenhouse: create candidate", ["no candidate id in the answer"]);
    action = "created";
    createdNow = !created.found;
    ctx.report({
      step: "candidate",
      status: "done",
      vendorId: candidateId,
      detail: created.found
        ? "found after an ambiguous create"
        : `created with its application to job ${firstJob}`,
    });
    const { nested } = answer;
    if (createdNow && nested !== undefined) {
      applications.set(firstJob, nested);
      reported.add(firstJob);
      if (!ctx.dryRun) await ctx.record.done(`application:${firstJob}`, { vendorId: nested });
      ctx.report({
        step: `application:${firstJob}`,
        status: "done",
        vendorId: nested,
        detail: "created with the candidate",
      });
    }
  } else {
    ctx.report({
      step: "candidate",
      status: "skipped",
      vendorId: candidateId,
      detail: "already in Greenhouse; left as is (only missing applications are added)",
    });
  }
  await ctx.record.setVendorId(candidateId);
  const id = candidateId;
  const ours = action === "created" || createdEarlier === id;

  // Applications: one POST /v3/applications per job the candidate has not applied to yet. A candidate
  // created just now holds only the nested application, so there is nothing to list.
  if (jobs.some((job) => !applications.has(job))) {
    if (!(createdNow && applications.size > 0)) {
      for (const [job, appId] of await v3ApplicationsByJob(ctx, id))
        if (!applications.has(job)) applications.set(job, appId);
    }
    for (const job of jobs) {
      const step = `application:${job}`;
      const existing = applications.get(job);
      if (existing !== undefined) {
        if (reported.has(job)) continue;
        // The nested application of a candidate created by this push (listed: the answer did not show it).
        const withCandidate = action === "created" && job === firstJob;
        if (withCandidate && !ctx.dryRun) await ctx.record.done(step, { vendorId: existing });
        ctx.report({
          step,
          status: withCandidate ? "done" : "skipped",
          vendorId: existing,
          detail: withCandidate ? "created with the candidate" : "already applied",
        });
        continue;
      }
      try {
        const created = await createOnce(ctx, {
          step,
          what: `application to job ${job}`,
          create: async () =>
            (await ctx.http.request(api.v3CreateApplication({ candidate_id: api.wireId(id), job_id: job })))
              .data.id,
          lookup: async () => (await v3ApplicationsByJob(ctx, id)).get(job),
        });
        if (created.vendorId !== undefined) applications.set(job, created.vendorId);
        ctx.report({
          step,
          status: "done",
          vendorId: created.vendorId,
          detail: created.found ? "found after an ambiguous create" : "created",
        });
        if (action === "unchanged") action = "updated";
      } catch (error) {
        if (!isStepFailure(error)) throw error;
        await failStep(ctx, step, error);
      }
    }
  }

  // Employments and educations: only for a candidate this ledger created; a candidate found by email is
  // someone's record, left as is. Employments not added yet (failed, or refused for lack of scope) are
  // tried again by a later push.
  const employments = payload.employments ?? [];
  if (ours && !ctx.record.isDone("employments")) {
    if (employments.length > 0) await v3AddEmployments(ctx, id, employments);
    else if (action === "created" && ctx.profile.experiences.length > 0)
      ctx.report({ step: "employments", status: "skipped", detail: employmentSummary(ctx, 0) });
  }
  if (action === "created") reportEducations(ctx, "v3");

  // The CV goes on the first job's application (or the first application that exists).
  const cvApplication = jobs.map((job) => applications.get(job)).find((appId) => appId !== undefined);
  let cv: CvReport;
  if (cvApplication === undefined) {
    const reason = "no application to attach the CV to (every application failed)";
    if (!ctx.dryRun) await ctx.record.failed("cv", reason);
    ctx.report({ step: "cv", status: "failed", detail: reason });
    cv = { status: "failed", reason };
  } else {
    cv = await uploadCvOnce(ctx, {
      alreadyThere: (file) => (createdNow ? Promise.resolve(false) : v3HasCv(ctx, id, file)),
      upload: async (file) => {
        await ctx.http.request(
          api.v3CreateAttachment({
            application_id: api.wireId(cvApplication),
            filename: file.fileName,
            type: "resume",
            content: base64(file),
          }),
        );
      },
    }).catch((error: unknown) => failedCv(ctx, error));
    if (cv.status === "uploaded" && action === "unchanged") action = "updated";
  }
  return { action, vendorId: id, cv };
}

// ---------------------------------------------------------------------------------------------------
// Harvest v1 (legacy)

const V1_FORBIDDEN =
  "The Harvest API key lacks the permission for this endpoint: grant it in Greenhouse (Configure > Dev Center > API Credential Management)";

async function v1FindByEmail(ctx: Ctx, email: string): Promise<GreenhouseV1Candidate | undefined> {
  const candidates = await listAll(
    ctx,
    api.v1ListCandidatesByEmail(email),
    GreenhouseV1CandidateListSchema,
    V1_FORBIDDEN,
  );
  return pickByEmail(ctx, candidates, email);
}

/** `GET /v1/candidates/{id}`; undefined on 404 (deleted, or not readable yet after an asynchronous create). */
async function v1Get(ctx: Ctx, id: string): Promise<GreenhouseV1Candidate | undefined> {
  const response = await ctx.http.request(api.v1GetCandidate(id));
  if (response.status === 404) return undefined;
  const parsed = GreenhouseV1CandidateSchema.safeParse(response.data);
  if (!parsed.success)
    throw new ResponseValidationError(
      "Greenhouse: get candidate",
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`),
    );
  return parsed.data;
}

const v1Jobs = (candidate: GreenhouseV1Candidate | undefined): Set<number> =>
  new Set(
    (candidate?.applications ?? []).flatMap((app) =>
      app.prospect ? [] : (app.jobs ?? []).map((j) => Number(j.id)),
    ),
  );

async function pushV1(ctx: Ctx, email: string, onBehalfOf: string): Promise<PushOutcome> {
  const { payload } = ctx;
  const jobs = ctx.options.jobId;
  const recordedId = ctx.dryRun ? undefined : ctx.record.vendorId;

  let candidate = recordedId ? await v1Get(ctx, recordedId) : undefined;
  candidate ??= await v1FindByEmail(ctx, email);

  if (!candidate && recordedId && ctx.record.step("candidate")?.detail === TRUNCATED_DETAIL) {
    // Created by an earlier push whose answer held only ids: Greenhouse is still building the record.
    // Creating it again would make a second candidate; wait for it instead.
    ctx.report({
      step: "candidate",
      status: "skipped",
      vendorId: recordedId,
      detail: "created by an earlier push and not readable yet (Greenhouse creates it asynchronously)",
    });
    ctx.warn(
      `Greenhouse is still creating candidate ${recordedId}; push again later to check its applications and CV`,
    );
    const cv: CvReport = ctx.record.isDone("cv")
      ? { status: "already-uploaded", fileName: ctx.record.step("cv")?.detail }
      : { status: "absent" };
    return { action: "unchanged", vendorId: recordedId, cv };
  }
  if (!candidate && recordedId) {
    ctx.warn(
      `Candidate ${recordedId}, recorded by an earlier push, is no longer in Greenhouse; creating it again`,
    );
  }

  if (!candidate) {
    // Every application and the CV go inside the create: one request, nothing to replay.
    const cvResult = await ctx.cv();
    const file = cvResult.status === "ok" ? cvResult.file : undefined;
    // Set by the create's answer (a closure, hence an object).
    const answer = { truncated: false };
    const created = await createOnce(ctx, {
      create: async () => {
        const { data } = await ctx.http.request(
          api.v1CreateCandidate(v1CandidateBody(payload, jobs, file), onBehalfOf),
        );
        answer.truncated = data.truncated;
        return data.candidateId;
      },
      lookup: async () => (await v1FindByEmail(ctx, email))?.id,
    });
    const id = created.vendorId;
    if (id === undefined)
      throw new ResponseValidationError("Greenhouse: create candidate", ["no candidate id"]);
    await ctx.record.setVendorId(id);
    if (created.found) {
      // Found after an ambiguous create: check it like an existing candidate.
      ctx.report({
        step: "candidate",
        status: "done",
        vendorId: id,
        detail: "found after an ambiguous create",
      });
      return v1Existing(ctx, (await v1Get(ctx, id)) ?? { id }, onBehalfOf, "created");
    }
    const { truncated } = answer;
    if (truncated && !ctx.dryRun)
      await ctx.record.done("candidate", { vendorId: id, detail: TRUNCATED_DETAIL });
    ctx.report({
      step: "candidate",
      status: "done",
      vendorId: id,
      detail: truncated
        ? "created (Greenhouse answered with ids only; the record is completed asynchronously)"
        : "created",
    });
    for (const job of jobs) {
      if (!ctx.dryRun) await ctx.record.done(`application:${job}`);
      ctx.report({ step: `application:${job}`, status: "done", detail: "created with the candidate" });
    }
    const employments = payload.employments ?? [];
    if (employments.length > 0 || ctx.profile.experiences.length > 0)
      ctx.report({
        step: "employments",
        status: employments.length > 0 ? "done" : "skipped",
        detail: `${employmentSummary(ctx, employments.length)}; sent with the candidate`,
      });
    reportEducations(ctx, "v1");

    let cv: CvReport;
    if (file) {
      if (!ctx.dryRun) await ctx.record.done("cv", { detail: file.fileName });
      ctx.report({
        step: "cv",
        status: "done",
        detail: `${file.fileName} (${file.contentType}, ${file.bytes.byteLength} bytes), in the first application`,
      });
      cv = { status: "inline", fileName: file.fileName, contentType: file.contentType };
    } else if (cvResult.status === "failed") {
      if (!ctx.dryRun) await ctx.record.failed("cv", cvResult.reason);
      ctx.report({ step: "cv", status: "failed", detail: cvResult.reason });
      cv = { status: "failed", reason: cvResult.reason };
    } else {
      ctx.report({ step: "cv", status: "skipped", detail: "the profile has no CV attachment" });
      cv = { status: "absent" };
    }
    return { action: "created", vendorId: id, cv };
  }

  await ctx.record.setVendorId(candidate.id);
  // Readable now: the asynchronous creation is over (a later 404 then means it was deleted).
  if (!ctx.dryRun && ctx.record.step("candidate")?.detail === TRUNCATED_DETAIL)
    await ctx.record.done("candidate", { vendorId: candidate.id, detail: "created (asynchronously)" });
  ctx.report({
    step: "candidate",
    status: "skipped",
    vendorId: candidate.id,
    detail: "already in Greenhouse; left as is (only missing applications are added)",
  });
  return v1Existing(ctx, candidate, onBehalfOf, "unchanged");
}

/** An existing v1 candidate: add the applications it lacks, then the CV if it does not hold it yet. */
async function v1Existing(
  ctx: Ctx,
  candidate: GreenhouseV1Candidate,
  onBehalfOf: string,
  initial: PushAction,
): Promise<PushOutcome> {
  const id = candidate.id;
  let action = initial;
  const applied = v1Jobs(candidate);
  for (const job of ctx.options.jobId) {
    const step = `application:${job}`;
    if (applied.has(job)) {
      ctx.report({ step, status: "skipped", detail: "already applied" });
      continue;
    }
    try {
      const created = await createOnce(ctx, {
        step,
        what: `application to job ${job}`,
        create: async () => (await ctx.http.request(api.v1AddApplication(id, job, onBehalfOf))).data.id,
        lookup: async () => {
          const fresh = await v1Get(ctx, id);
          return v1Jobs(fresh).has(job) ? `job ${job}` : undefined;
        },
      });
      ctx.report({
        step,
        status: "done",
        vendorId: created.found ? undefined : created.vendorId,
        detail: created.found ? "found after an ambiguous create" : "created",
      });
      if (action === "unchanged") action = "updated";
    } catch (error) {
      if (!isStepFailure(error)) throw error;
      await failStep(ctx, step, error);
    }
  }

  const cv = await uploadCvOnce(ctx, {
    alreadyThere: (file) =>
      Promise.resolve(
        (candidate.attachments ?? []).some(
          (a) => a.filename === file.fileName && (a.type === "resume" || a.type === "other"),
        ),
      ),
    upload: async (file) => {
      await ctx.http.request(api.v1AddAttachment(id, file, onBehalfOf));
    },
  }).catch((error: unknown) => failedCv(ctx, error));
  if (cv.status === "uploaded" && action === "unchanged") action = "updated";
  return { action, vendorId: id, cv };
}

// ---------------------------------------------------------------------------------------------------

/**
 * The push: checks the options against the credential's Harvest version, then finds the candidate (ledger,
 * then email), creates it or adds the applications it lacks, and uploads the CV.
 */
export async function pushToGreenhouse(ctx: Ctx): Promise<PushOutcome> {
  const version = harvestVersion(ctx.auth);
  const { onBehalfOf } = ctx.options;
  if (version === "v3" && onBehalfOf !== undefined) {
    throw new ConfigError(
      [
        {
          path: "onBehalfOf",
          message:
            "is Harvest v1 only. With v3 the acting user is the token's `sub`: new OAuth2ClientCredentials({ clientId, clientSecret, sub: " +
            `${onBehalfOf} }) (GREENHOUSE_SUB in the CLI)`,
        },
      ],
      { summary: "Invalid Greenhouse options" },
    );
  }
  if (version === "v1" && onBehalfOf === undefined) {
    throw new ConfigError(
      [
        {
          path: "onBehalfOf",
          message:
            "is required with a Harvest v1 key: the id of the Greenhouse user the candidate is added on behalf of (On-Behalf-Of header)",
        },
      ],
      { summary: "Invalid Greenhouse options" },
    );
  }
  const email = ctx.payload.email_addresses[0]?.value.trim().toLowerCase() ?? "";
  if (version === "v3") return pushV3(ctx, email);
  return pushV1(ctx, email, onBehalfOf ?? "");
}
