import { z } from "zod";
import type { VendorAuth } from "../../core/auth/base.js";
import { AuthorizationAuth } from "../../core/auth/static.js";
import { ConfigError, isAuthError, isConnectorsError } from "../../core/errors.js";
import { DEFAULT_RATE_LIMIT } from "../../core/http/rate-limiter.js";
import { hasInvalidEmail } from "../../hrflow/fields.js";
import { defineConnector } from "../connector.js";
import type { CvReport, PushContext, PushPlan } from "../definition.js";
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

/** The applicant with exactly this email (Flatchr's search may match more loosely). */
async function findByEmail(ctx: Ctx, email: string): Promise<FlatchrApplicant | undefined> {
  const { data } = await ctx.http.request(searchApplicants(companyOf(ctx.options), { email }));
  const wanted = email.trim().toLowerCase();
  return data.find((a) => a.email?.trim().toLowerCase() === wanted);
}

/** What the create sent as the CV. */
function sentCv(payload: FlatchrCandidateInput, failure: string | undefined): CvReport {
  if (typeof payload.resume === "string") return { status: "link", reason: failure };
  return { status: "inline", fileName: payload.resume.fileName, contentType: payload.resume.contentType };
}

function cvDetail(payload: FlatchrCandidateInput): string {
  if (typeof payload.resume === "string") return "sent as a link for Flatchr to fetch";
  const bytes = Math.floor((payload.resume.data.replace(/=+$/, "").length * 3) / 4);
  return `${payload.resume.fileName} (${payload.resume.contentType}, ${bytes} bytes) sent inline as a base64 document`;
}

function plan(ctx: Ctx): PushPlan<FlatchrApplicant> {
  const { payload, options } = ctx;
  const apiKey = apiKeyOf(ctx);
  const email = payload.email;
  if (!email && hasInvalidEmail(ctx.profile))
    ctx.warn("info.email is not a valid email address; the applicant is sent without it");
  const find = email
    ? async () => {
        const found = await findByEmail(ctx, email);
        return found
          ? {
              id: found.applicant,
              data: found,
              how: `applicant ${found.applicant}${found.vacancy ? ` on "${found.vacancy}"` : ""}, matched by email`,
            }
          : undefined;
      }
    : undefined;
  const careers = ctx.client(options.careersBaseUrl);

  return {
    candidate: {
      // Flatchr reads applicants only by search: a recorded applicant is confirmed by its email.
      ...(find ? { find } : {}),
      create: async () => {
        if (!email)
          ctx.warn(
            "The profile has no email: Flatchr cannot be searched for an existing applicant, so only the push ledger recognises a repeated push",
          );
        const cv = await ctx.cv();
        if (typeof payload.resume === "string" && cv.status === "failed")
          ctx.warn(
            `The CV could not be downloaded (${cv.reason}); Flatchr was given its URL to fetch instead`,
          );
        const response = await careers.request(createCandidate(payload, apiKey));
        const confirmation = createdMessage(response, { connector: ctx.connector }, careers.redact);
        // Flatchr answers without an id: a follow-up search finds it when the profile has an email. Its
        // failure does not fail a create that Flatchr confirmed.
        let id: string | undefined;
        if (email && !ctx.dryRun) {
          try {
            id = (await findByEmail(ctx, email))?.applicant;
          } catch (error) {
            if (!isConnectorsError(error) || isAuthError(error)) throw error;
            ctx.warn(`The applicant was created, but the search for its id failed: ${error.message}`);
          }
        }
        return {
          created: { id },
          visible: id !== undefined,
          detail:
            id !== undefined
              ? `created ("${confirmation}"); id found by a follow-up search`
              : `created ("${confirmation}"); Flatchr answers without an id${email ? (ctx.dryRun ? "" : " and the follow-up search did not find it yet") : ", and without an email it cannot be searched"}`,
          alsoDone: [
            {
              step: "cv",
              detail: cvDetail(payload),
              cv: sentCv(payload, cv.status === "failed" ? cv.reason : undefined),
            },
          ],
        };
      },
      leftAsIs: "left as is (Flatchr's API has no documented update for an applicant)",
    },
    steps: (record) => [
      {
        name: "cv",
        kind: "idempotent",
        cv: true,
        perform: () => {
          const reason = record.ours
            ? "the CV goes with the applicant's create, and Flatchr's API cannot replace it afterwards"
            : "the applicant already existed; Flatchr's API cannot replace its CV";
          return Promise.resolve({
            status: "unsupported",
            detail: reason,
            cv: { status: "not-supported", reason },
          });
        },
      },
    ],
  };
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
  plan,
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
  sandbox: () => import("../../testing/flatchr-fake.js").then((fake) => fake.createFlatchrSandbox()),
});
