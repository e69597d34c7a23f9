import { z } from "zod";
import { ConfigError } from "../../core/errors.js";
import { XSmartTokenAuth } from "../../core/auth/static.js";
import { defineConnector } from "../connector.js";
import { cvStep } from "../cv-step.js";
import type { PushContext, PushPlan, RecordStep } from "../definition.js";
import { createCandidate, getCandidate, listAttachments, searchCandidates, uploadResume } from "./api.js";
import { mapSmartRecruitersCandidate } from "./mapping.js";
import {
  SmartRecruitersCandidateInputSchema,
  type SmartRecruitersCandidate,
  type SmartRecruitersCandidateInput,
} from "./schema.js";

const OptionsSchema = z.object({
  jobId: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe(
      "Id of the job to assign the candidate to when it is created, e.g. `78d3ef91-8868-4ff3-b35d-9debf9d6f31f`. Without it the candidate goes to the Talent Pool.",
    ),
});
type Options = z.output<typeof OptionsSchema>;
type Ctx = PushContext<Options, SmartRecruitersCandidateInput>;

/** Finds a candidate whose email is exactly this one (the search is free text). */
async function findByEmail(ctx: Ctx, email: string): Promise<string | undefined> {
  const { data } = await ctx.http.request(searchCandidates(email));
  return data.content.find((c) => c.email?.trim().toLowerCase() === email.toLowerCase())?.id;
}

function assignedJobs(candidate: SmartRecruitersCandidate | undefined): string[] {
  if (!candidate) return [];
  return [candidate.primaryAssignment, ...(candidate.secondaryAssignments ?? [])].flatMap((a) =>
    a?.job?.id ? [a.job.id] : [],
  );
}

function plan(ctx: Ctx): PushPlan<SmartRecruitersCandidate> {
  const { payload, options } = ctx;
  const read = (id: string) => ctx.http.find(getCandidate(id));
  return {
    candidate: {
      read,
      find: async () => {
        const id = await findByEmail(ctx, payload.email);
        return id === undefined ? undefined : { id, how: "matched by email" };
      },
      create: async () => {
        const { data } = await ctx.http.request(createCandidate(payload, options.jobId));
        return {
          created: { id: data.id },
          ...(options.jobId
            ? { alsoDone: [{ step: `job:${options.jobId}`, detail: "assigned at creation" }] }
            : {}),
        };
      },
      leftAsIs: "left as is (the Candidate API's update semantics are not documented)",
    },
    steps: (record) => {
      const id = record.id ?? "";
      const steps: RecordStep[] = [];
      const { jobId } = options;
      if (jobId) {
        steps.push({
          name: `job:${jobId}`,
          kind: "idempotent",
          lookup: async () => {
            const candidate = record.data ?? (await read(id));
            return assignedJobs(candidate).includes(jobId) ? { detail: "already assigned" } : undefined;
          },
          perform: () => {
            ctx.warn(
              `Candidate ${id} already existed and is not assigned to job ${jobId}; assign it in SmartRecruiters`,
            );
            return Promise.resolve({
              status: "unsupported",
              detail:
                "the Candidate API cannot assign an existing candidate to a job; assign it in SmartRecruiters",
            });
          },
        });
      }
      steps.push(
        cvStep(ctx, {
          alreadyThere: async (file) => {
            const { data } = await ctx.http.request(listAttachments(id));
            return data.content.some((a) => a.type === "RESUME" && a.name === file.fileName);
          },
          upload: async (file) => {
            // The job-scoped upload needs a candidate assigned to the job (created on it, or found there).
            const onJob =
              jobId !== undefined &&
              (record.origin === "created" || assignedJobs(record.data ?? (await read(id))).includes(jobId));
            await ctx.http.request(uploadResume(id, file, onJob ? jobId : undefined));
          },
        }),
      );
      return steps;
    },
  };
}

/**
 * SmartRecruiters: creates the candidate on a job (`POST /jobs/{jobId}/candidates`) or in the Talent Pool,
 * after looking it up by email; uploads the CV as a `RESUME` attachment. Respects 10 requests/s, 8 in
 * flight, and one candidate search at a time.
 */
export const SmartRecruiters = defineConnector<
  typeof OptionsSchema,
  SmartRecruitersCandidateInput,
  XSmartTokenAuth
>({
  name: "smartrecruiters",
  displayName: "SmartRecruiters",
  exportName: "SmartRecruiters",
  description:
    "Pushes an HrFlow profile to SmartRecruiters through the Candidate API: looks the candidate up by email, creates it on the job (or in the Talent Pool) with every field SmartRecruiters holds, then uploads the CV as a RESUME attachment. A second push leaves the candidate as is and uploads nothing twice.",
  docsUrl: "https://developers.smartrecruiters.com/reference/candidatesaddtojob-1",
  defaultBaseUrl: "https://api.smartrecruiters.com",
  auth: {
    classes: ["XSmartTokenAuth"],
    accepts: (auth) => auth instanceof XSmartTokenAuth,
    env: [
      {
        name: "SMARTRECRUITERS_TOKEN",
        description: "SmartRecruiters API key (sent as X-SmartToken)",
        required: true,
        secret: true,
      },
    ],
    fromEnv: (env) => {
      const value = env["SMARTRECRUITERS_TOKEN"];
      if (!value)
        throw new ConfigError([
          { path: "SMARTRECRUITERS_TOKEN", message: "is not set: export your SmartRecruiters API key" },
        ]);
      return new XSmartTokenAuth({ value });
    },
    hint: "Check SMARTRECRUITERS_TOKEN (the X-SmartToken API key)",
  },
  optionsSchema: OptionsSchema,
  payloadSchema: SmartRecruitersCandidateInputSchema,
  endpoints: [
    {
      name: "Search candidates",
      method: "GET",
      url: "https://api.smartrecruiters.com/candidates?q={email}",
      docs: "https://developers.smartrecruiters.com/reference/candidatesall-1",
    },
    {
      name: "Get candidate",
      method: "GET",
      url: "https://api.smartrecruiters.com/candidates/{id}",
      docs: "https://developers.smartrecruiters.com/reference/candidatesget-1",
    },
    {
      name: "Create candidate on a job",
      method: "POST",
      url: "https://api.smartrecruiters.com/jobs/{jobId}/candidates",
      docs: "https://developers.smartrecruiters.com/reference/candidatesaddtojob-1",
    },
    {
      name: "Create candidate in the Talent Pool",
      method: "POST",
      url: "https://api.smartrecruiters.com/candidates",
      docs: "https://developers.smartrecruiters.com/reference/candidatesadd-1",
    },
    {
      name: "List attachments",
      method: "GET",
      url: "https://api.smartrecruiters.com/candidates/{id}/attachments",
      docs: "https://developers.smartrecruiters.com/reference/candidatesattachmentsget-1",
    },
    {
      name: "Upload attachment for a job (with a job the candidate is on)",
      method: "POST",
      url: "https://api.smartrecruiters.com/candidates/{id}/jobs/{jobId}/attachments",
      docs: "https://developers.smartrecruiters.com/reference",
    },
    {
      name: "Upload attachment (deprecated; only for a Talent Pool candidate)",
      method: "POST",
      url: "https://api.smartrecruiters.com/candidates/{id}/attachments",
      docs: "https://developers.smartrecruiters.com/reference/candidatesattachmentsadd-1",
    },
  ],
  fieldMapping: [
    {
      vendorField: "firstName / lastName",
      profileField: "info.first_name / info.last_name",
      rule: "required; split from info.full_name when missing",
    },
    { vendorField: "email", profileField: "info.email", rule: "required; trimmed, lower-cased, validated" },
    {
      vendorField: "phoneNumber",
      profileField: "info.phone",
      rule: "kept as written when it holds at least 6 digits",
    },
    {
      vendorField: "location",
      profileField: "info.location.fields, lat, lng",
      rule: "only real fields: country name and ISO code, region, city; 0,0 coordinates dropped",
    },
    {
      vendorField: "web.linkedin / facebook / twitter / website",
      profileField: "info.urls",
      rule: "classified by host; https:// added where missing; other links fill website",
    },
    {
      vendorField: "tags",
      profileField: "skills[].name",
      rule: "deduplicated case-insensitively, 150 characters max",
    },
    {
      vendorField: "experience[]",
      profileField: "experiences[]",
      rule: "title, company, location, description (HTML stripped); dates YYYY[-MM[-DD]]; current when no end date",
    },
    {
      vendorField: "education[]",
      profileField: "educations[]",
      rule: "institution = school, degree = title, dates YYYY[-MM[-DD]]",
    },
    {
      vendorField: "attachment RESUME",
      profileField: "attachments[type=resume, else original]",
      rule: "multipart upload with the real file name and detected content type",
    },
  ],
  rateLimit: { requests: 10, perMs: 1000, concurrency: 8, lanes: { search: 1 } },
  cvMode: "upload",
  map: mapSmartRecruitersCandidate,
  plan,
  examples: {
    library: `import { Hrflow, SmartRecruiters, XSmartTokenAuth } from "hrflow-connectors";

const response = await SmartRecruiters.pushProfile({
  hrflowClient: new Hrflow({ apiSecret: process.env.HRFLOW_API_SECRET!, apiUser: process.env.HRFLOW_API_USER! }),
  auth: new XSmartTokenAuth({ value: process.env.SMARTRECRUITERS_TOKEN! }),
  profile: { key: "PROFILE_KEY", source: { key: "SOURCE_KEY" } },
  jobId: "3696cad0-a9b0-4a40-9cd7-4cc5feb1a509",
});
console.log(response.result);`,
    cli: "npx hrflow-connectors push-profile smartrecruiters --source-key SOURCE_KEY --profile-key PROFILE_KEY --job-id 3696cad0-a9b0-4a40-9cd7-4cc5feb1a509",
  },
  sandbox: () =>
    import("../../testing/smartrecruiters-fake.js").then((fake) => fake.createSmartRecruitersSandbox()),
});
