import { z } from "zod";
import type { VendorAuth } from "../../core/auth/base.js";
import { OAuth2EmailPasswordBody } from "../../core/auth/oauth2.js";
import { AuthorizationAuth } from "../../core/auth/static.js";
import { ConfigError, isHttpError, type ConfigIssue, type ErrorContext } from "../../core/errors.js";
import { vendorErrorMessage } from "../../core/http/client.js";
import { defineConnector } from "../connector.js";
import { cvStep } from "../cv-step.js";
import type { PushContext, PushPlan, RecordStep, UpdateResult } from "../definition.js";
import {
  addEducation,
  addWorkHistory,
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
// Company: resolved by name once per runtime (account, base URL, name).

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
  return ctx.memo(`company:${fold(name)}`, () => fetchCompanyId(ctx, name));
}

// ---------------------------------------------------------------------------------------------------
// Finding the candidate.

function fetchCandidate(
  ctx: Ctx,
  position: BreezyPosition,
  id: string,
): Promise<BreezyCandidate | undefined> {
  return ctx.http.find(getCandidate(position, id));
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

/** The fields of the PUT that would change what Breezy shows (empty: nothing to send). */
function changedFieldsOf(body: BreezyCandidateUpdate, existing: BreezyCandidate): string[] {
  const differs = (a: string | undefined, b: string | undefined): boolean =>
    a !== undefined && fold(a) !== fold(b);
  const existingTags = new Set((existing.tags ?? []).map(fold));
  const existingSocial = socialMap(existing.social_profiles);
  const changed: string[] = [];
  const texts = [
    "name",
    "email_address",
    "phone_number",
    "summary",
    "headline",
    "address",
    "cover_letter",
  ] as const;
  for (const field of texts) if (differs(body[field], existing[field])) changed.push(field);
  if (body.source !== undefined) changed.push("source");
  if (!(body.tags ?? []).every((t) => existingTags.has(fold(t)))) changed.push("tags");
  if (
    !Object.entries(body.social_profiles ?? {}).every(
      ([k, v]) => existingSocial[k as BreezySocialNetwork] === v,
    )
  )
    changed.push("social_profiles");
  return changed;
}

/**
 * Updates the candidate found on the position: a PUT when a field differs, then only the work-history and
 * education entries Breezy does not hold yet (appending one entry at a time, so a repeated push adds
 * nothing: same company and title, or same school and field of study, is the same entry). `existing`
 * undefined: Breezy found the candidate but would not return it, so the PUT is sent as is and no entry is
 * appended (which ones are missing is unknown, and appending blindly would duplicate them).
 */
async function update(
  ctx: Ctx,
  position: BreezyPosition,
  id: string,
  existing: BreezyCandidate | undefined,
): Promise<UpdateResult> {
  const { payload } = ctx;
  // `headline` is not part of the create payload (Breezy's create has none): the update computes it.
  const body = updateBody(payload, existing ?? { _id: id }, headlineOf(ctx));
  const changed = existing ? changedFieldsOf(body, existing) : Object.keys(body);
  if (changed.length > 0) await ctx.http.request(updateCandidate(position, id, body));

  const jobKey = (e: { company_name?: string | undefined; title?: string | undefined }): string =>
    `${fold(e.company_name)}|${fold(e.title)}`;
  const schoolKey = (e: { school_name?: string | undefined; field_of_study?: string | undefined }): string =>
    `${fold(e.school_name)}|${fold(e.field_of_study)}`;
  const jobsThere = new Set((existing?.work_history ?? []).map(jobKey));
  const schoolsThere = new Set((existing?.education ?? []).map(schoolKey));
  const missingJobs = existing ? (payload.work_history ?? []).filter((e) => !jobsThere.has(jobKey(e))) : [];
  const missingSchools = existing
    ? (payload.education ?? []).filter((e) => !schoolsThere.has(schoolKey(e)))
    : [];
  if (!existing && ((payload.work_history ?? []).length > 0 || (payload.education ?? []).length > 0))
    ctx.warn(
      `Breezy found candidate ${id} but did not return it, so its work history and education were not compared; none was added`,
    );
  for (const entry of missingJobs) await ctx.http.request(addWorkHistory(position, id, entry));
  for (const entry of missingSchools) await ctx.http.request(addEducation(position, id, entry));
  const entryReport = (step: string, sent: number, added: number): void => {
    if (sent === 0) return;
    ctx.report(
      existing
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
  const historyAdded = missingJobs.length > 0 || missingSchools.length > 0;
  return {
    changed: changed.length > 0 || historyAdded,
    detail:
      changed.length > 0
        ? `updated (${changed.join(", ")})`
        : historyAdded
          ? "fields already up to date; history entries added"
          : "already up to date",
  };
}

// ---------------------------------------------------------------------------------------------------
// The plan.

/** The headline (current job title), which only Breezy's update request takes. */
const headlineOf = (ctx: Ctx): string | undefined => breezyHeadline(ctx.profile, new Date(ctx.clock.now()));

/**
 * Breezy's create request has no `headline` (only its update has one): a new candidate gets it through an
 * update right away, so it arrives complete and a repeated push finds nothing to change. A failure is a
 * failed step (the push is partial and a re-run sets it), not a lost candidate.
 */
function headlineStep(ctx: Ctx, position: BreezyPosition, id: string, headline: string): RecordStep {
  return {
    name: "headline",
    kind: "idempotent",
    perform: async () => {
      await ctx.http.request(updateCandidate(position, id, { name: ctx.payload.name, headline }));
      return { status: "done", detail: "set with an update (the create takes none)" };
    },
  };
}

/** Breezy's own error shape: `{"error": {"type": "invalidAccessToken", "message": "..."}}`. */
function errorMessage(body: unknown): string | undefined {
  if (body === null || typeof body !== "object" || !("error" in body)) return undefined;
  const inner = body.error;
  if (inner === null || typeof inner !== "object") return undefined;
  const type = "type" in inner && typeof inner.type === "string" ? inner.type : undefined;
  const message = "message" in inner && typeof inner.message === "string" ? inner.message : undefined;
  return type || message ? [type, message].filter(Boolean).join(": ") : undefined;
}

async function plan(ctx: Ctx): Promise<PushPlan<BreezyCandidate>> {
  for (const warning of skippedEntries(ctx.profile)) ctx.warn(warning);
  const position: BreezyPosition = { companyId: await companyIdOf(ctx), positionId: ctx.options.positionId };
  const email = ctx.payload.email_address;
  /** How many other positions hold the email (Breezy keeps one candidate per position). */
  let elsewhere = 0;
  const withData = async (id: string, how: string) => ({
    id,
    data: await fetchCandidate(ctx, position, id),
    how,
  });

  return {
    candidate: {
      read: (id) => fetchCandidate(ctx, position, id),
      // By email through the company search; without one, by name among the position's candidates.
      find: async () => {
        const found = await findOnPosition(ctx, position);
        elsewhere = found.elsewhere;
        if (found.id === undefined) return undefined;
        return withData(
          found.id,
          email ? "matched by email on the position" : "matched by name on the position",
        );
      },
      create: async () => {
        let response;
        try {
          response = await ctx.http.request(createCandidate(position, ctx.payload));
        } catch (error) {
          // 409: it is on the position after all (the exact search may miss a differently cased email).
          if (!(isHttpError(error) && error.status === 409)) throw error;
          const id = await findAfterConflict(ctx, position);
          if (id === undefined) throw error;
          return { existing: await withData(id, "already on the position (409 on create)") };
        }
        if (response.status === 202) {
          const vendorMessage =
            errorMessage(response.data) ?? vendorErrorMessage(response.data, response.text);
          return {
            incomplete:
              `Breezy answered 202 partialCandidateCreated${vendorMessage ? ` ("${vendorMessage}")` : ""}: ` +
              "the position's application form requires fields the profile lacks, so Breezy emailed the candidate to complete them and holds no candidate until they do. " +
              "Push again once they have: the candidate is then found by email and updated",
          };
        }
        const created = parseAnswer(
          BreezyCandidateSchema,
          response.data,
          "create candidate on position",
          context(ctx),
        );
        const also =
          elsewhere > 0
            ? ` (the email is also on ${elsewhere} other position${elsewhere === 1 ? "" : "s"}; Breezy keeps one candidate per position)`
            : "";
        return {
          created: { id: created._id, data: created },
          detail: `created on position ${position.positionId}${also}`,
        };
      },
      update: (record) => update(ctx, position, record.id ?? "", record.data),
    },
    steps: (record) => {
      const headline = headlineOf(ctx);
      const steps: RecordStep[] =
        record.origin === "created" && headline !== undefined
          ? [headlineStep(ctx, position, record.id ?? "", headline)]
          : [];
      steps.push(
        cvStep(ctx, {
          // A candidate holds one resume; the same file name means this CV is already there.
          alreadyThere: (file) => Promise.resolve(record.data?.resume?.file_name === file.fileName),
          upload: async (file) => {
            await ctx.http.request(uploadResume(position, record.id ?? "", file));
          },
        }),
      );
      return steps;
    },
  };
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
  errorMessage,
  cvMode: "upload",
  map: mapBreezyCandidate,
  plan,
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
  sandbox: () => import("../../testing/breezyhr-fake.js").then((fake) => fake.createBreezyhrSandbox()),
});
