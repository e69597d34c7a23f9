import { z } from "zod";

/**
 * Greenhouse Harvest shapes. The payload (what the mapping or a user's format produces) holds the person
 * fields both Harvest versions share, plus employments; the push turns it into a v3 body (with one nested
 * application, employments through their own endpoint) or a legacy v1 body (every application and the CV
 * inline). Payload schemas are strict: a key Greenhouse does not know is refused before sending.
 *
 * v3: https://harvestdocs.greenhouse.io/reference/post_v3-candidates
 * v1: https://developers.greenhouse.io/harvest.html#post-add-candidate
 */

const Text = (max: number) => z.string().trim().min(1).max(max);

/** ISO-8601 date or date-time (`2022-03-01` or `2022-03-01T00:00:00.000Z`); Greenhouse ignores the time. */
const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/, {
    error: "must be an ISO-8601 date such as 2022-03-01T00:00:00.000Z",
  });

/** `email_addresses[].type`. */
export const GREENHOUSE_EMAIL_TYPES = ["personal", "work", "other"] as const;
/** `phone_numbers[].type`. */
export const GREENHOUSE_PHONE_TYPES = ["home", "work", "mobile", "skype", "other"] as const;
/** `addresses[].type`. */
export const GREENHOUSE_ADDRESS_TYPES = ["home", "work", "other"] as const;
/** `website_addresses[].type`. */
export const GREENHOUSE_WEBSITE_TYPES = ["personal", "company", "portfolio", "blog", "other"] as const;

const Typed = <T extends readonly [string, ...string[]]>(value: z.ZodType<string>, types: T) =>
  z.strictObject({ value, type: z.enum(types) });

/** An employment: `company_name`, `title` and `start_date` are required; no `end_date` means current. */
export const GreenhouseEmploymentSchema = z.strictObject({
  company_name: Text(255),
  title: Text(255),
  start_date: IsoDate,
  end_date: IsoDate.optional(),
});
export type GreenhouseEmployment = z.infer<typeof GreenhouseEmploymentSchema>;

/**
 * The payload: a Greenhouse candidate's person fields (the same names in v1 and v3) and employments.
 * The email is how a repeated push finds the candidate again; without one, the push ledger does.
 */
export const GreenhouseCandidatePayloadSchema = z.strictObject({
  first_name: Text(255),
  last_name: Text(255),
  company: Text(255).optional(),
  title: Text(255).optional(),
  email_addresses: z.array(Typed(z.email(), GREENHOUSE_EMAIL_TYPES)).optional(),
  phone_numbers: z.array(Typed(Text(255), GREENHOUSE_PHONE_TYPES)).optional(),
  addresses: z.array(Typed(Text(1000), GREENHOUSE_ADDRESS_TYPES)).optional(),
  website_addresses: z.array(Typed(z.url({ protocol: /^https?$/ }), GREENHOUSE_WEBSITE_TYPES)).optional(),
  /** `{value}` only: v3 dropped the type, and v1 never had one. */
  social_media_addresses: z.array(z.strictObject({ value: z.url({ protocol: /^https?$/ }) })).optional(),
  tags: z.array(Text(255)).optional(),
  employments: z.array(GreenhouseEmploymentSchema).optional(),
});
export type GreenhouseCandidatePayload = z.infer<typeof GreenhouseCandidatePayloadSchema>;

/**
 * A Greenhouse id on the wire: an integer. Dry runs carry placeholders such as `<new candidate id>`, which
 * only ever appear in planned (never sent) requests.
 */
export type WireId = number | string;

/** Person fields sent to both versions (the payload without employments). */
export type GreenhousePersonFields = Omit<GreenhouseCandidatePayload, "employments">;

/** `POST /v3/candidates` body: person fields plus the first application, nested. */
export interface GreenhouseV3CandidateBody extends GreenhousePersonFields {
  application: { job_id: number };
}

/** `POST /v3/applications` body (candidate arm: one job per call). */
export interface GreenhouseV3ApplicationBody {
  candidate_id: WireId;
  job_id: number;
}

/** `POST /v3/attachments` body: exactly one of `content` (base64) or `url`; no `content_type` in v3. */
export interface GreenhouseV3AttachmentBody {
  application_id: WireId;
  filename: string;
  type: "resume";
  content: string;
}

/** `POST /v3/candidate_employments` body (names of the read schema; the reference does not list them). */
export interface GreenhouseV3EmploymentBody extends GreenhouseEmployment {
  candidate_id: WireId;
}

/** A v1 attachment: base64 `content` with its `content_type`. */
export interface GreenhouseV1Attachment {
  filename: string;
  type: "resume";
  content: string;
  content_type: string;
}

/** `POST /v1/candidates` body: every application (the CV inside the first one), employments inline. */
export interface GreenhouseV1CandidateBody extends GreenhousePersonFields {
  employments?: GreenhouseEmployment[] | undefined;
  applications: { job_id: number; attachments?: GreenhouseV1Attachment[] }[];
}

// ---------------------------------------------------------------------------------------------------
// Responses (only what the connector reads; everything else is kept and ignored).

/** Ids arrive as integers; a numeric string is tolerated. Kept as strings inside the connector. */
export const GreenhouseIdSchema = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
  .transform((id) => String(id));

const EmailEntry = z.looseObject({ value: z.string().nullish() });

/** A candidate in a v3 list (`GET /v3/candidates`). */
export const GreenhouseV3CandidateSchema = z.looseObject({
  id: GreenhouseIdSchema,
  email_addresses: z.array(EmailEntry).nullish(),
});
export type GreenhouseV3Candidate = z.infer<typeof GreenhouseV3CandidateSchema>;

/** v3 lists are bare arrays; the cursor is in the `Link` header. */
export const GreenhouseV3CandidateListSchema = z.array(GreenhouseV3CandidateSchema);

/** A v3 application (flat object). Older drafts nest the job as `jobs[{id}]`: both are read. */
export const GreenhouseV3ApplicationSchema = z
  .looseObject({
    id: GreenhouseIdSchema,
    candidate_id: GreenhouseIdSchema.nullish(),
    job_id: GreenhouseIdSchema.nullish(),
    jobs: z.array(z.looseObject({ id: GreenhouseIdSchema })).nullish(),
    prospect: z.boolean().nullish(),
  })
  .transform((app) => ({
    id: app.id,
    candidateId: app.candidate_id ?? undefined,
    jobIds: app.job_id ? [app.job_id] : (app.jobs ?? []).map((j) => j.id),
  }));
export type GreenhouseV3Application = z.infer<typeof GreenhouseV3ApplicationSchema>;
export const GreenhouseV3ApplicationListSchema = z.array(GreenhouseV3ApplicationSchema);

/**
 * `POST /v3/candidates` answer. Sources disagree: `{candidate, application}` (live-tested clients) or the
 * candidate at the top level. Read tolerantly: `body.candidate ?? body`.
 */
export const GreenhouseV3CreateCandidateResponseSchema = z
  .looseObject({
    candidate: z.looseObject({ id: GreenhouseIdSchema }).nullish(),
    id: GreenhouseIdSchema.optional(),
    application: z.looseObject({ id: GreenhouseIdSchema }).nullish(),
    application_ids: z.array(GreenhouseIdSchema).nullish(),
  })
  .transform((body, ctx) => {
    const candidateId = body.candidate?.id ?? body.id;
    if (candidateId === undefined) {
      ctx.addIssue({ code: "custom", message: "no candidate id (neither candidate.id nor id)" });
      return z.NEVER;
    }
    return { candidateId, applicationId: body.application?.id ?? body.application_ids?.[0] };
  });
export type GreenhouseV3CreatedCandidate = z.infer<typeof GreenhouseV3CreateCandidateResponseSchema>;

/** A v3 attachment (list items and the create answer). */
export const GreenhouseV3AttachmentSchema = z.looseObject({
  id: GreenhouseIdSchema.optional(),
  candidate_id: GreenhouseIdSchema.nullish(),
  application_id: GreenhouseIdSchema.nullish(),
  filename: z.string().nullish(),
  type: z.string().nullish(),
});
export const GreenhouseV3AttachmentListSchema = z.array(GreenhouseV3AttachmentSchema);

/** A v1 candidate (`GET /v1/candidates/{id}` and list items). */
export const GreenhouseV1CandidateSchema = z.looseObject({
  id: GreenhouseIdSchema,
  email_addresses: z.array(EmailEntry).nullish(),
  application_ids: z.array(GreenhouseIdSchema).nullish(),
  applications: z
    .array(
      z.looseObject({
        id: GreenhouseIdSchema,
        prospect: z.boolean().nullish(),
        jobs: z.array(z.looseObject({ id: GreenhouseIdSchema })).nullish(),
      }),
    )
    .nullish(),
  attachments: z
    .array(z.looseObject({ filename: z.string().nullish(), type: z.string().nullish() }))
    .nullish(),
});
export type GreenhouseV1Candidate = z.infer<typeof GreenhouseV1CandidateSchema>;
export const GreenhouseV1CandidateListSchema = z.array(GreenhouseV1CandidateSchema);

/**
 * `POST /v1/candidates` answer: the full candidate, or (asynchronous creation) only the candidate id and
 * application ids. `truncated` says which.
 */
export const GreenhouseV1CreateCandidateResponseSchema = z
  .looseObject({
    id: GreenhouseIdSchema,
    first_name: z.string().nullish(),
    application_ids: z.array(GreenhouseIdSchema).nullish(),
  })
  .transform((body) => ({
    candidateId: body.id,
    applicationIds: body.application_ids ?? [],
    truncated: body.first_name === undefined || body.first_name === null,
  }));
export type GreenhouseV1CreatedCandidate = z.infer<typeof GreenhouseV1CreateCandidateResponseSchema>;

/** `POST /v1/candidates/{id}/applications` answer. */
export const GreenhouseV1ApplicationSchema = z.looseObject({ id: GreenhouseIdSchema });
