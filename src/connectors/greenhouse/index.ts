import { z } from "zod";
import type { VendorAuth } from "../../core/auth/base.js";
import { OAuth2ClientCredentials, type OAuth2ClientCredentialsOptions } from "../../core/auth/oauth2.js";
import { XAPIKeyAuth } from "../../core/auth/static.js";
import { ConfigError, type ConfigIssue } from "../../core/errors.js";
import type { RateLimitPolicy } from "../../core/http/rate-limiter.js";
import { defineConnector } from "../connector.js";
import { GREENHOUSE_AUTH_CLASSES, greenhouseWireAuth, harvestVersion, isGreenhouseAuth } from "./auth.js";
import { mapGreenhouseCandidate } from "./mapping.js";
import { planGreenhouse } from "./push.js";
import { GreenhouseCandidatePayloadSchema, type GreenhouseCandidatePayload } from "./schema.js";

const JOB_ID_ERROR = "must be a Greenhouse job id (a positive integer) or a list of them";

/** One job id: a positive integer, or a string of digits (the seed's example passes a string). */
const JobIdItem = z.union(
  [
    z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    z
      .string()
      .trim()
      .regex(/^\d+(\s*[,\s]\s*\d+)*$/)
      .transform((s) => s.split(/[\s,]+/).map(Number))
      .refine((ids) => ids.every((id) => id > 0 && Number.isSafeInteger(id))),
  ],
  { error: JOB_ID_ERROR },
);

const OptionsSchema = z.object({
  jobId: z
    .union(
      [z.array(JobIdItem, { error: JOB_ID_ERROR }).min(1, { error: "needs at least one job id" }), JobIdItem],
      {
        error: JOB_ID_ERROR,
      },
    )
    .transform((value) => [...new Set((Array.isArray(value) ? value : [value]).flat())])
    .describe(
      'Ids of the Greenhouse jobs the candidate applies to, e.g. `[4012345, 4012346]`. A single number or a numeric string (`"4012345"`, `"4012345,4012346"`) is accepted. The first job\'s application is created with the candidate and holds the CV; each further job gets its own application.',
    ),
  onBehalfOf: z
    .union([z.number().int().positive(), z.string().trim().regex(/^\d+$/)], {
      error: "must be a Greenhouse user id (digits)",
    })
    .transform(String)
    .optional()
    .describe(
      "Legacy Harvest v1 only (required there): id of the Greenhouse user the candidate is added on behalf of, sent as `On-Behalf-Of`. With v3 the acting user is the token's `sub` (`OAuth2ClientCredentials({ sub })`, GREENHOUSE_SUB); passing it with v3 is an error.",
    ),
});

/**
 * Requests per window. v3: a fixed 30-second window whose size is set per integration and announced in
 * `X-RateLimit-Limit` on every response (the docs' 75 is only an example), so no fixed budget is assumed:
 * the HTTP layer pauses when `X-RateLimit-Remaining` reaches 0 until `X-RateLimit-Reset`, and honours
 * `Retry-After` on a 429. v1: the documented 50 per 10 seconds.
 */
const V3_RATE_LIMIT: RateLimitPolicy = { perMs: 30_000, concurrency: 4 };
const V1_RATE_LIMIT: RateLimitPolicy = { requests: 50, perMs: 10_000, concurrency: 4 };

const HINT =
  "Check GREENHOUSE_CLIENT_ID and GREENHOUSE_CLIENT_SECRET (Harvest v3 credentials, with GREENHOUSE_TOKEN_URL if not production and GREENHOUSE_SUB for the acting user), or GREENHOUSE_ACCESS_TOKEN; legacy v1: GREENHOUSE_API_KEY";

function authFromEnv(env: Readonly<Record<string, string | undefined>>): VendorAuth {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };
  const clientId = read("GREENHOUSE_CLIENT_ID");
  const clientSecret = read("GREENHOUSE_CLIENT_SECRET");
  const accessToken = read("GREENHOUSE_ACCESS_TOKEN");
  const apiKey = read("GREENHOUSE_API_KEY");
  const sub = read("GREENHOUSE_SUB");
  const tokenUrl = read("GREENHOUSE_TOKEN_URL");
  const issues: ConfigIssue[] = [];
  if (clientId !== undefined || clientSecret !== undefined) {
    if (clientId === undefined)
      issues.push({ path: "GREENHOUSE_CLIENT_ID", message: "is not set (GREENHOUSE_CLIENT_SECRET is)" });
    if (clientSecret === undefined)
      issues.push({ path: "GREENHOUSE_CLIENT_SECRET", message: "is not set (GREENHOUSE_CLIENT_ID is)" });
    if (issues.length > 0) throw new ConfigError(issues, { summary: "Incomplete Greenhouse credentials" });
  }
  if (clientId !== undefined || accessToken !== undefined) {
    const options: OAuth2ClientCredentialsOptions = {};
    if (clientId !== undefined && clientSecret !== undefined) {
      options.clientId = clientId;
      options.clientSecret = clientSecret;
    } else if (accessToken !== undefined) {
      options.accessToken = accessToken;
    }
    if (sub !== undefined) options.sub = sub;
    if (tokenUrl !== undefined) options.tokenUrl = tokenUrl;
    return new OAuth2ClientCredentials(options);
  }
  if (apiKey !== undefined) return new XAPIKeyAuth({ value: apiKey });
  throw new ConfigError(
    [
      {
        path: "GREENHOUSE_CLIENT_ID",
        message:
          "is not set: export GREENHOUSE_CLIENT_ID and GREENHOUSE_CLIENT_SECRET (Harvest v3), or GREENHOUSE_ACCESS_TOKEN (a pre-minted v3 token), or GREENHOUSE_API_KEY (legacy v1)",
      },
    ],
    { summary: "Missing Greenhouse credentials" },
  );
}

/**
 * Greenhouse (Harvest API). **v3** (the default since v1/v2 were switched off on 2026-08-31): OAuth2 client
 * credentials, the candidate created with its first application, one more application per further job,
 * the CV as an attachment of the first application, employments through their own endpoint. **v1**
 * (legacy, for keys that still work): Basic auth with `On-Behalf-Of`, one create holding every application
 * and the CV. Either way the candidate is looked up by email first, and an existing one only gets the
 * applications it lacks.
 */
export const Greenhouse = defineConnector<typeof OptionsSchema, GreenhouseCandidatePayload>({
  name: "greenhouse",
  displayName: "Greenhouse",
  exportName: "Greenhouse",
  description:
    "Pushes an HrFlow profile to Greenhouse through the Harvest API. With Harvest v3 (OAuth2 client credentials, the default): looks the candidate up by email, creates it with its first application (POST /v3/candidates), adds one application per further job, uploads the CV to the first application, and adds employments through their own endpoint. With a legacy v1 key: one POST /v1/candidates with every application and the CV, On-Behalf-Of the given user. An existing candidate only gets the applications it lacks; a second push creates nothing twice.",
  docsUrl: "https://harvestdocs.greenhouse.io/reference/post_v3-candidates",
  defaultBaseUrl: "https://harvest.greenhouse.io",
  auth: {
    classes: GREENHOUSE_AUTH_CLASSES,
    accepts: isGreenhouseAuth,
    env: [
      {
        name: "GREENHOUSE_CLIENT_ID",
        description: "Harvest v3 client id (Dev Center > API Credentials > Harvest V3 (OAuth))",
        required: false,
        secret: true,
      },
      {
        name: "GREENHOUSE_CLIENT_SECRET",
        description: "Harvest v3 client secret (required with GREENHOUSE_CLIENT_ID)",
        required: false,
        secret: true,
      },
      {
        name: "GREENHOUSE_SUB",
        description:
          "Greenhouse user id the v3 token acts as (`sub`; replaces v1's On-Behalf-Of). The email lookup needs a Site Admin. Default: the credential's integration user",
        required: false,
        secret: false,
      },
      {
        name: "GREENHOUSE_TOKEN_URL",
        description:
          "v3 token endpoint. Default: https://auth.greenhouse.io/token (the sandbox sets its own)",
        required: false,
        secret: false,
      },
      {
        name: "GREENHOUSE_ACCESS_TOKEN",
        description: "A pre-minted v3 bearer token (partner setups), used when no client id is set",
        required: false,
        secret: true,
      },
      {
        name: "GREENHOUSE_API_KEY",
        description:
          "Legacy Harvest v1 API key (sent as Basic key:), used when no v3 credential is set; needs --on-behalf-of",
        required: false,
        secret: true,
      },
    ],
    fromEnv: (env) => authFromEnv(env),
    hint: HINT,
  },
  optionsSchema: OptionsSchema,
  payloadSchema: GreenhouseCandidatePayloadSchema,
  endpoints: [
    {
      name: "Mint an access token (v3)",
      method: "POST",
      url: "https://auth.greenhouse.io/token",
      docs: "https://harvestdocs.greenhouse.io/docs/authentication",
    },
    {
      name: "List candidates by email (v3)",
      method: "GET",
      url: "https://harvest.greenhouse.io/v3/candidates?email={email}",
      docs: "https://harvestdocs.greenhouse.io/reference/get_v3-candidates",
    },
    {
      name: "Create candidate with its first application (v3)",
      method: "POST",
      url: "https://harvest.greenhouse.io/v3/candidates",
      docs: "https://harvestdocs.greenhouse.io/reference/post_v3-candidates",
    },
    {
      name: "List applications (v3)",
      method: "GET",
      url: "https://harvest.greenhouse.io/v3/applications?candidate_ids={id}",
      docs: "https://harvestdocs.greenhouse.io/reference/get_v3-applications",
    },
    {
      name: "Create application (v3)",
      method: "POST",
      url: "https://harvest.greenhouse.io/v3/applications",
      docs: "https://harvestdocs.greenhouse.io/reference/post_v3-applications",
    },
    {
      name: "List attachments (v3)",
      method: "GET",
      url: "https://harvest.greenhouse.io/v3/attachments?candidate_ids={id}",
      docs: "https://harvestdocs.greenhouse.io/reference/get_v3-attachments",
    },
    {
      name: "Create attachment (v3)",
      method: "POST",
      url: "https://harvest.greenhouse.io/v3/attachments",
      docs: "https://harvestdocs.greenhouse.io/reference/post_v3-attachments",
    },
    {
      name: "Create candidate employment (v3)",
      method: "POST",
      url: "https://harvest.greenhouse.io/v3/candidate_employments",
      docs: "https://harvestdocs.greenhouse.io/reference/post_v3-candidate-employments",
    },
    {
      name: "List candidates by email (legacy v1)",
      method: "GET",
      url: "https://harvest.greenhouse.io/v1/candidates?email={email}",
      docs: "https://developers.greenhouse.io/harvest.html#get-list-candidates",
    },
    {
      name: "Retrieve candidate (legacy v1)",
      method: "GET",
      url: "https://harvest.greenhouse.io/v1/candidates/{id}",
      docs: "https://developers.greenhouse.io/harvest.html#get-retrieve-candidate",
    },
    {
      name: "Add candidate (legacy v1)",
      method: "POST",
      url: "https://harvest.greenhouse.io/v1/candidates",
      docs: "https://developers.greenhouse.io/harvest.html#post-add-candidate",
    },
    {
      name: "Add application to candidate (legacy v1)",
      method: "POST",
      url: "https://harvest.greenhouse.io/v1/candidates/{id}/applications",
      docs: "https://developers.greenhouse.io/harvest.html#post-add-application-to-candidate-prospect",
    },
    {
      name: "Add attachment (legacy v1)",
      method: "POST",
      url: "https://harvest.greenhouse.io/v1/candidates/{id}/attachments",
      docs: "https://developers.greenhouse.io/harvest.html#post-add-attachment",
    },
  ],
  fieldMapping: [
    {
      vendorField: "first_name / last_name",
      profileField: "info.first_name / info.last_name",
      rule: "required; split from info.full_name when missing",
    },
    {
      vendorField: "email_addresses[] {value, type: personal}",
      profileField: "info.email",
      rule: "required (the candidate is found again by email); trimmed, lower-cased, validated",
    },
    {
      vendorField: "phone_numbers[] {value, type: mobile}",
      profileField: "info.phone",
      rule: "kept as written when it holds at least 6 digits",
    },
    {
      vendorField: "addresses[] {value, type: home}",
      profileField: "info.location.fields, text",
      rule: "one line from the real fields (street, postcode and city, region, country), else the location text",
    },
    {
      vendorField: "company / title",
      profileField: "experiences[] (current job)",
      rule: "the current job (no end date, or one in the future); omitted when there is none",
    },
    {
      vendorField: "social_media_addresses[] {value}",
      profileField: "info.urls (LinkedIn, Twitter/X, Facebook, Instagram, Viadeo, ...)",
      rule: "no type (v3 dropped it); https:// added where missing",
    },
    {
      vendorField: "website_addresses[] {value, type}",
      profileField: "info.urls (others)",
      rule: "GitHub, Dribbble, Behance as portfolio; other sites as personal; https:// added where missing",
    },
    {
      vendorField: "tags[]",
      profileField: "skills[].name",
      rule: "deduplicated case-insensitively",
    },
    {
      vendorField: "employments (v3: POST /v3/candidate_employments; v1: inline)",
      profileField: "experiences[]",
      rule: "company_name, title, start_date as ISO-8601 (all three required by Greenhouse); no end_date for a current job. v3 needs the harvest:candidate_employments:create scope, else reported as unsupported",
    },
    {
      vendorField: "educations",
      profileField: "educations[]",
      rule: "not sent, reported as unsupported: Greenhouse takes only ids of its own school, degree and discipline lists",
    },
    {
      vendorField: "application (v3: nested in the create, then POST /v3/applications) / applications[] (v1)",
      profileField: "option jobId",
      rule: "one application per job; an existing candidate only gets the jobs it has not applied to",
    },
    {
      vendorField: "attachment type resume",
      profileField: "attachments[type=resume, else original]",
      rule: "base64 content with the real file name (v3: POST /v3/attachments on the first application; v1: inside the first application, with content_type)",
    },
  ],
  rateLimit: (auth) => (harvestVersion(auth) === "v3" ? V3_RATE_LIMIT : V1_RATE_LIMIT),
  wireAuth: greenhouseWireAuth,
  cvMode: "upload",
  map: mapGreenhouseCandidate,
  plan: planGreenhouse,
  examples: {
    library: `import { Greenhouse, Hrflow, OAuth2ClientCredentials } from "hrflow-connectors";

const response = await Greenhouse.pushProfile({
  hrflowClient: new Hrflow({ apiSecret: process.env.HRFLOW_API_SECRET!, apiUser: process.env.HRFLOW_API_USER! }),
  auth: new OAuth2ClientCredentials({
    clientId: process.env.GREENHOUSE_CLIENT_ID!,
    clientSecret: process.env.GREENHOUSE_CLIENT_SECRET!,
    sub: 4080, // the acting user (a Site Admin: the email lookup needs one)
  }),
  profile: { key: "PROFILE_KEY", source: { key: "SOURCE_KEY" } },
  jobId: [4012345, 4012346],
});
console.log(response.result);

// Legacy Harvest v1, for keys that still work:
// auth: new XAPIKeyAuth({ value: process.env.GREENHOUSE_API_KEY! }), onBehalfOf: "4080"`,
    cli: "npx hrflow-connectors push-profile greenhouse --source-key SOURCE_KEY --profile-key PROFILE_KEY --job-id 4012345 --job-id 4012346",
  },
  sandbox: () => import("../../testing/greenhouse-fake.js").then((fake) => fake.createGreenhouseSandbox()),
});
