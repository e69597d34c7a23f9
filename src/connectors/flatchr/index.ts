import { z } from "zod";
import type { VendorAuth } from "../../core/auth/base.js";
import { AuthorizationAuth } from "../../core/auth/static.js";
import { ConfigError, HttpError, isAuthError, isConfigError, isConnectorsError } from "../../core/errors.js";
import { DEFAULT_RATE_LIMIT } from "../../core/http/rate-limiter.js";
import { hasInvalidEmail } from "../../hrflow/fields.js";
import { defineConnector } from "../connector.js";
import { createOnce } from "../create-once.js";
import type { CvReport, PushContext, PushOutcome } from "../definition.js";
import { createCandidate, createdMessage, searchApplicants } from "./api.js";
import { mapFlatchrCandidate } from "./mapping.js";
import { FlatchrCandidateInputSchema, type FlatchrApplicant, type FlatchrCandidateInput } from "./schema.js";

const FLATCHR_CAREERS_URL = "https://careers.flatchr.io";
const Id = z.string({ error: "must be a string" }).trim().min(1, { error: "must not be empty" });

const OptionsSchema = z
  .object({
    vacancy: Id.describe(
      "Slug of the vacancy the applicant is placed on (the `slug` field of the Flatchr vacancy, e.g. `vyja3k5rrnlnqwe-technicien-h-f`).",
    ),
    company: Id.optional().describe(
      "Id of the Flatchr company (e.g. `LEZBvp5b4LdMoVmg`), used to search for an existing applicant. Required (or its alias `compagny`).",
    ),
    compagny: Id.optional().describe(
      "Alias of `company`, as the original connector's documentation spelt it.",
    ),
    careersBaseUrl: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
      .default(FLATCHR_CAREERS_URL)
      .describe(
        "Host of Flatchr's candidate form, where applicants are created (the API host is `baseUrl`).",
      ),
  })
  // `when: () => true`: reported together with every other problem, not only once the rest is valid.
  .refine((o) => o.company !== undefined || o.compagny !== undefined, {
    path: ["company"],
    error: "is required: the Flatchr company id (`compagny` is accepted as an alias)",
    when: () => true,
  })
  .refine((o) => o.company === undefined || o.compagny === undefined || o.company === o.compagny, {
    path: ["compagny"],
    error: "differs from `company`: give the company id once",
    when: () => true,
  });
type Options = z.output<typeof OptionsSchema>;
type Ctx = PushContext<Options, FlatchrCandidateInput>;

/** The company id, whichever spelling was used. */
const companyOf = (options: Options): string => options.company ?? options.compagny ?? "";

/** The bare key inside an `Authorization` value: `Bearer <key>` or `<key>`; undefined for another scheme. */
function bareKey(value: string): string | undefined {
  const key = value.replace(/^bearer\s+/i, "").trim();
  return key !== "" && !/\s/.test(key) ? key : undefined;
}

/**
 * The Flatchr API key as it goes on the wire: `Authorization: Bearer <key>` on both hosts, and the bare key
 * for the create's `token` body field. Both forms are secrets, masked wherever they could appear.
 */
class FlatchrKeyAuth extends AuthorizationAuth {
  readonly #key: string;
  constructor(key: string) {
    super({ value: `Bearer ${key}` });
    this.#key = key;
  }
  /** The bare key (the create's `token` body field). */
  apiKey(): string {
    return this.#key;
  }
  override secrets(): readonly string[] {
    return [this.#key, ...super.secrets()];
  }
}

/** A bare key or `Bearer <key>` becomes {@link FlatchrKeyAuth}; another scheme is left for `apiKeyOf` to refuse. */
function wireAuth(auth: VendorAuth): VendorAuth {
  if (auth instanceof FlatchrKeyAuth || !(auth instanceof AuthorizationAuth)) return auth;
  const key = bareKey(auth.revealValue());
  return key === undefined ? auth : new FlatchrKeyAuth(key);
}

function apiKeyOf(ctx: Ctx): string {
  if (ctx.auth instanceof FlatchrKeyAuth) return ctx.auth.apiKey();
  throw new ConfigError(
    [
      {
        path: "auth",
        message:
          'the AuthorizationAuth value must be the Flatchr API key, bare or as "Bearer <key>" (it holds another scheme)',
      },
    ],
    { summary: "Invalid Flatchr options" },
  );
}

/** Turns Flatchr's 404 on the company path into a ConfigError naming the option. */
function unknownCompany(company: string) {
  return (error: unknown): never => {
    if (error instanceof HttpError && error.status === 404) {
      throw new ConfigError(
        [
          {
            path: "company",
            message: `Flatchr does not know company "${company}" (404 on ${error.operation}${error.vendorMessage ? `: "${error.vendorMessage}"` : ""}); check the company id`,
          },
        ],
        { summary: "Invalid Flatchr options", cause: error },
      );
    }
    throw error;
  };
}

/** Turns Flatchr's 404 on the create into a ConfigError naming the vacancy. */
function unknownVacancy(vacancy: string) {
  return (error: unknown): never => {
    if (error instanceof HttpError && error.status === 404) {
      throw new ConfigError(
        [
          {
            path: "vacancy",
            message: `Flatchr has no vacancy "${vacancy}" (404 on ${error.operation}${error.vendorMessage ? `: "${error.vendorMessage}"` : ""}); give the vacancy slug, and check careersBaseUrl`,
          },
        ],
        { summary: "Invalid Flatchr options", cause: error },
      );
    }
    throw error;
  };
}

/** The applicant with exactly this email (Flatchr's search may match more loosely). */
async function findByEmail(ctx: Ctx, email: string): Promise<FlatchrApplicant | undefined> {
  const company = companyOf(ctx.options);
  const { data } = await ctx.http
    .request(searchApplicants(company, { email }))
    .catch(unknownCompany(company));
  const wanted = email.trim().toLowerCase();
  return data.find((a) => a.email?.trim().toLowerCase() === wanted);
}

/** What the create sent as the CV. */
function sentCv(payload: FlatchrCandidateInput, reason: string | undefined): CvReport {
  if (typeof payload.resume === "string") return { status: "link", reason };
  return { status: "inline", fileName: payload.resume.fileName, contentType: payload.resume.contentType };
}

function cvDetail(payload: FlatchrCandidateInput): string {
  if (typeof payload.resume === "string") return "sent as a link for Flatchr to fetch";
  const bytes = Math.floor((payload.resume.data.replace(/=+$/, "").length * 3) / 4);
  return `${payload.resume.fileName} (${payload.resume.contentType}, ${bytes} bytes) sent inline as a base64 document`;
}

/** An earlier push created the applicant (the ledger says so): left as is, its id confirmed when cheap. */
async function fromLedger(ctx: Ctx, email: string | undefined): Promise<PushOutcome> {
  let vendorId = ctx.record.vendorId;
  let detail =
    "recorded by an earlier push (push ledger); Flatchr's API has no documented update for an applicant, so it is left as is";
  if (email && !ctx.dryRun) {
    try {
      const found = await findByEmail(ctx, email);
      if (found) {
        vendorId = found.applicant;
        await ctx.record.setVendorId(vendorId);
      } else {
        ctx.warn(
          `The push ledger says this profile was created in Flatchr, but no applicant with its email was found (archived or deleted?). It is not created again; clear the ledger entry to push it anew`,
        );
      }
    } catch (error) {
      if (!isConnectorsError(error) || isAuthError(error) || isConfigError(error)) throw error;
      detail += ` (not verified: ${error.message})`;
    }
  }
  ctx.report({ step: "candidate", status: "skipped", vendorId, detail });
  const cvStep = ctx.record.step("cv");
  if (cvStep?.status === "done") {
    ctx.report({ step: "cv", status: "skipped", detail: "sent with the applicant by an earlier push" });
    const fileName = cvStep.detail === "link" ? undefined : cvStep.detail;
    return { action: "unchanged", vendorId, cv: { status: "already-uploaded", fileName } };
  }
  return { action: "unchanged", vendorId, cv: existingCv(ctx) };
}

/** The CV of an applicant that existed before this connector created it: not replaceable. */
function existingCv(ctx: Ctx): CvReport {
  const reason = "the applicant already existed; Flatchr's API cannot replace its CV";
  ctx.report({ step: "cv", status: "unsupported", detail: reason });
  return { status: "not-supported", reason };
}

async function push(ctx: Ctx): Promise<PushOutcome> {
  const { payload, options } = ctx;
  const apiKey = apiKeyOf(ctx);
  const email = payload.email;
  if (!email && hasInvalidEmail(ctx.profile))
    ctx.warn("info.email is not a valid email address; the applicant is sent without it");

  if (ctx.record.isDone("candidate")) return fromLedger(ctx, email);

  if (email) {
    const existing = await findByEmail(ctx, email);
    if (existing) {
      const vendorId = existing.applicant;
      if (!ctx.dryRun) await ctx.record.done("candidate", { vendorId, detail: "found by email" });
      await ctx.record.setVendorId(vendorId);
      ctx.report({
        step: "candidate",
        status: "skipped",
        vendorId,
        detail:
          `already in Flatchr (applicant ${vendorId}${existing.vacancy ? ` on "${existing.vacancy}"` : ""}, matched by email); ` +
          "Flatchr's API has no documented update for an applicant, so it is left as is",
      });
      return { action: "unchanged", vendorId, cv: existingCv(ctx) };
    }
  } else {
    ctx.warn(
      "The profile has no email: Flatchr cannot be searched for an existing applicant, so only the push ledger recognises a repeated push",
    );
  }

  const careers = ctx.client(options.careersBaseUrl);
  // Set once Flatchr confirmed the create: the follow-up search may then fail without failing the push.
  let confirmation: string | undefined;
  const lookup = email
    ? async (): Promise<string | undefined> => {
        if (confirmation === undefined) return (await findByEmail(ctx, email))?.applicant;
        try {
          return (await findByEmail(ctx, email))?.applicant;
        } catch (error) {
          if (!isConnectorsError(error)) throw error;
          ctx.warn(`The applicant was created, but the search for its id failed: ${error.message}`);
          return undefined;
        }
      }
    : undefined;
  const created = await createOnce(ctx, {
    what: "applicant",
    create: async () => {
      const response = await careers
        .request(createCandidate(payload, apiKey))
        .catch(unknownVacancy(options.vacancy));
      confirmation = createdMessage(response, { connector: ctx.connector }, careers.redact);
      return undefined;
    },
    lookup,
  });
  const vendorId = created.vendorId;
  if (vendorId !== undefined) await ctx.record.setVendorId(vendorId);

  let detail: string;
  if (created.found) detail = "found after an ambiguous create";
  else if (ctx.dryRun) detail = "created (Flatchr answers without an id)";
  else if (vendorId !== undefined)
    detail = `created ("${confirmation ?? ""}"); id found by a follow-up search`;
  else
    detail = `created ("${confirmation ?? ""}"); Flatchr answers without an id${email ? " and the follow-up search did not find it yet" : ", and without an email it cannot be searched"}`;
  ctx.report({ step: "candidate", status: "done", vendorId, detail });

  const cv = await ctx.cv();
  const failure = cv.status === "failed" ? cv.reason : undefined;
  if (typeof payload.resume === "string" && failure)
    ctx.warn(`The CV could not be downloaded (${failure}); Flatchr was given its URL to fetch instead`);
  if (!ctx.dryRun)
    await ctx.record.done("cv", {
      detail: typeof payload.resume === "string" ? "link" : payload.resume.fileName,
    });
  ctx.report({ step: "cv", status: "done", detail: cvDetail(payload) });
  return { action: "created", vendorId, cv: sentCv(payload, failure) };
}

/**
 * Flatchr: looks for an existing applicant by email on the API host, then creates the applicant on the
 * vacancy through the careers host (`POST /vacancy/candidate/json`) with the CV inline as a base64
 * document (or its URL when it could not be downloaded). Flatchr's create answers without an id: the id is
 * looked up afterwards, and reported unknown when the search does not find it.
 */
export const Flatchr = defineConnector<typeof OptionsSchema, FlatchrCandidateInput, AuthorizationAuth>({
  name: "flatchr",
  displayName: "Flatchr",
  exportName: "Flatchr",
  description:
    "Pushes an HrFlow profile to a Flatchr vacancy: searches the company's applicants by email (API host), and when none matches creates the applicant through Flatchr's candidate form (careers host) with name, email, phone, social links and the CV as a base64 document. Flatchr's create returns no id, so the id is found by a follow-up search when the profile has an email. A second push finds the applicant (or the push ledger) and creates nothing; Flatchr documents no update, so an existing applicant is left as is.",
  docsUrl: "https://developers.flatchr.io/docs/getting_started",
  defaultBaseUrl: "https://api.flatchr.io",
  auth: {
    // The key, bare or as "Bearer <key>"; another scheme is refused by the push before any request.
    classes: ["AuthorizationAuth"],
    accepts: (auth) => auth instanceof AuthorizationAuth,
    env: [
      {
        name: "FLATCHR_API_KEY",
        description:
          "Flatchr API key (Flatchr > Configuration > Clés); sent as `Authorization: Bearer <key>` and as the create's `token`",
        required: true,
        secret: true,
      },
    ],
    fromEnv: (env) => {
      const value = env["FLATCHR_API_KEY"];
      if (!value)
        throw new ConfigError([
          { path: "FLATCHR_API_KEY", message: "is not set: export your Flatchr API key" },
        ]);
      return new AuthorizationAuth({ value });
    },
    hint: "Check FLATCHR_API_KEY (the API key from Flatchr > Configuration > Clés) and that the company option is the company this key belongs to",
  },
  optionsSchema: OptionsSchema,
  payloadSchema: FlatchrCandidateInputSchema,
  endpoints: [
    {
      name: "Search applicants",
      method: "POST",
      url: "https://api.flatchr.io/company/{companyId}/search/applicants",
      docs: "https://developers.flatchr.io/docs/QuickStart/Candidats/Recuperer_un_candidat",
    },
    {
      name: "Create applicant (candidate form)",
      method: "POST",
      url: "https://careers.flatchr.io/vacancy/candidate/json",
      docs: "https://developers.flatchr.io/docs/QuickStart/Candidats/Creer_un_candidat",
    },
  ],
  fieldMapping: [
    { vendorField: "vacancy", profileField: "(option `vacancy`)", rule: "the vacancy slug" },
    {
      vendorField: "firstname / lastname",
      profileField: "info.first_name / info.last_name",
      rule: "required; split from info.full_name when missing; accents and non-Latin scripts kept",
    },
    {
      vendorField: "email",
      profileField: "info.email",
      rule: "trimmed, lower-cased, validated; omitted when invalid (then only the push ledger recognises a repeated push)",
    },
    {
      vendorField: "phone",
      profileField: "info.phone",
      rule: "a string in E.164 (`+33611223344`, read in the country of info.location.fields.country when written without its country code), else as written; never an integer (it would lose the `+` and a leading 0)",
    },
    {
      vendorField: "urls.linkedin / facebook / twitter / other",
      profileField: "info.urls",
      rule: "an object, classified by host; https:// added where missing; the first other link is `other`",
    },
    {
      vendorField: "comment",
      profileField: "info.summary",
      rule: "HTML stripped, 5000 characters max",
    },
    {
      vendorField: 'type "document" + resume {data, fileName, contentType}',
      profileField: "attachments[type=resume, else original]",
      rule: "the downloaded CV in base64 with its real file name and detected content type",
    },
    {
      vendorField: 'type "link" + resume',
      profileField: "attachments[].public_url",
      rule: "only when the CV could not be downloaded; no CV attachment at all is a MappingError on `attachments`",
    },
    {
      vendorField: "token",
      profileField: "(auth)",
      rule: "the API key, added when sending; never in payloads, plans or logs",
    },
  ],
  // Flatchr publishes no limit: a conservative default.
  rateLimit: { ...DEFAULT_RATE_LIMIT },
  wireAuth,
  cvMode: "inline",
  map: mapFlatchrCandidate,
  push,
  targetScope: (options) => `company:${companyOf(options)}`,
  examples: {
    library: `import { AuthorizationAuth, Flatchr, Hrflow } from "hrflow-connectors";

const response = await Flatchr.pushProfile({
  hrflowClient: new Hrflow({ apiSecret: process.env.HRFLOW_API_SECRET!, apiUser: process.env.HRFLOW_API_USER! }),
  auth: new AuthorizationAuth({ value: process.env.FLATCHR_API_KEY! }),
  profile: { key: "PROFILE_KEY", source: { key: "SOURCE_KEY" } },
  vacancy: "vyja3k5rrnlnqwe-technicien-h-f",
  company: "LEZBvp5b4LdMoVmg",
});
console.log(response.result);`,
    cli: "npx hrflow-connectors push-profile flatchr --source-key SOURCE_KEY --profile-key PROFILE_KEY --vacancy vyja3k5rrnlnqwe-technicien-h-f --company LEZBvp5b4LdMoVmg",
  },
});
