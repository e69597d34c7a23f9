import { z } from "zod";

/**
 * Flatchr shapes. The create goes to the careers host
 * (https://developers.flatchr.io/docs/QuickStart/Candidats/Creer_un_candidat), the applicant search to the
 * API host (https://developers.flatchr.io/docs/QuickStart/Candidats/Recuperer_un_candidat).
 *
 * The payload schema is strict and has no `token`: the API key is added to the body by the connector when
 * the request is sent, so no mapping or user format ever holds it.
 */

const Text = (max: number) => z.string().trim().min(1).max(max);
/** Standard base64 (what Flatchr decodes), padded. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `resume` when `type` is `document`: the file itself. */
export const FlatchrResumeDocumentSchema = z.strictObject({
  /** The file, base64-encoded. */
  data: z.string().min(4).regex(BASE64, { error: "must be base64" }),
  /** The file's name (Flatchr shows it to recruiters). */
  fileName: Text(255),
  contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, { error: "must be a MIME type" }),
});
export type FlatchrResumeDocument = z.infer<typeof FlatchrResumeDocumentSchema>;

/** `urls`: one link per network, as the docs describe it (an object, not HrFlow v2's list). */
export const FlatchrUrlsSchema = z.strictObject({
  facebook: z.url({ protocol: /^https?$/ }).optional(),
  linkedin: z.url({ protocol: /^https?$/ }).optional(),
  twitter: z.url({ protocol: /^https?$/ }).optional(),
  other: z.url({ protocol: /^https?$/ }).optional(),
});
export type FlatchrUrls = z.infer<typeof FlatchrUrlsSchema>;

/** A screening answer or tag (https://developers.flatchr.io/docs/Schemas/answer). */
export const FlatchrAnswerSchema = z.strictObject({
  question: z.union([z.string().min(1), z.number().int()]),
  value: z.string(),
});

/**
 * The body of `POST https://careers.flatchr.io/vacancy/candidate/json`, without the `token` field (added
 * at send time). `type` says how `resume` is encoded: `document` (base64 object) or `link` (a URL).
 */
export const FlatchrCandidateInputSchema = z
  .strictObject({
    /** The vacancy slug (the `slug` field of the vacancy object). */
    vacancy: Text(255),
    firstname: Text(100),
    lastname: Text(100),
    email: z.email().optional(),
    /** The docs type it as an integer; clients send the number as written, which Flatchr accepts. */
    phone: z.union([Text(50), z.number().int().positive()]).optional(),
    type: z.enum(["document", "link"]),
    resume: z.union([FlatchrResumeDocumentSchema, z.url({ protocol: /^https?$/ })]),
    /** The candidate's comment. */
    comment: Text(10_000).optional(),
    offerer_id: z.number().int().optional(),
    urls: FlatchrUrlsSchema.optional(),
    legalNewsletterPartners: z.boolean().optional(),
    similarities: z.boolean().optional(),
    response_text: Text(2_000).optional(),
    answers: z.array(FlatchrAnswerSchema).optional(),
    /** Not in the docs, but sent by HrFlow's own v2 connector: kept for formats that copy it. */
    source: Text(255).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.type === "document" && typeof body.resume === "string")
      ctx.addIssue({ code: "custom", path: ["resume"], message: 'type "document" needs the file object' });
    if (body.type === "link" && typeof body.resume !== "string")
      ctx.addIssue({ code: "custom", path: ["resume"], message: 'type "link" needs a URL' });
  });
export type FlatchrCandidateInput = z.infer<typeof FlatchrCandidateInputSchema>;

/**
 * The create's answer. The docs show `status` and `response` (e.g. "applicant created") without the exact
 * envelope, and never an id: an object with a text `response`, or a JSON string.
 */
export const FlatchrCreateAnswerSchema = z.union([
  z.looseObject({ response: z.string().min(1) }),
  z.string().min(1),
]);

/** One applicant of a search answer (only what the connector reads). */
export const FlatchrApplicantSchema = z.looseObject({
  /** The applicant's encoded id, e.g. `z7gWQnjXG77hJRak`. */
  applicant: z.union([z.string().min(1), z.number()]).transform(String),
  /** The vacancy's title. */
  vacancy: z.string().nullish(),
  email: z.string().nullish(),
  column: z.string().nullish(),
});
export type FlatchrApplicant = z.infer<typeof FlatchrApplicantSchema>;

/** `POST /company/{companyId}/search/applicants` answers a list (also read inside `{data}` or `{applicants}`). */
export const FlatchrApplicantListSchema = z.union([
  z.array(FlatchrApplicantSchema),
  z.looseObject({ applicants: z.array(FlatchrApplicantSchema) }).transform((answer) => answer.applicants),
  z.looseObject({ data: z.array(FlatchrApplicantSchema) }).transform((answer) => answer.data),
]);
