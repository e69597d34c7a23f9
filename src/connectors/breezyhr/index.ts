import { z } from "zod";
import type { VendorAuth } from "../../core/auth/base.js";
import { OAuth2EmailPasswordBody } from "../../core/auth/oauth2.js";
import { AuthorizationAuth } from "../../core/auth/static.js";
import {
  ConfigError,
  ResponseValidationError,
  isAuthError,
  isHttpError,
  type ConfigIssue,
  type ErrorContext,
} from "../../core/errors.js";
import { vendorErrorMessage } from "../../core/http/client.js";
import { defineConnector } from "../connector.js";
import { createOnce } from "../create-once.js";
import { failedCv, uploadCvOnce } from "../cv-step.js";
import type { CvReport, PushContext, PushOutcome } from "../definition.js";
import {
  addEducation,
  addWorkHistory,
  candidateOrUndefined,
  candidateSummaries,
  createCandidate,
  getCandidate,
  listCompanies,
  listPositionCandidates,
  parseAnswer,
  searchByEmail,
  updateCandidate,
  uploadResume,
  type BreezyPosition,
} from "./api.js";
import { breezyHeadline, mapBreezyCandidate, skippedEntries } from "./mapping.js";
import {
  BREEZY_SOCIAL_NETWORKS,
  BreezyCandidateInputSchema,
  BreezyCandidateSchema,
  type BreezyCandidate,
  type BreezyCandidateInput,
  type BreezyCandidateUpdate,
  type BreezySocialNetwork,
} from "./schema.js";

const Id = (what: string) =>
  z
    .string({ error: "must be a string" })
    .trim()
    .min(1, { error: `must not be empty (the Breezy ${what} id)` });

const OptionsSchema = z
  .object({
    positionId: Id("position").describe(
      "Id of the Breezy position (job) the candidate is added to, e.g. `0f7e3d1a5b2c`. Required.",
    ),
    companyId: Id("company")
      .optional()
      .describe("Id of the Breezy company. Give it, or `companyName`; it wins when both are given."),
    companyName: z
      .string({ error: "must be a string" })
      .trim()
      .min(1, { error: "must not be empty" })
      .optional()
      .describe(
        "Name of the Breezy company, resolved to its id once per process (required when `companyId` is not given).",
      ),
    origin: z
      .enum(["sourced", "applied"], { error: 'must be "sourced" or "applied"' })
      .default("sourced")
      .describe(
        "Whether the candidate was `sourced` by the team or `applied`. An applied candidate needs an email, and Breezy may ask them to complete required application-form fields.",
      ),
    coverLetter: z
      .string({ error: "must be a string" })
      .optional()
      .describe("Cover letter stored on the candidate."),
  })
  .refine((o) => o.companyId !== undefined || o.companyName !== undefined, {
    path: ["companyName"],
    error: "give companyName or companyId (the company that owns the position)",
    when: () => true,
  });
type Options = z.output<typeof OptionsSchema>;
type Ctx = PushContext<Options, BreezyCandidateInput>;

const context = (ctx: Ctx): ErrorContext => ({ connector: ctx.connector, profileKey: ctx.profile.key });
const fold = (s: string | undefined): string =>
  (s ?? "").normalize("NFKC").trim().replace(/\s+/g, " ").toLocaleLowerCase();

// ---------------------------------------------------------------------------------------------------
// Company: resolved by name once per (account, base URL, name) for the whole process.

const companyIds = new Map<string, Promise<string>>();

async function fetchCompanyId(ctx: Ctx, name: string): Promise<string> {
  const { data } = await ctx.http.request(listCompanies(name));
  const exact = data.filter((c) => c.name?.trim() === name.trim());
  const matches = exact.length > 0 ? exact : data.filter((c) => fold(c.name) === fold(name));
  const [match, ...others] = matches;
  if (match && others.length === 0) return match._id;
  const issue: ConfigIssue = match
    ? {
        path: "companyName",
        message: `${matches.length} Breezy companies are named "${name}" (ids ${matches.map((c) => c._id).join(", ")}); give companyId instead`,
      }
    : {
        path: "companyName",
        message:
          data.length > 0
            ? `no Breezy company is named "${name}"; the companies these credentials see are: ${data.map((c) => `"${c.name ?? c._id}"`).join(", ")}`
            : `no Breezy company is named "${name}": these credentials see no company at all`,
      };
  throw new ConfigError([issue], { ...context(ctx), summary: "Unknown Breezy company" });
}

function companyIdOf(ctx: Ctx): Promise<string> {
  const { companyId, companyName } = ctx.options;
  if (companyId !== undefined) return Promise.resolve(companyId);
  const name = companyName ?? "";
  if (ctx.dryRun) return fetchCompanyId(ctx, name);
  const key = JSON.stringify([ctx.http.baseUrl, ctx.auth.accountId(), fold(name)]);
  let pending = companyIds.get(key);
  if (!pending) {
    pending = fetchCompanyId(ctx, name);
    companyIds.set(key, pending);
    // A failure is not remembered: the next push asks again.
    pending.catch(() => companyIds.delete(key));
  }
  return pending;
}

// ---------------------------------------------------------------------------------------------------
// Finding the candidate.

async function fetchCandidate(
  ctx: Ctx,
  position: BreezyPosition,
  id: string,
): Promise<BreezyCandidate | undefined> {
  const response = await ctx.http.request(getCandidate(position, id));
  return candidateOrUndefined(response.status, response.data, context(ctx));
}

/** Same person without an email: same name, and the same phone digits when both have a phone. */
function samePersonWithoutEmail(
  candidate: {
    name?: string | undefined;
    email_address?: string | undefined;
    phone_number?: string | undefined;
  },
  payload: BreezyCandidateInput,
): boolean {
  if (candidate.email_address?.trim() || fold(candidate.name) !== fold(payload.name)) return false;
  const digits = (s: string | undefined): string => (s ?? "").replace(/\D/g, "");
  const theirs = digits(candidate.phone_number);
  const ours = digits(payload.phone_number);
  return theirs === "" || ours === "" || theirs === ours;
}

/**
 * The candidate's id on this position, and how many other positions hold the same email. By email
 * through the company search (Breezy keeps one candidate per position: a hit elsewhere is not this
 * candidate); without an email, by name among the position's candidates that have no email either.
 */
async function findOnPosition(
  ctx: Ctx,
  position: BreezyPosition,
): Promise<{ id: string | undefined; elsewhere: number }> {
  const email = ctx.payload.email_address;
  if (email !== undefined) {
    const { data } = await ctx.http.request(searchByEmail(position.companyId, email));
    const hits = data.filter(
      (h) => h.email_address === undefined || h.email_address.trim().toLowerCase() === email.toLowerCase(),
    );
    const here = hits.find((h) => (h.position?._id ?? h.position_id) === position.positionId);
    return { id: here?._id, elsewhere: hits.length - (here ? 1 : 0) };
  }
  const response = await ctx.http.request(listPositionCandidates(position));
  const list = candidateSummaries(response.status, response.data, context(ctx));
  return { id: list.find((c) => samePersonWithoutEmail(c, ctx.payload))?._id, elsewhere: 0 };
}

/** After a 409, the exact search may still miss (the stored email differs in case): scan the position. */
async function findAfterConflict(ctx: Ctx, position: BreezyPosition): Promise<string | undefined> {
  const found = await findOnPosition(ctx, position);
  if (found.id !== undefined) return found.id;
  const email = ctx.payload.email_address?.toLowerCase();
  const response = await ctx.http.request(listPositionCandidates(position));
  const list = candidateSummaries(response.status, response.data, context(ctx));
  return list.find((c) =>
    email !== undefined
      ? c.email_address?.trim().toLowerCase() === email
      : samePersonWithoutEmail(c, ctx.payload),
  )?._id;
}

// ---------------------------------------------------------------------------------------------------
// Update: PUT the candidate, then append only the missing work-history and education entries.

function socialMap(value: BreezyCandidate["social_profiles"]): Partial<Record<BreezySocialNetwork, string>> {
  const out: Partial<Record<BreezySocialNetwork, string>> = {};
  const known = (key: string | undefined): key is BreezySocialNetwork =>
    key !== undefined && (BREEZY_SOCIAL_NETWORKS as readonly string[]).includes(key);
  const entries = Array.isArray(value)
    ? value.map((p) => [p.type, p.url] as const)
    : Object.entries(value ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : undefined] as const);
  for (const [type, url] of entries) if (known(type) && url) out[type] ??= url;
  return out;
}

/** The PUT body: the profile's fields, with the tags and social profiles already on the candidate kept. */
function updateBody(
  payload: BreezyCandidateInput,
  existing: BreezyCandidate,
  headline: string | undefined,
): BreezyCandidateUpdate {
  const tags = [...(existing.tags ?? [])];
  const seen = new Set(tags.map(fold));
  for (const tag of payload.tags ?? []) {
    if (seen.has(fold(tag))) continue;
    seen.add(fold(tag));
    tags.push(tag);
  }
  const social = { ...socialMap(existing.social_profiles), ...payload.social_profiles };
  const body: BreezyCandidateUpdate = { name: payload.name };
  if (payload.email_address !== undefined) body.email_address = payload.email_address;
  if (payload.phone_number !== undefined) body.phone_number = payload.phone_number;
  if (payload.summary !== undefined) body.summary = payload.summary;
  if (tags.length > 0) body.tags = tags;
  // The source says where the candidate first came from: kept when Breezy already has one.
  const existingSource = typeof existing.source === "string" ? existing.source : existing.source?.name;
  if (payload.source !== undefined && !existingSource) body.source = payload.source;
  if (headline !== undefined) body.headline = headline;
  if (payload.address !== undefined) body.address = payload.address;
  if (Object.keys(social).length > 0) body.social_profiles = social;
  if (payload.cover_letter !== undefined) body.cover_letter = payload.cover_letter;
  return body;
}

/** True when the PUT would change nothing Breezy shows. */
function sameAsExisting(body: BreezyCandidateUpdate, existing: BreezyCandidate): boolean {
  const text = (a: string | undefined, b: string | undefined): boolean =>
    a === undefined || fold(a) === fold(b);
  const existingTags = new Set((existing.tags ?? []).map(fold));
  const existingSocial = socialMap(existing.social_profiles);
  return (
    text(body.name, existing.name) &&
    text(body.email_address, existing.email_address) &&
    text(body.phone_number, existing.phone_number) &&
    text(body.summary, existing.summary) &&
    text(body.headline, existing.headline) &&
    text(body.address, existing.address) &&
    text(body.cover_letter, existing.cover_letter) &&
    body.source === undefined &&
    (body.tags ?? []).every((t) => existingTags.has(fold(t))) &&
    Object.entries(body.social_profiles ?? {}).every(
      ([k, v]) => existingSocial[k as BreezySocialNetwork] === v,
    )
  );
}

/**
 * Updates the candidate found on the position. `readable` is false when Breezy found it but would not
 * return it: the PUT is then sent as is, and no entry is appended (which ones are missing is unknown,
 * and appending blindly would duplicate them).
 */
async function update(
  ctx: Ctx,
  position: BreezyPosition,
  existing: BreezyCandidate,
  how: string,
  readable = true,
): Promise<PushOutcome> {
  const { payload } = ctx;
  const id = existing._id;
  await ctx.record.setVendorId(id);

  // `headline` is not part of the create payload (Breezy's create drops it): the update computes it.
  const body = updateBody(payload, existing, breezyHeadline(ctx.profile, new Date(ctx.clock.now())));
  const changed = !readable || !sameAsExisting(body, existing);
  if (changed) await ctx.http.request(updateCandidate(position, id, body));
  ctx.report({
    step: "candidate",
    status: changed ? "done" : "skipped",
    vendorId: id,
    detail: `${how}; ${changed ? "updated" : "already up to date"}`,
  });

  // Entries are appended one by one, so only those Breezy does not hold yet are sent (a repeated push
  // adds nothing). Same company and title, or same school and field of study, is the same entry.
  const jobKey = (e: { company_name?: string | undefined; title?: string | undefined }): string =>
    `${fold(e.company_name)}|${fold(e.title)}`;
  const schoolKey = (e: { school_name?: string | undefined; field_of_study?: string | undefined }): string =>
    `${fold(e.school_name)}|${fold(e.field_of_study)}`;
  const jobsThere = new Set((existing.work_history ?? []).map(jobKey));
  const schoolsThere = new Set((existing.education ?? []).map(schoolKey));
  const missingJobs = readable ? (payload.work_history ?? []).filter((e) => !jobsThere.has(jobKey(e))) : [];
  const missingSchools = readable
    ? (payload.education ?? []).filter((e) => !schoolsThere.has(schoolKey(e)))
    : [];
  if (!readable && ((payload.work_history ?? []).length > 0 || (payload.education ?? []).length > 0))
    ctx.warn(
      `Breezy found candidate ${id} but did not return it, so its work history and education were not compared; none was added`,
    );
  for (const entry of missingJobs) await ctx.http.request(addWorkHistory(position, id, entry));
  for (const entry of missingSchools) await ctx.http.request(addEducation(position, id, entry));
  const entryReport = (step: string, sent: number, added: number): void => {
    if (sent === 0) return;
    ctx.report(
      readable
        ? {
            step,
            status: added > 0 ? "done" : "skipped",
            detail: `${added} entr${added === 1 ? "y" : "ies"} added, ${sent - added} already there`,
          }
        : { step, status: "skipped", detail: "not compared: Breezy did not return the candidate" },
    );
  };
  entryReport("work-history", (payload.work_history ?? []).length, missingJobs.length);
  entryReport("education", (payload.education ?? []).length, missingSchools.length);

  const action = changed || missingJobs.length > 0 || missingSchools.length > 0 ? "updated" : "unchanged";
  const cv = await cvStep(ctx, position, id, existing);
  return { action, vendorId: id, cv };
}

// ---------------------------------------------------------------------------------------------------
// Create.

/** Breezy answered 202 `partialCandidateCreated`: no candidate exists until the form is completed. */
class PartialCandidateCreated extends Error {
  constructor(readonly vendorMessage: string | undefined) {
    super("partialCandidateCreated");
  }
}

async function create(ctx: Ctx, position: BreezyPosition): Promise<string | undefined> {
  const response = await ctx.http.request(createCandidate(position, ctx.payload));
  if (response.status === 202) {
    throw new PartialCandidateCreated(vendorErrorMessage(response.data, response.text));
  }
  return parseAnswer(BreezyCandidateSchema, response.data, "create candidate on position", context(ctx))._id;
}

async function partial(ctx: Ctx, error: PartialCandidateCreated): Promise<PushOutcome> {
  const detail =
    `Breezy answered 202 partialCandidateCreated${error.vendorMessage ? ` ("${error.vendorMessage}")` : ""}: ` +
    "the position's application form requires fields the profile lacks, so Breezy emailed the candidate to complete them and holds no candidate until they do. " +
    "Push again once they have: the candidate is then found by email and updated";
  // Nothing is recorded as created: the next push looks the candidate up again.
  if (!ctx.dryRun) await ctx.record.failed("candidate", detail);
  ctx.report({ step: "candidate", status: "failed", detail });
  ctx.report({ step: "cv", status: "skipped", detail: "no candidate to attach the CV to yet" });
  ctx.warn(detail);
  return {
    action: "partial",
    vendorId: undefined,
    cv: { status: "failed", reason: "not uploaded: Breezy holds no candidate yet (partialCandidateCreated)" },
  };
}

// ---------------------------------------------------------------------------------------------------
// CV.

function cvStep(
  ctx: Ctx,
  position: BreezyPosition,
  id: string,
  existing: BreezyCandidate | undefined,
): Promise<CvReport> {
  return uploadCvOnce(ctx, {
    // A candidate holds one resume; the same file name means this CV is already there.
    alreadyThere: (file) => Promise.resolve(existing?.resume?.file_name === file.fileName),
    upload: async (file) => {
      await ctx.http.request(uploadResume(position, id, file));
    },
  }).catch((error: unknown) => failedCv(ctx, error));
}

// ---------------------------------------------------------------------------------------------------

async function push(ctx: Ctx): Promise<PushOutcome> {
  for (const warning of skippedEntries(ctx.profile)) ctx.warn(warning);
  const position: BreezyPosition = { companyId: await companyIdOf(ctx), positionId: ctx.options.positionId };

  // 1. The ledger's candidate, when Breezy still has it on this position.
  const ledgerId = ctx.record.vendorId;
  if (ledgerId !== undefined && !ctx.dryRun) {
    const known = await fetchCandidate(ctx, position, ledgerId);
    if (known) return update(ctx, position, known, "recorded by an earlier push");
  }

  // 2. The same email (or, without one, the same name) on this position.
  const found = await findOnPosition(ctx, position);
  if (found.id !== undefined && !ctx.dryRun) {
    const how = ctx.payload.email_address
      ? "matched by email on the position"
      : "matched by name on the position";
    const existing = await fetchCandidate(ctx, position, found.id);
    // The search found it but it cannot be read: update it blind rather than create a duplicate.
    return update(ctx, position, existing ?? { _id: found.id }, how, existing !== undefined);
  }

  // 3. Create on the position. A 409 means it is there after all: find it and update it.
  let created: { vendorId: string | undefined; found: boolean };
  try {
    created = await createOnce(ctx, {
      create: () => create(ctx, position),
      lookup: async () => (await findOnPosition(ctx, position)).id,
    });
  } catch (error) {
    if (error instanceof PartialCandidateCreated) return partial(ctx, error);
    if (isHttpError(error) && error.status === 409) {
      const id = await findAfterConflict(ctx, position);
      if (id !== undefined) {
        const existing = await fetchCandidate(ctx, position, id);
        const how = "already on the position (409 on create)";
        return update(ctx, position, existing ?? { _id: id }, how, existing !== undefined);
      }
    }
    throw error;
  }
  const vendorId = created.vendorId;
  if (vendorId === undefined)
    throw new ResponseValidationError(
      "Breezy HR: create candidate on position",
      ["_id: missing"],
      context(ctx),
    );
  await ctx.record.setVendorId(vendorId);
  const elsewhere =
    found.elsewhere > 0
      ? ` (the email is also on ${found.elsewhere} other position${found.elsewhere === 1 ? "" : "s"}; Breezy keeps one candidate per position)`
      : "";
  ctx.report({
    step: "candidate",
    status: "done",
    vendorId,
    detail: `${created.found ? "found after an ambiguous create" : "created"} on position ${position.positionId}${elsewhere}`,
  });
  await headlineStep(ctx, position, vendorId);
  const cv = await cvStep(ctx, position, vendorId, undefined);
  return { action: "created", vendorId, cv };
}

/**
 * Breezy's create request has no `headline` (only its update has one): a new candidate gets it through
 * the update right away, so it arrives complete and a repeated push finds nothing to change. A failure is
 * a failed step (the push is partial and a re-run sets it), not a lost candidate.
 */
async function headlineStep(ctx: Ctx, position: BreezyPosition, id: string): Promise<void> {
  const headline = breezyHeadline(ctx.profile, new Date(ctx.clock.now()));
  if (headline === undefined) return;
  try {
    await ctx.http.request(updateCandidate(position, id, { name: ctx.payload.name, headline }));
    ctx.report({ step: "headline", status: "done", detail: "set with an update (the create takes none)" });
  } catch (error) {
    if (isAuthError(error)) throw error;
    const detail = `not set: ${error instanceof Error ? error.message : String(error)}`;
    if (!ctx.dryRun) await ctx.record.failed("headline", detail);
    ctx.report({ step: "headline", status: "failed", detail });
  }
}

/** Breezy signals a refused token with 401, or (seen live) 400, and `error.type` says which. */
function isAuthRefused(status: number, body: unknown): boolean {
  if (status === 401) return true;
  if (status !== 400 || body === null || typeof body !== "object" || !("error" in body)) return false;
  const inner = body.error;
  if (inner === null || typeof inner !== "object" || !("type" in inner)) return false;
  return inner.type === "invalidAccessToken" || inner.type === "missingAccessToken";
}

/** Breezy takes the token raw: a `Bearer ` put in front of a personal access token is removed. */
function wireAuth(auth: VendorAuth): VendorAuth {
  if (!(auth instanceof AuthorizationAuth)) return auth;
  const bare = /^bearer\s+(\S.*)$/i.exec(auth.revealValue())?.[1];
  return bare === undefined ? auth : new AuthorizationAuth({ value: bare });
}

const AUTH_HINT =
  "Check BREEZYHR_EMAIL and BREEZYHR_PASSWORD (or BREEZYHR_ACCESS_TOKEN, a personal access token, which needs a plan that includes the Developer API)";

function authFromEnv(env: Readonly<Record<string, string | undefined>>, baseUrl: string): VendorAuth {
  const token = env["BREEZYHR_ACCESS_TOKEN"]?.trim();
  if (token) return new AuthorizationAuth({ value: token });
  const email = env["BREEZYHR_EMAIL"]?.trim();
  const password = env["BREEZYHR_PASSWORD"];
  const issues: ConfigIssue[] = [];
  if (!email)
    issues.push({
      path: "BREEZYHR_EMAIL",
      message: "is not set: export the Breezy user's email (or BREEZYHR_ACCESS_TOKEN)",
    });
  if (!password)
    issues.push({
      path: "BREEZYHR_PASSWORD",
      message: "is not set: export the Breezy user's password (or BREEZYHR_ACCESS_TOKEN)",
    });
  if (!email || !password) throw new ConfigError(issues, { summary: "Missing Breezy HR credentials" });
  return new OAuth2EmailPasswordBody({
    accessTokenUrl: env["BREEZYHR_SIGNIN_URL"]?.trim() || `${baseUrl.replace(/\/+$/, "")}/signin`,
    email,
    password,
  });
}

/**
 * Breezy HR: signs in once (or uses a personal access token), resolves the company by name once, looks
 * the candidate up by email, updates it when it is already on the position (appending only missing
 * work-history and education entries), else creates it there, then uploads the CV as its resume.
 */
export const Breezyhr = defineConnector<typeof OptionsSchema, BreezyCandidateInput>({
  name: "breezyhr",
  displayName: "Breezy HR",
  exportName: "Breezyhr",
  description:
    "Pushes an HrFlow profile to a Breezy HR position through the Breezy API v3: signs in once and reuses the token, resolves the company by name, looks the candidate up by email, updates it when it is already on the position (appending only the missing work-history and education entries) or creates it there with every field Breezy holds, then uploads the CV as the candidate's resume. A second push never creates a second candidate.",
  docsUrl: "https://developer.breezy.hr/docs/company-position-candidates-add",
  defaultBaseUrl: "https://api.breezy.hr/v3",
  auth: {
    classes: ["OAuth2EmailPasswordBody", "AuthorizationAuth"],
    accepts: (auth) => auth instanceof OAuth2EmailPasswordBody || auth instanceof AuthorizationAuth,
    env: [
      {
        name: "BREEZYHR_EMAIL",
        description: "Email of the Breezy user the API signs in as",
        required: false,
        secret: false,
      },
      {
        name: "BREEZYHR_PASSWORD",
        description: "Password of that Breezy user",
        required: false,
        secret: true,
      },
      {
        name: "BREEZYHR_SIGNIN_URL",
        description: "Sign-in URL (default: `<base URL>/signin`, i.e. https://api.breezy.hr/v3/signin)",
        required: false,
        secret: false,
      },
      {
        name: "BREEZYHR_ACCESS_TOKEN",
        description:
          "A Breezy personal access token (`breezy_pat_...`), used instead of email and password when set",
        required: false,
        secret: true,
      },
    ],
    fromEnv: (env, { baseUrl }) => authFromEnv(env, baseUrl),
    hint: AUTH_HINT,
  },
  optionsSchema: OptionsSchema,
  payloadSchema: BreezyCandidateInputSchema,
  endpoints: [
    {
      name: "Sign in",
      method: "POST",
      url: "https://api.breezy.hr/v3/signin",
      docs: "https://developer.breezy.hr/docs/signin",
    },
    {
      name: "List companies",
      method: "GET",
      url: "https://api.breezy.hr/v3/companies",
      docs: "https://developer.breezy.hr/docs/companies",
    },
    {
      name: "Search candidates by email",
      method: "GET",
      url: "https://api.breezy.hr/v3/company/{companyId}/candidates/search?email_address={email}",
      docs: "https://developer.breezy.hr/docs/company-candidates-search",
    },
    {
      name: "Get candidate",
      method: "GET",
      url: "https://api.breezy.hr/v3/company/{companyId}/position/{positionId}/candidate/{id}",
      docs: "https://developer.breezy.hr/docs/company-position-candidate",
    },
    {
      name: "Add candidate to a position",
      method: "POST",
      url: "https://api.breezy.hr/v3/company/{companyId}/position/{positionId}/candidates",
      docs: "https://developer.breezy.hr/docs/company-position-candidates-add",
    },
    {
      name: "Update candidate",
      method: "PUT",
      url: "https://api.breezy.hr/v3/company/{companyId}/position/{positionId}/candidate/{id}",
      docs: "https://developer.breezy.hr/docs/company-position-candidate-update",
    },
    {
      name: "Add work history entry",
      method: "PUT",
      url: "https://api.breezy.hr/v3/company/{companyId}/position/{positionId}/candidate/{id}/work-history",
      docs: "https://developer.breezy.hr/docs/company-position-candidate-work-history-add",
    },
    {
      name: "Add education entry",
      method: "PUT",
      url: "https://api.breezy.hr/v3/company/{companyId}/position/{positionId}/candidate/{id}/education",
      docs: "https://developer.breezy.hr/docs/company-position-candidate-education-add",
    },
    {
      name: "Upload resume",
      method: "POST",
      url: "https://api.breezy.hr/v3/company/{companyId}/position/{positionId}/candidate/{id}/resume",
      docs: "https://developer.breezy.hr/docs/company-position-candidate-resume-add",
    },
  ],
  fieldMapping: [
    {
      vendorField: "name",
      profileField: "info.full_name (else info.first_name + info.last_name)",
      rule: "required; cleaned",
    },
    {
      vendorField: "email_address",
      profileField: "info.email",
      rule: "trimmed, lower-cased, validated; required when origin is applied",
    },
    {
      vendorField: "phone_number",
      profileField: "info.phone",
      rule: "kept as written when it holds at least 6 digits",
    },
    {
      vendorField: "address",
      profileField: "info.location.fields (else info.location.text)",
      rule: "one line: number and street, postcode and city, region, country",
    },
    {
      vendorField: "headline",
      profileField: "experiences[].title",
      rule: "title of the current job, else of the most recent one; sent on updates only (the create request has no headline)",
    },
    { vendorField: "summary", profileField: "info.summary", rule: "HTML converted to text" },
    { vendorField: "origin", profileField: "option origin", rule: "sourced (default) or applied" },
    { vendorField: "source", profileField: "source.name", rule: 'the HrFlow source name, else "HrFlow.ai"' },
    {
      vendorField: "tags",
      profileField: "skills[].name",
      rule: "deduplicated case-insensitively; on update, added to the candidate's tags",
    },
    {
      vendorField: "work_history[]",
      profileField: "experiences[]",
      rule: "company_name (required: entries without a company are left out, with a warning), title, summary; integer start/end year and month (month only when known, no end for a current job)",
    },
    {
      vendorField: "education[]",
      profileField: "educations[]",
      rule: "school_name (required: entries without a school are left out, with a warning), field_of_study = title; integer start/end years",
    },
    {
      vendorField: "social_profiles",
      profileField: "info.urls",
      rule: "a map keyed by network (linkedin, github, twitter, facebook, instagram, dribbble, behance, angellist, flickr, youtube, skype; a personal site as globe); other networks dropped; https:// added where missing",
    },
    { vendorField: "cover_letter", profileField: "option coverLetter", rule: "sent when given" },
    {
      vendorField: "resume",
      profileField: "attachments[type=resume, else original]",
      rule: "multipart upload (part `file`) with the real file name and detected content type",
    },
  ],
  rateLimit: { requests: 100, perMs: 60_000, concurrency: 5 },
  wireAuth,
  isAuthRefused,
  cvMode: "upload",
  map: mapBreezyCandidate,
  push,
  targetScope: (o) => `company:${o.companyId ?? `name:${fold(o.companyName)}`}|position:${o.positionId}`,
  examples: {
    library: `import { Breezyhr, Hrflow, OAuth2EmailPasswordBody } from "hrflow-connectors";

const response = await Breezyhr.pushProfile({
  hrflowClient: new Hrflow({ apiSecret: process.env.HRFLOW_API_SECRET!, apiUser: process.env.HRFLOW_API_USER! }),
  auth: new OAuth2EmailPasswordBody({
    accessTokenUrl: "https://api.breezy.hr/v3/signin",
    email: process.env.BREEZYHR_EMAIL!,
    password: process.env.BREEZYHR_PASSWORD!,
  }),
  profile: { key: "PROFILE_KEY", source: { key: "SOURCE_KEY" } },
  positionId: "POSITION_ID",
  companyName: "Acme",
});
console.log(response.result);`,
    cli: 'npx hrflow-connectors push-profile breezyhr --source-key SOURCE_KEY --profile-key PROFILE_KEY --position-id POSITION_ID --company-name "Acme"',
  },
});
