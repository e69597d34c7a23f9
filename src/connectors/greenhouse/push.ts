import type { z } from "zod";
import type { CvFile } from "../../core/cv.js";
import { AuthError, ConfigError, isHttpError, ResponseValidationError } from "../../core/errors.js";
import type { RequestSpec } from "../../core/http/types.js";
import { cvStep } from "../cv-step.js";
import type { PushContext, PushPlan, RecordStep, StepResult, VendorRecord } from "../definition.js";
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
  type GreenhouseV1Candidate,
} from "./schema.js";

/** The connector's options after validation. */
export interface GreenhouseOptions {
  jobId: number[];
  onBehalfOf?: string | undefined;
}
type Ctx = PushContext<GreenhouseOptions, GreenhouseCandidatePayload>;

/** Pages followed at most on a list call (100 items each). */
const MAX_PAGES = 20;

const SITE_ADMIN_HINT =
  "Harvest v3 list endpoints need a Site Admin acting user and the list scopes (harvest:candidates:list, harvest:applications:list): " +
  "mint the token with `sub` set to a Site Admin's Greenhouse user id (GREENHOUSE_SUB) and check the credential's scopes in Dev Center";

const V1_FORBIDDEN =
  "The Harvest API key lacks the permission for this endpoint: grant it in Greenhouse (Configure > Dev Center > API Credential Management)";

const LEFT_AS_IS = "left as is (only missing applications, and the CV, are added)";

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

/** A step result reporting educations as unsupported: Greenhouse wants ids of its own lists. */
function educationsStep(ctx: Ctx, version: "v1" | "v3"): RecordStep | undefined {
  const count = ctx.profile.educations.filter((e) => e.school || e.title).length;
  if (count === 0) return undefined;
  const lists =
    version === "v3"
      ? "ids of the organisation's school, degree and discipline custom-field options"
      : "ids from GET /v1/schools, /v1/degrees and /v1/disciplines";
  return {
    name: "educations",
    kind: "idempotent",
    perform: () =>
      Promise.resolve({
        status: "unsupported",
        detail: `Greenhouse records an education only as ${lists}, which an HrFlow profile does not carry (it has free-text names); ${count} education(s) not sent`,
      }),
  };
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

/** The profile's email as Greenhouse stores it, or undefined (the ledger alone then recognises it). */
function emailOf(ctx: Ctx): string | undefined {
  const email = ctx.payload.email_addresses?.[0]?.value.trim().toLowerCase();
  if (!email)
    ctx.warn(
      "The profile has no valid email: Greenhouse cannot be searched for it, so only the push ledger recognises it on a repeated push",
    );
  return email;
}

// ---------------------------------------------------------------------------------------------------
// Harvest v3

function planV3(ctx: Ctx): PushPlan<unknown> {
  const { payload } = ctx;
  const jobs = ctx.options.jobId;
  const firstJob = jobs[0];
  if (firstJob === undefined)
    throw new ConfigError([{ path: "jobId", message: "needs at least one job id" }]);
  const email = emailOf(ctx);
  /** Applications known so far, by job (filled by the create, the listing and the application steps). */
  const applications = new Map<number, string>();
  let listed: Promise<Map<number, string>> | undefined;
  const applicationsOf = (candidateId: string, fresh = false): Promise<Map<number, string>> => {
    if (fresh || !listed) {
      listed = listAll(
        ctx,
        api.v3ListApplications(candidateId),
        GreenhouseV3ApplicationListSchema,
        SITE_ADMIN_HINT,
      ).then((list) => {
        const byJob = new Map<number, string>();
        for (const app of list) {
          // The list filter is trusted only as far as the ids it returns.
          if (app.candidateId !== undefined && app.candidateId !== candidateId) continue;
          for (const job of app.jobIds) if (!byJob.has(Number(job))) byJob.set(Number(job), app.id);
        }
        for (const [job, id] of byJob) if (!applications.has(job)) applications.set(job, id);
        return byJob;
      });
    }
    return listed;
  };
  const findByEmail = async (address: string): Promise<string | undefined> => {
    const candidates = await listAll(
      ctx,
      api.v3ListCandidatesByEmail(address),
      GreenhouseV3CandidateListSchema,
      SITE_ADMIN_HINT,
    );
    return pickByEmail(ctx, candidates, address)?.id;
  };

  const applicationStep = (record: VendorRecord<unknown>, job: number): RecordStep => {
    const id = record.id ?? "";
    return {
      name: `application:${job}`,
      kind: "create",
      lookup: async () => {
        const appId = (await applicationsOf(id)).get(job);
        return appId === undefined ? undefined : { vendorId: appId, detail: "already applied" };
      },
      perform: async () => {
        try {
          const { data } = await ctx.http.request(
            api.v3CreateApplication({ candidate_id: api.wireId(id), job_id: job }),
          );
          applications.set(job, data.id);
          return { status: "done", vendorId: data.id, detail: "created" };
        } catch (error) {
          // "The candidate has already applied to this job": there after all (a create whose answer was lost).
          if (!(
            isHttpError(error) &&
            error.status === 422 &&
            /already applied/i.test(error.vendorMessage ?? "")
          ))
            throw error;
          const appId = (await applicationsOf(id, true)).get(job);
          return { status: "done", vendorId: appId, detail: "already applied", alreadyThere: true };
        }
      },
    };
  };

  /**
   * Employments go through their own endpoint in v3, one call each, only for a candidate this ledger
   * created (a candidate found by email is someone's record). A 403 means the credential lacks the
   * optional scope: said in the result, and the remaining ones are not tried.
   */
  const employmentSteps = (record: VendorRecord<unknown>): RecordStep[] =>
    (payload.employments ?? []).map((employment, index) => ({
      name: `employment:${index}`,
      kind: "create",
      group: "employments",
      perform: async (): Promise<StepResult> => {
        const response = await ctx.http.request(
          api.v3CreateEmployment({ candidate_id: api.wireId(record.id ?? ""), ...employment }),
        );
        if (response.status === 403) {
          ctx.warn(
            "Employments were not added: the Greenhouse credential lacks the harvest:candidate_employments:create scope",
          );
          return {
            status: "unsupported",
            detail: "credential lacks harvest:candidate_employments:create; employments not sent",
          };
        }
        return { status: "done", detail: `${employment.company_name}, ${employment.title}` };
      },
    }));

  return {
    candidate: {
      read: async (id) => {
        const found = await listAll(
          ctx,
          api.v3ListCandidatesById(id),
          GreenhouseV3CandidateListSchema,
          SITE_ADMIN_HINT,
        );
        return found.find((c) => c.id === id);
      },
      ...(email
        ? {
            find: async () => {
              const id = await findByEmail(email);
              return id === undefined ? undefined : { id, how: "matched by email" };
            },
          }
        : {}),
      create: async () => {
        const { data } = await ctx.http.request(api.v3CreateCandidate(v3CandidateBody(payload, firstJob)));
        if (data.applicationId !== undefined) applications.set(firstJob, data.applicationId);
        return {
          created: { id: data.candidateId },
          detail: `created with its application to job ${firstJob}`,
          alsoDone:
            data.applicationId !== undefined
              ? [
                  {
                    step: `application:${firstJob}`,
                    vendorId: data.applicationId,
                    detail: "created with the candidate",
                  },
                ]
              : [],
        };
      },
      leftAsIs: LEFT_AS_IS,
    },
    steps: (record) => {
      const id = record.id ?? "";
      const steps: RecordStep[] = jobs.map((job) => applicationStep(record, job));
      if (record.ours) {
        steps.push(...employmentSteps(record));
        if ((payload.employments ?? []).length === 0 && ctx.profile.experiences.length > 0)
          ctx.report({ step: "employments", status: "skipped", detail: employmentSummary(ctx, 0) });
      }
      if (record.origin === "created") {
        const educations = educationsStep(ctx, "v3");
        if (educations) steps.push(educations);
      }
      // The CV goes on the first job's application (or the first application that exists).
      const cv = cvStep(ctx, {
        alreadyThere: (file) => v3HasCv(ctx, id, file),
        upload: async (file) => {
          const first = (): string | undefined =>
            jobs.map((job) => applications.get(job)).find((a) => a !== undefined);
          if (first() === undefined && record.origin !== "created") await applicationsOf(id);
          const application = first();
          if (application === undefined)
            throw new ResponseValidationError("Greenhouse: upload resume", [
              "no application to attach the CV to (every application failed)",
            ]);
          await ctx.http.request(
            api.v3CreateAttachment({
              application_id: api.wireId(application),
              filename: file.fileName,
              type: "resume",
              content: base64(file),
            }),
          );
        },
      });
      steps.push(cv);
      return steps;
    },
  };
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

// ---------------------------------------------------------------------------------------------------
// Harvest v1 (legacy)

const v1Jobs = (candidate: GreenhouseV1Candidate | undefined): Set<number> =>
  new Set(
    (candidate?.applications ?? []).flatMap((app) =>
      app.prospect ? [] : (app.jobs ?? []).map((j) => Number(j.id)),
    ),
  );

function planV1(ctx: Ctx, onBehalfOf: string): PushPlan<GreenhouseV1Candidate> {
  const { payload } = ctx;
  const jobs = ctx.options.jobId;
  const email = emailOf(ctx);

  /** `GET /v1/candidates/{id}`; undefined on 404 (deleted, or not readable yet after an asynchronous create). */
  const read = async (id: string): Promise<GreenhouseV1Candidate | undefined> => {
    const response = await ctx.http.request(api.v1GetCandidate(id));
    if (response.status === 404 || response.status === 0) return undefined;
    const parsed = GreenhouseV1CandidateSchema.safeParse(response.data);
    if (!parsed.success)
      throw new ResponseValidationError(
        "Greenhouse: get candidate",
        parsed.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`),
      );
    return parsed.data;
  };

  return {
    candidate: {
      read,
      ...(email
        ? {
            find: async () => {
              const candidates = await listAll(
                ctx,
                api.v1ListCandidatesByEmail(email),
                GreenhouseV1CandidateListSchema,
                V1_FORBIDDEN,
              );
              const found = pickByEmail(ctx, candidates, email);
              return found ? { id: found.id, data: found, how: "matched by email" } : undefined;
            },
          }
        : {}),
      create: async () => {
        // Every application and the CV go inside the create: one request.
        const cvResult = await ctx.cv();
        const file = cvResult.status === "ok" ? cvResult.file : undefined;
        const { data } = await ctx.http.request(
          api.v1CreateCandidate(v1CandidateBody(payload, jobs, file), onBehalfOf),
        );
        const employments = payload.employments ?? [];
        return {
          created: { id: data.candidateId },
          visible: !data.truncated,
          detail: data.truncated
            ? "created (Greenhouse answered with ids only; the record is completed asynchronously)"
            : "created",
          alsoDone: [
            ...jobs.map((job) => ({ step: `application:${job}`, detail: "created with the candidate" })),
            ...(employments.length > 0
              ? [
                  {
                    step: "employments",
                    detail: `${employmentSummary(ctx, employments.length)}; sent with the candidate`,
                  },
                ]
              : []),
            ...(file
              ? [
                  {
                    step: "cv",
                    detail: file.fileName,
                    cv: { status: "inline" as const, fileName: file.fileName, contentType: file.contentType },
                  },
                ]
              : []),
          ],
        };
      },
      leftAsIs: LEFT_AS_IS,
    },
    steps: (record) => {
      const id = record.id ?? "";
      let candidate: Promise<GreenhouseV1Candidate | undefined> | undefined;
      const current = (): Promise<GreenhouseV1Candidate | undefined> =>
        (candidate ??= record.data ? Promise.resolve(record.data) : read(id));
      const steps: RecordStep[] = jobs.map((job) => ({
        name: `application:${job}`,
        kind: "create",
        lookup: async () => (v1Jobs(await current()).has(job) ? { detail: "already applied" } : undefined),
        perform: async () => {
          const { data } = await ctx.http.request(api.v1AddApplication(id, job, onBehalfOf));
          return { status: "done", vendorId: data.id, detail: "created" };
        },
      }));
      if (record.origin === "created") {
        const educations = educationsStep(ctx, "v1");
        if (educations) steps.push(educations);
      }
      steps.push(
        cvStep(ctx, {
          alreadyThere: async (file) =>
            ((await current())?.attachments ?? []).some(
              (a) => a.filename === file.fileName && (a.type === "resume" || a.type === "other"),
            ),
          upload: async (file) => {
            await ctx.http.request(api.v1AddAttachment(id, file, onBehalfOf));
          },
        }),
      );
      return steps;
    },
  };
}

// ---------------------------------------------------------------------------------------------------

/**
 * The plan: checks the options against the credential's Harvest version, then finds the candidate (ledger,
 * then email), creates it or adds the applications it lacks, and uploads the CV.
 */
export function planGreenhouse(ctx: Ctx): PushPlan<unknown> {
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
  if (version === "v3") return planV3(ctx);
  return planV1(ctx, onBehalfOf ?? "");
}
