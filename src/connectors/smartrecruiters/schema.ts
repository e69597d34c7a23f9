import { z } from "zod";

/**
 * SmartRecruiters Candidate API shapes (https://developers.smartrecruiters.com/reference/candidatesadd-1).
 * Payload schemas are strict: a key SmartRecruiters does not know (the original's plural `experiences`)
 * is refused before sending.
 */

const Text = (max: number) => z.string().min(1).max(max);
/** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. */
const SrDate = z
  .string()
  .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, { error: "must be YYYY, YYYY-MM or YYYY-MM-DD" });

export const SmartRecruitersLocationSchema = z.strictObject({
  country: Text(100).optional(),
  countryCode: z
    .string()
    .regex(/^[A-Z]{2}$/, { error: "must be an ISO 3166-1 alpha-2 code" })
    .optional(),
  regionCode: Text(10).optional(),
  region: Text(100).optional(),
  city: Text(100).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lng: z.number().min(-180).max(180).optional(),
});

export const SmartRecruitersWebSchema = z.strictObject({
  skype: Text(500).optional(),
  linkedin: z.url().optional(),
  facebook: z.url().optional(),
  twitter: z.url().optional(),
  website: z.url().optional(),
});

export const SmartRecruitersExperienceSchema = z.strictObject({
  title: Text(200).optional(),
  company: Text(200).optional(),
  current: z.boolean().optional(),
  startDate: SrDate.optional(),
  endDate: SrDate.optional(),
  location: Text(300).optional(),
  description: Text(10_000).optional(),
});

export const SmartRecruitersEducationSchema = z.strictObject({
  institution: Text(200).optional(),
  degree: Text(200).optional(),
  major: Text(200).optional(),
  current: z.boolean().optional(),
  location: Text(300).optional(),
  startDate: SrDate.optional(),
  endDate: SrDate.optional(),
  description: Text(10_000).optional(),
});

/** `CandidateInput`: the body of `POST /candidates` and `POST /jobs/{jobId}/candidates`. */
export const SmartRecruitersCandidateInputSchema = z.strictObject({
  firstName: Text(200),
  lastName: Text(200),
  email: z.email(),
  phoneNumber: Text(50).optional(),
  location: SmartRecruitersLocationSchema.optional(),
  web: SmartRecruitersWebSchema.optional(),
  tags: z.array(Text(150)).optional(),
  education: z.array(SmartRecruitersEducationSchema).optional(),
  experience: z.array(SmartRecruitersExperienceSchema).optional(),
});
export type SmartRecruitersCandidateInput = z.infer<typeof SmartRecruitersCandidateInputSchema>;

const Assignment = z.looseObject({ job: z.looseObject({ id: z.string() }).nullish() }).nullish();

/** `CandidateDetails` (only what the connector reads). */
export const SmartRecruitersCandidateSchema = z.looseObject({
  id: z.string().min(1),
  email: z.string().nullish(),
  primaryAssignment: Assignment,
  secondaryAssignments: z.array(Assignment).nullish(),
});
export type SmartRecruitersCandidate = z.infer<typeof SmartRecruitersCandidateSchema>;

/** `GET /candidates?q=` answer. */
export const SmartRecruitersCandidateListSchema = z.looseObject({
  totalFound: z.number().optional(),
  content: z.array(SmartRecruitersCandidateSchema),
});

/** An attachment (answer of the upload and items of the list). */
export const SmartRecruitersAttachmentSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  type: z.string().nullish(),
  contentType: z.string().nullish(),
});

export const SmartRecruitersAttachmentListSchema = z.looseObject({
  content: z.array(SmartRecruitersAttachmentSchema),
});
