import { z } from "zod";

/**
 * Taleez API shapes (https://api.taleez.com/swagger-ui/index.html, base `https://api.taleez.com/0`).
 * The payload schema is strict: a key Taleez does not know (the original's `email`/`number`, which
 * silently dropped the mail and phone) is refused before sending.
 */

const Text = (max: number) => z.string().min(1).max(max);
/** Phone numbers Taleez keeps: international (`+` or `00`) or a French-style national number of 10 digits. */
export const TALEEZ_PHONE = /^(?:(?:\+|00)[1-9]\d{6,14}|0\d{9})$/;

/** A Taleez numeric id: an integer in JSON; a numeric string is read too. Kept as a string inside. */
export const TaleezIdSchema = z
  .union([z.number().int().positive(), z.string().regex(/^\d+$/)])
  .transform((id) => String(id));

/** `social_links`: the keys HrFlow's own Taleez mapping writes (`dribble` is Taleez's spelling). */
export const TaleezSocialLinksSchema = z.strictObject({
  linkedin: z.url().optional(),
  viadeo: z.url().optional(),
  twitter: z.url().optional(),
  github: z.url().optional(),
  behance: z.url().optional(),
  dribble: z.url().optional(),
  website: z.url().optional(),
  other: z.url().optional(),
});
export type TaleezSocialLinks = z.infer<typeof TaleezSocialLinksSchema>;

/**
 * `location`. One source (a third-party tool description) says city, country, lat and lng are all
 * required when a location is sent; HrFlow's own mapping sends whatever it has. The schema requires the
 * four, which satisfies both readings (see the mapping for why).
 */
export const TaleezLocationSchema = z.strictObject({
  country: z.string().regex(/^[A-Z]{2}$/, { error: "must be an upper-case ISO 3166-1 alpha-2 code" }),
  city: Text(100),
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  postalCode: Text(20).optional(),
  street: Text(200).optional(),
  streetNumber: Text(20).optional(),
});
export type TaleezLocation = z.infer<typeof TaleezLocationSchema>;

/** The body of `POST /0/candidates` (sent unwrapped, as current clients do). */
export const TaleezCandidateInputSchema = z.strictObject({
  firstName: Text(100),
  lastName: Text(100),
  /** Unique within the company; optional (without it Taleez cannot tell two pushes apart). */
  mail: z.email().optional(),
  // The forms Taleez reads (`+33611223344`, `0033611223344`, `0611223344`); it silently drops any other.
  phone: Text(40)
    .regex(TALEEZ_PHONE, { error: "must be a phone number Taleez reads: +33611223344 (E.164) or 0611223344" })
    .optional(),
  /** Candidate language, upper-case (`FR`, `EN`); must be enabled on the account. */
  lang: z
    .string()
    .regex(/^[A-Z]{2}$/, { error: "must be an upper-case two-letter language code" })
    .optional(),
  initialReferrer: Text(100).optional(),
  recruiterId: z.number().int().positive().optional(),
  unitId: z.number().int().positive().optional(),
  social_links: TaleezSocialLinksSchema.optional(),
  location: TaleezLocationSchema.optional(),
});
export type TaleezCandidateInput = z.infer<typeof TaleezCandidateInputSchema>;

/** A candidate as Taleez returns it (only what the connector reads). */
export const TaleezCandidateSchema = z.looseObject({
  id: TaleezIdSchema,
  mail: z.string().nullish(),
  /** Link to the candidate's CV, when one is attached. */
  cv: z.string().nullish(),
});
export type TaleezCandidate = z.infer<typeof TaleezCandidateSchema>;

/**
 * Answer of `POST /0/candidates`: a JSON object with the new `id` (HrFlow's connector reads
 * `json()["id"]`). A bare numeric id is read too: the original connector scraped the id out of the raw
 * body, which suggests it is not always wrapped.
 */
export const TaleezCreatedSchema = z.union([
  z.looseObject({ id: TaleezIdSchema }),
  TaleezIdSchema.transform((id) => ({ id })),
]);

/** `GET /0/candidates?mail=...` answer: a page of candidates. */
export const TaleezCandidateListSchema = z.looseObject({
  list: z.array(TaleezCandidateSchema),
  hasMore: z.boolean().optional(),
});

/** One document of `GET /0/candidates/{id}/documents`. */
export const TaleezDocumentSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).optional(),
  name: z.string().nullish(),
  size: z.number().nullish(),
});

/** The documents list: a bare array (as described) or a `{ list }` page like the other lists. */
export const TaleezDocumentListSchema = z.union([
  z.array(TaleezDocumentSchema),
  z.looseObject({ list: z.array(TaleezDocumentSchema) }).transform((page) => page.list),
]);
export type TaleezDocument = z.infer<typeof TaleezDocumentSchema>;
