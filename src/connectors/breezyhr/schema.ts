import { z } from "zod";

/**
 * Breezy HR API v3 shapes (https://developer.breezy.hr/docs/company-position-candidates-add).
 * Payload schemas are strict: a key Breezy does not document (the original's list-shaped
 * `social_profiles`, an unknown network) is refused before anything is sent.
 */

const Text = (max: number) => z.string().trim().min(1).max(max);
const Year = z.int().min(1900).max(2100);
const Month = z.int().min(1).max(12);

/** The networks Breezy accepts as `social_profiles` keys (documented list; unknown keys are refused). */
export const BREEZY_SOCIAL_NETWORKS = [
  "facebook",
  "linkedin",
  "twitter",
  "dribbble",
  "instagram",
  "behance",
  "angellist",
  "flickr",
  "github",
  "youtube",
  "google-plus",
  "skype",
  "globe",
] as const;
export type BreezySocialNetwork = (typeof BREEZY_SOCIAL_NETWORKS)[number];

const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

/** `social_profiles`: one URL per network, as a map (`{"github": "https://..."}`). */
export const BreezySocialProfilesSchema = z.partialRecord(z.enum(BREEZY_SOCIAL_NETWORKS), HttpUrl);

/** A month without its year means nothing to Breezy. */
const monthNeedsYear = (entry: Record<string, unknown>, ctx: z.RefinementCtx, part: "start" | "end") => {
  if (entry[`${part}_month`] !== undefined && entry[`${part}_year`] === undefined)
    ctx.addIssue({ code: "custom", path: [`${part}_month`], message: `needs ${part}_year` });
};

/** `WorkHistoryAddEntryRequest`: an entry of `work_history`, and the body of `PUT .../work-history`. */
export const BreezyWorkHistoryInputSchema = z
  .strictObject({
    company_name: Text(300),
    title: Text(300).optional(),
    summary: Text(10_000).optional(),
    start_month: Month.optional(),
    start_year: Year.optional(),
    end_month: Month.optional(),
    end_year: Year.optional(),
  })
  .superRefine((entry, ctx) => {
    monthNeedsYear(entry, ctx, "start");
    monthNeedsYear(entry, ctx, "end");
  });
export type BreezyWorkHistoryInput = z.infer<typeof BreezyWorkHistoryInputSchema>;

/** An entry of `education`, and the body of `PUT .../education` (years only, as documented). */
export const BreezyEducationInputSchema = z.strictObject({
  school_name: Text(300),
  field_of_study: Text(300).optional(),
  start_year: Year.optional(),
  end_year: Year.optional(),
});
export type BreezyEducationInput = z.infer<typeof BreezyEducationInputSchema>;

export const BreezyCustomAttributeSchema = z.strictObject({
  name: Text(200),
  value: z.string(),
  secure: z.boolean().optional(),
});

/**
 * `CompanyAddNewCandidateToPositionRequest`: the body of `POST .../position/{id}/candidates`. No `headline`:
 * it is a field of the update (`PUT .../candidate/{id}`) only, so a create refuses it here rather than
 * send a field Breezy drops.
 */
export const BreezyCandidateInputSchema = z.strictObject({
  name: Text(300),
  email_address: z.email().optional(),
  phone_number: Text(50).optional(),
  address: Text(500).optional(),
  summary: Text(20_000).optional(),
  origin: z.enum(["sourced", "applied"]).optional(),
  source: Text(200).optional(),
  tags: z.array(Text(150)).optional(),
  cover_letter: Text(20_000).optional(),
  work_history: z.array(BreezyWorkHistoryInputSchema).optional(),
  education: z.array(BreezyEducationInputSchema).optional(),
  social_profiles: BreezySocialProfilesSchema.optional(),
  custom_attributes: z.array(BreezyCustomAttributeSchema).optional(),
});
export type BreezyCandidateInput = z.infer<typeof BreezyCandidateInputSchema>;

/** `CompanyUpdateCandidatePositionRequest`: the body of `PUT .../candidate/{id}` (it takes a `headline`). */
export type BreezyCandidateUpdate = Pick<
  BreezyCandidateInput,
  | "name"
  | "email_address"
  | "phone_number"
  | "summary"
  | "tags"
  | "source"
  | "address"
  | "social_profiles"
  | "cover_letter"
> & { headline?: string };

/** Answers carry `null` for unset fields; read them as absent. */
const maybe = <T extends z.ZodType>(schema: T) =>
  schema
    .nullable()
    .transform((v) => v ?? undefined)
    .optional();

/** A company of `GET /companies`. */
export const BreezyCompanySchema = z.looseObject({ _id: z.string().min(1), name: maybe(z.string()) });
export type BreezyCompany = z.infer<typeof BreezyCompanySchema>;
export const BreezyCompanyListSchema = z.array(BreezyCompanySchema);

/** A hit of `GET /company/{id}/candidates/search` (one per position the person is on). */
export const BreezySearchHitSchema = z.looseObject({
  _id: z.string().min(1),
  name: maybe(z.string()),
  email_address: maybe(z.string()),
  position: maybe(z.looseObject({ _id: maybe(z.string()) })),
  position_id: maybe(z.string()),
});
export type BreezySearchHit = z.infer<typeof BreezySearchHitSchema>;
export const BreezySearchResultSchema = z.array(BreezySearchHitSchema);

/** An item of `GET .../position/{id}/candidates` (abbreviated candidates). */
export const BreezyCandidateSummarySchema = z.looseObject({
  _id: z.string().min(1),
  name: maybe(z.string()),
  email_address: maybe(z.string()),
  phone_number: maybe(z.string()),
});
export type BreezyCandidateSummary = z.infer<typeof BreezyCandidateSummarySchema>;
export const BreezyCandidateSummaryListSchema = z.array(BreezyCandidateSummarySchema);

/** `social_profiles` as Breezy returns it: a list of `{type, url}` (some answers echo the input map). */
const SocialProfilesOutput = maybe(
  z.union([
    z.array(z.looseObject({ type: maybe(z.string()), url: maybe(z.string()) })),
    z.record(z.string(), z.unknown()),
  ]),
);

/** The Candidate object (only what the connector reads). */
export const BreezyCandidateSchema = z.looseObject({
  _id: z.string().min(1),
  name: maybe(z.string()),
  email_address: maybe(z.string()),
  phone_number: maybe(z.string()),
  address: maybe(z.string()),
  headline: maybe(z.string()),
  summary: maybe(z.string()),
  cover_letter: maybe(z.string()),
  source: maybe(z.union([z.string(), z.looseObject({ name: maybe(z.string()) })])),
  tags: maybe(z.array(z.string())),
  social_profiles: SocialProfilesOutput,
  work_history: maybe(z.array(z.looseObject({ company_name: maybe(z.string()), title: maybe(z.string()) }))),
  education: maybe(
    z.array(z.looseObject({ school_name: maybe(z.string()), field_of_study: maybe(z.string()) })),
  ),
  resume: maybe(z.looseObject({ file_name: maybe(z.string()) })),
});
export type BreezyCandidate = z.infer<typeof BreezyCandidateSchema>;

/** Any Breezy error body: `{"error":{"type":"...","message":"..."}}`. */
export const BreezyErrorSchema = z.looseObject({
  error: z.looseObject({ type: maybe(z.string()), message: maybe(z.string()) }),
});
