import { z } from "zod";
import { XTaleezAuth } from "../../core/auth/static.js";
import { ConfigError, isHttpError } from "../../core/errors.js";
import { DEFAULT_RATE_LIMIT } from "../../core/http/rate-limiter.js";
import { hasInvalidEmail } from "../../hrflow/fields.js";
import { defineConnector } from "../connector.js";
import { cvStep } from "../cv-step.js";
import type { PushContext, PushPlan, RecordStep } from "../definition.js";
import {
  addCandidateToJob,
  createCandidate,
  documentsOrUndefined,
  findCandidatesByMail,
  getCandidate,
  listDocuments,
  uploadCv,
} from "./api.js";
import { hasUnsentLocation, mapTaleezCandidate } from "./mapping.js";
import { TaleezCandidateInputSchema, type TaleezCandidate, type TaleezCandidateInput } from "./schema.js";

/** A Taleez id option: a positive integer; a numeric string is accepted (the seed passes one). */
const ID_MESSAGE = "must be a positive integer Taleez id (a numeric string is accepted)";
const TaleezIdOption = z
  .union([z.number(), z.string().trim().regex(/^\d+$/, { error: ID_MESSAGE }).transform(Number)], {
    error: (issue) => (issue.input === undefined ? "is required" : ID_MESSAGE),
  })
  .pipe(z.number().int({ error: ID_MESSAGE }).positive({ error: ID_MESSAGE }).max(Number.MAX_SAFE_INTEGER));

const OptionsSchema = z
  .object({
    recruiterId: TaleezIdOption.describe(
      "Id of the Taleez recruiter the candidate is credited to (listed by `GET /0/recruiters`), e.g. `15886`. A numeric string is accepted.",
    ),
    jobId: TaleezIdOption.optional().describe(
      "Id of the Taleez job to add the candidate to, e.g. `9`. Without it the candidate is only created.",
    ),
    addCandidateToJob: z
      .boolean({ error: "must be true or false" })
      .optional()
      .describe(
        "Add the candidate to `jobId`. Default: true when `jobId` is given; needs `jobId` when true.",
      ),
    unitId: TaleezIdOption.optional().describe(
      'Id of the candidate\'s unit, only for accounts with several units and "candidate segmentation by unit" (listed by `GET /0/units`).',
    ),
    initialReferrer: z
      .string({ error: "must be text" })
      .trim()
      .min(1, { error: "must not be empty" })
      .max(100)
      .default("HrFlow")
      .describe("Origin label Taleez shows for the candidate (`initialReferrer`)."),
  })
  .superRefine((options, ctx) => {
    if (options.addCandidateToJob === true && options.jobId === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["addCandidateToJob"],
        message: "needs jobId: give the job to add the candidate to",
      });
  });
type Options = z.output<typeof OptionsSchema>;
type Ctx = PushContext<Options, TaleezCandidateInput>;

const sameMail = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The candidate with exactly this mail (Taleez keeps mails unique per company). */
async function findByMail(ctx: Ctx, mail: string): Promise<TaleezCandidate | undefined> {
  const { data } = await ctx.http.request(findCandidatesByMail(mail));
  const matches = data.list.filter((c) => typeof c.mail === "string" && sameMail(c.mail, mail));
  const [first] = matches;
  if (first && matches.length > 1)
    ctx.warn(`Taleez holds ${matches.length} candidates with this profile's mail; using ${first.id}`);
  return first;
}

/**
 * Taleez refuses a second candidate with the same mail (a 4xx whose status no source gives; 409 is the
 * natural one). Such an answer means "it exists": the record is looked up instead of failing.
 */
function isDuplicateMail(error: unknown): boolean {
  if (!isHttpError(error)) return false;
  if (error.status === 409) return true;
  return (
    (error.status === 400 || error.status === 422) &&
    /mail|already|exist|duplicate|unique|déjà/i.test(error.vendorMessage ?? "")
  );
}

/** An answer of the job association meaning the candidate is already in the job. */
function isAlreadyInJob(error: unknown): boolean {
  if (!isHttpError(error)) return false;
  if (error.status === 409) return true;
  return error.status === 400 && /already|exist|déjà/i.test(error.vendorMessage ?? "");
}

/** The step that adds the candidate to the job: membership, safe to repeat. */
function jobStep(ctx: Ctx, jobId: number, candidateId: string): RecordStep {
  return {
    name: `job:${jobId}`,
    kind: "idempotent",
    perform: async () => {
      if (ctx.options.addCandidateToJob === false)
        return { status: "skipped", detail: "addCandidateToJob is false" };
      try {
        await ctx.http.request(addCandidateToJob(jobId, candidateId));
        return { status: "done", detail: "candidate added to the job" };
      } catch (error) {
        if (isAlreadyInJob(error))
          return { status: "done", detail: "already in the job", alreadyThere: true };
        throw error;
      }
    },
  };
}

function plan(ctx: Ctx): PushPlan<TaleezCandidate> {
  const { options } = ctx;
  // A user's format may leave the ids out: the options are the caller's explicit choice.
  const payload: TaleezCandidateInput = {
    ...ctx.payload,
    recruiterId: ctx.payload.recruiterId ?? options.recruiterId,
    ...(ctx.payload.unitId === undefined && options.unitId !== undefined ? { unitId: options.unitId } : {}),
  };
  const mail = payload.mail;
  if (hasInvalidEmail(ctx.profile))
    ctx.warn("The profile's email is not a valid address; the candidate is pushed without a mail");
  const found = (candidate: TaleezCandidate | undefined, how: string) =>
    candidate ? { id: candidate.id, data: candidate, how } : undefined;

  return {
    candidate: {
      read: (id) => ctx.http.find(getCandidate(id)),
      ...(mail ? { find: async () => found(await findByMail(ctx, mail), "matched by mail") } : {}),
      create: async () => {
        if (hasUnsentLocation(ctx.profile, payload))
          ctx.warn(
            "The location was not sent: Taleez needs a city, a country and coordinates together, and the profile lacks some",
          );
        if (!mail)
          ctx.warn(
            "The profile has no email, so Taleez cannot recognise this candidate later: only this push ledger prevents a duplicate",
          );
        try {
          const { data } = await ctx.http.request(createCandidate(payload));
          return { created: { id: data.id } };
        } catch (error) {
          // Created meanwhile (another push of the same person elsewhere): use it.
          const existing = mail && isDuplicateMail(error) ? await findByMail(ctx, mail) : undefined;
          if (!existing) throw error;
          return { existing: { id: existing.id, data: existing, how: "Taleez refused a duplicate mail" } };
        }
      },
      // HrFlow's own connector updates with `POST /0/candidates/{id}`, but no source says whether that
      // merges or replaces the record: it could blank fields a recruiter edited and overwrite the
      // candidate's real `initialReferrer` (a job board) with "HrFlow". A push adds what is missing (the
      // CV, the job) and never rewrites what Taleez holds.
      leftAsIs: "left as is (a push adds the CV and the job, and never rewrites what Taleez holds)",
    },
    steps: (record) => {
      const id = record.id ?? "";
      const steps: RecordStep[] = [
        cvStep(ctx, {
          alreadyThere: async (file) => {
            // Taleez already holds a CV for this candidate (ours from a push whose answer was lost, or the
            // candidate's own): never replaced.
            if (record.data?.cv) return true;
            const response = await ctx.http.request(listDocuments(id));
            const documents = documentsOrUndefined(response.status, response.data);
            return documents?.some((d) => d.name === file.fileName) ?? false;
          },
          upload: async (file) => {
            await ctx.http.request(uploadCv(id, file));
          },
        }),
      ];
      if (options.jobId !== undefined) steps.push(jobStep(ctx, options.jobId, id));
      return steps;
    },
  };
}

/**
 * Taleez: looks the candidate up by mail (unique per company) or through the push ledger, creates it
 * (`POST /0/candidates`) when it is new, uploads the CV as the candidate's CV
 * (`POST /0/candidates/{id}/documents?cv=true`) and adds it to the job (`POST /0/jobs/{jobId}/candidates`).
 */
export const Taleez = defineConnector<typeof OptionsSchema, TaleezCandidateInput, XTaleezAuth>({
  name: "taleez",
  displayName: "Taleez",
  exportName: "Taleez",
  description:
    "Pushes an HrFlow profile to Taleez: looks the candidate up by mail (unique within a Taleez company) or through the push ledger, creates it with its name, mail, phone, language, links and location, uploads the CV as the candidate's CV, then adds it to the job. A second push leaves the candidate as is, uploads nothing twice and adds it to the job only if needed. Taleez holds no experiences, educations or skills outside account-specific custom properties, so those travel in the CV.",
  docsUrl: "https://api.taleez.com/swagger-ui/index.html",
  defaultBaseUrl: "https://api.taleez.com/0",
  auth: {
    classes: ["XTaleezAuth"],
    accepts: (auth) => auth instanceof XTaleezAuth,
    env: [
      {
        name: "TALEEZ_API_SECRET",
        description: "Taleez API secret key (sent as X-taleez-api-secret)",
        required: true,
        secret: true,
      },
    ],
    fromEnv: (env) => {
      const value = env["TALEEZ_API_SECRET"];
      if (!value)
        throw new ConfigError([
          { path: "TALEEZ_API_SECRET", message: "is not set: export your Taleez API secret key" },
        ]);
      return new XTaleezAuth({ value });
    },
    hint: "Check TALEEZ_API_SECRET (the X-taleez-api-secret key)",
  },
  optionsSchema: OptionsSchema,
  payloadSchema: TaleezCandidateInputSchema,
  endpoints: [
    {
      name: "Search candidates by mail",
      method: "GET",
      url: "https://api.taleez.com/0/candidates?mail={mail}",
      docs: "https://api.taleez.com/swagger-ui/index.html#/candidates",
    },
    {
      name: "Get candidate",
      method: "GET",
      url: "https://api.taleez.com/0/candidates/{id}",
      docs: "https://api.taleez.com/swagger-ui/index.html#/candidates",
    },
    {
      name: "Create candidate",
      method: "POST",
      url: "https://api.taleez.com/0/candidates",
      docs: "https://api.taleez.com/swagger-ui/index.html#/candidates/create_1",
    },
    {
      name: "List candidate documents",
      method: "GET",
      url: "https://api.taleez.com/0/candidates/{id}/documents",
      docs: "https://api.taleez.com/swagger-ui/index.html#/candidates",
    },
    {
      name: "Upload the CV",
      method: "POST",
      url: "https://api.taleez.com/0/candidates/{id}/documents?cv=true",
      docs: "https://api.taleez.com/swagger-ui/index.html#/candidates",
    },
    {
      name: "Add candidate to job",
      method: "POST",
      url: "https://api.taleez.com/0/jobs/{jobId}/candidates",
      docs: "https://api.taleez.com/swagger-ui/index.html#/jobs/addCandidate_1",
    },
  ],
  fieldMapping: [
    {
      vendorField: "firstName / lastName",
      profileField: "info.first_name / info.last_name",
      rule: "required; split from info.full_name when missing",
    },
    {
      vendorField: "mail",
      profileField: "info.email",
      rule: "trimmed, lower-cased, validated; omitted when missing (Taleez allows it, the ledger then prevents duplicates)",
    },
    {
      vendorField: "phone",
      profileField: "info.phone",
      rule: "E.164 (`+33611223344`), read in the country of info.location.fields.country when written without its country code; left out with a warning when it is not a valid number (Taleez ignores forms it cannot read)",
    },
    {
      vendorField: "lang",
      profileField: "text_language",
      rule: "upper-cased two-letter code (`fr` gives `FR`)",
    },
    { vendorField: "initialReferrer", profileField: "option initialReferrer", rule: 'default "HrFlow"' },
    { vendorField: "recruiterId / unitId", profileField: "options recruiterId / unitId", rule: "integers" },
    {
      vendorField: "social_links.linkedin / viadeo / twitter / github / behance / dribble / website / other",
      profileField: "info.urls",
      rule: "classified by host; https:// added where missing; personal sites fill website, other networks fill other",
    },
    {
      vendorField: "location.country / city / lat / lng / postalCode / street / streetNumber",
      profileField: "info.location.fields (country, city, postcode, road, house_number), lat, lng",
      rule: "sent only when city, an ISO-2 country and real coordinates are all known (0,0 dropped)",
    },
    {
      vendorField: "document (cv=true)",
      profileField: "attachments[type=resume, else original]",
      rule: "multipart upload with the real file name and detected content type",
    },
    {
      vendorField: "(not sent)",
      profileField: "experiences, educations, skills",
      rule: "Taleez stores them only as account-specific custom properties; the CV carries them",
    },
  ],
  rateLimit: DEFAULT_RATE_LIMIT,
  cvMode: "upload",
  map: mapTaleezCandidate,
  plan,
  examples: {
    library: `import { Hrflow, Taleez, XTaleezAuth } from "hrflow-connectors";

const response = await Taleez.pushProfile({
  hrflowClient: new Hrflow({ apiSecret: process.env.HRFLOW_API_SECRET!, apiUser: process.env.HRFLOW_API_USER! }),
  auth: new XTaleezAuth({ value: process.env.TALEEZ_API_SECRET! }),
  profile: { key: "PROFILE_KEY", source: { key: "SOURCE_KEY" } },
  recruiterId: 15886,
  jobId: 9,
});
console.log(response.result);`,
    cli: "npx hrflow-connectors push-profile taleez --source-key SOURCE_KEY --profile-key PROFILE_KEY --recruiter-id 15886 --job-id 9",
  },
  sandbox: () => import("../../testing/taleez-fake.js").then((fake) => fake.createTaleezSandbox()),
});
