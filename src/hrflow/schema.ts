import { z } from "zod";
import { MappingError } from "../core/errors.js";

/**
 * The HrFlow profile as the connectors read it. Every object accepts unknown fields (kept as sent), every
 * field may be missing or null, numbers are accepted where text is expected (a phone number sent as a
 * number), `null` entries inside lists are dropped. Anything else of the wrong type is a `MappingError`
 * naming the field, raised before any vendor request.
 */

/** How a bad value is named in messages (never the value itself: it may be huge or personal). */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return value === "" ? "an empty string" : "text";
  return typeof value === "object" ? "an object" : typeof value;
}

/** An object whose wrong type gets a readable message. */
function object<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.looseObject(shape, { error: (issue) => `expected an object, got ${describe(issue.input)}` });
}

/** Text: a string, or a number/boolean turned into one. */
const Text = z
  .union([z.string(), z.number().transform(String), z.boolean().transform(String)], {
    error: (issue) => `expected text, got ${describe(issue.input)}`,
  })
  .nullish()
  .transform((v) => v ?? undefined);

/** A coordinate: a finite number or a numeric string. */
const Coordinate = z
  .union(
    [
      z.number(),
      z
        .string()
        .trim()
        .regex(/^-?\d+(\.\d+)?$/)
        .transform(Number),
      z.literal(""),
    ],
    {
      error: (issue) => `expected a number, got ${describe(issue.input)}`,
    },
  )
  .nullish()
  .transform((v) => (typeof v === "number" && Number.isFinite(v) ? v : undefined));

/** A list whose `null` entries are dropped; `null` itself reads as an empty list. */
function list<T extends z.ZodType>(item: T) {
  return z
    .array(item.nullable(), { error: (issue) => `expected a list, got ${describe(issue.input)}` })
    .nullish()
    .transform((items) => (items ?? []).filter((x): x is NonNullable<typeof x> => x !== null));
}

/** `location.fields` as HrFlow sends it (city, country, postcode, road, house_number, state, ...). */
export const HrflowLocationFieldsSchema = object({
  city: Text,
  country: Text,
  postcode: Text,
  road: Text,
  house_number: Text,
  state: Text,
  state_district: Text,
  city_district: Text,
  suburb: Text,
  text: Text,
});

export const HrflowLocationSchema = object({
  text: Text,
  lat: Coordinate,
  lng: Coordinate,
  gmaps: Text,
  fields: HrflowLocationFieldsSchema.nullish().transform((v) => v ?? undefined),
});
export type HrflowLocation = z.infer<typeof HrflowLocationSchema>;

export const HrflowUrlSchema = object({ type: Text, url: Text });
export type HrflowUrl = z.infer<typeof HrflowUrlSchema>;

/** `{name, value}` items (languages, certifications, tags, metadatas, ...). */
export const HrflowFieldSchema = object({ name: Text, value: z.unknown().optional() });

export const HrflowSkillSchema = object({ name: Text, type: Text, value: z.unknown().optional() });
export type HrflowSkill = z.infer<typeof HrflowSkillSchema>;

const Location = HrflowLocationSchema.nullish().transform((v) => v ?? undefined);

export const HrflowExperienceSchema = object({
  key: Text,
  company: Text,
  title: Text,
  description: Text,
  location: Location,
  date_start: Text,
  date_end: Text,
  skills: list(HrflowSkillSchema),
  tasks: list(HrflowFieldSchema),
  certifications: list(HrflowFieldSchema),
  courses: list(HrflowFieldSchema),
});
export type HrflowExperience = z.infer<typeof HrflowExperienceSchema>;

export const HrflowEducationSchema = object({
  key: Text,
  school: Text,
  title: Text,
  description: Text,
  location: Location,
  date_start: Text,
  date_end: Text,
  skills: list(HrflowSkillSchema),
  tasks: list(HrflowFieldSchema),
  certifications: list(HrflowFieldSchema),
  courses: list(HrflowFieldSchema),
});
export type HrflowEducation = z.infer<typeof HrflowEducationSchema>;

export const HrflowAttachmentSchema = object({
  type: Text,
  alt: Text,
  file_size: z.union([z.number(), z.string()]).nullish(),
  file_name: Text,
  original_file_name: Text,
  extension: Text,
  public_url: Text,
  created_at: Text,
  updated_at: Text,
});
export type HrflowAttachment = z.infer<typeof HrflowAttachmentSchema>;

export const HrflowInfoSchema = object({
  full_name: Text,
  first_name: Text,
  last_name: Text,
  email: Text,
  phone: Text,
  date_birth: Text,
  gender: Text,
  picture: Text,
  summary: Text,
  driving_license: Text,
  location: Location,
  // Kept as the list HrFlow sends (the original coerced it into a dict and lost every URL).
  urls: list(HrflowUrlSchema),
});
export type HrflowInfo = z.infer<typeof HrflowInfoSchema>;

export const HrflowSourceSchema = object({
  key: Text,
  name: Text,
  type: Text,
  subtype: Text,
  environment: Text,
});

export const HrflowLabelSchema = object({
  board_key: Text,
  job_key: Text,
  job_reference: Text,
  stage: Text,
});

/** The HrFlow profile (fields the connectors read are typed; everything else is kept untouched). */
export const HrflowProfileSchema = object({
  id: z.unknown().optional(),
  key: Text,
  reference: Text,
  source_key: Text,
  source: HrflowSourceSchema.nullish().transform((v) => v ?? undefined),
  created_at: Text,
  updated_at: Text,
  archived_at: Text,
  text_language: Text,
  text: Text,
  experiences_duration: Coordinate,
  educations_duration: Coordinate,
  info: z.preprocess((v) => v ?? {}, HrflowInfoSchema),
  experiences: list(HrflowExperienceSchema),
  educations: list(HrflowEducationSchema),
  attachments: list(HrflowAttachmentSchema),
  skills: list(HrflowSkillSchema),
  languages: list(HrflowFieldSchema),
  certifications: list(HrflowFieldSchema),
  courses: list(HrflowFieldSchema),
  tasks: list(HrflowFieldSchema),
  interests: list(HrflowFieldSchema),
  tags: list(HrflowFieldSchema),
  metadatas: list(HrflowFieldSchema),
  labels: list(HrflowLabelSchema),
});

/** A parsed HrFlow profile. */
export type HrflowProfile = z.infer<typeof HrflowProfileSchema>;
/** What {@link parseHrflowProfile} accepts (the raw API shape). */
export type HrflowProfileInput = z.input<typeof HrflowProfileSchema>;

/** Renders a zod issue path as `experiences[2].location.lat`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === "number") return `${acc}[${part}]`;
    const name = String(part);
    return acc === "" ? name : `${acc}.${name}`;
  }, "");
}

/**
 * How much of a profile a push accepts. A CV has tens of experiences, not thousands: a profile past these
 * bounds is a `MappingError` naming the field (and the limit to raise) before any vendor request, instead
 * of a create of tens of megabytes. Each can be raised through `new Hrflow({ profileLimits })`.
 */
export interface ProfileLimits {
  /** Entries in `experiences`. @default 100 */
  maxExperiences: number;
  /** Entries in `educations`. @default 50 */
  maxEducations: number;
  /** Entries in the profile's `skills`. @default 500 */
  maxSkills: number;
  /** Entries in `attachments`. @default 20 */
  maxAttachments: number;
  /** Entries in `info.urls`. @default 50 */
  maxUrls: number;
  /** Entries in any other list, and fields in any object. @default 1000 */
  maxListItems: number;
  /** Characters in any text field except the CV text (a long HTML summary fits; vendors hold less, and what they cut is reported). @default 100000 */
  maxTextLength: number;
  /** Characters in `text` (the whole CV as text). @default 200000 */
  maxCvTextLength: number;
  /** Levels of nesting. @default 16 */
  maxDepth: number;
}

/** The defaults of {@link ProfileLimits}. */
export const DEFAULT_PROFILE_LIMITS: Readonly<ProfileLimits> = Object.freeze({
  maxExperiences: 100,
  maxEducations: 50,
  maxSkills: 500,
  maxAttachments: 20,
  maxUrls: 50,
  maxListItems: 1000,
  maxTextLength: 100_000,
  maxCvTextLength: 200_000,
  maxDepth: 16,
});

/** Some of the profile limits; missing ones take the defaults. */
export type ProfileLimitOverrides = { [K in keyof ProfileLimits]?: ProfileLimits[K] | undefined };

/** Fills missing profile limits with the defaults. */
export function resolveProfileLimits(overrides: ProfileLimitOverrides | undefined): ProfileLimits {
  const out: ProfileLimits = { ...DEFAULT_PROFILE_LIMITS };
  for (const key of Object.keys(out) as (keyof ProfileLimits)[]) {
    const value = overrides?.[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Lists with their own bound (by path); every other list takes `maxListItems`. */
const LIST_LIMITS: Readonly<Record<string, keyof ProfileLimits>> = {
  experiences: "maxExperiences",
  educations: "maxEducations",
  skills: "maxSkills",
  attachments: "maxAttachments",
  "info.urls": "maxUrls",
};

/**
 * Checks the raw profile against the limits before it is parsed: lengths are read before any item is
 * visited, so a list of 250,000 experiences is refused at once. Throws `MappingError` naming the field.
 */
function checkProfileLimits(
  data: object,
  limits: ProfileLimits,
  context: { connector?: string; profileKey?: string },
): void {
  const refuse = (path: string, what: string, key: keyof ProfileLimits): never => {
    throw new MappingError(
      path || "profile",
      `${what}, more than the ${limits[key]} a push accepts (raise profileLimits.${key} on the Hrflow client to allow more)`,
      context,
    );
  };
  const walk = (value: unknown, path: string, depth: number): void => {
    if (typeof value === "string") {
      const key = path === "text" ? "maxCvTextLength" : "maxTextLength";
      if (value.length > limits[key]) refuse(path, `${value.length} characters`, key);
      return;
    }
    if (value === null || typeof value !== "object") return;
    if (depth >= limits.maxDepth) refuse(path, `nested ${depth + 1} levels deep`, "maxDepth");
    if (Array.isArray(value)) {
      const key = LIST_LIMITS[path] ?? "maxListItems";
      if (value.length > limits[key]) refuse(path, `${value.length} entries`, key);
      value.forEach((item, i) => {
        walk(item, `${path}[${i}]`, depth + 1);
      });
      return;
    }
    const entries = Object.entries(value);
    if (entries.length > limits.maxListItems) refuse(path, `${entries.length} fields`, "maxListItems");
    for (const [name, inner] of entries) walk(inner, path === "" ? name : `${path}.${name}`, depth + 1);
  };
  walk(data, "", 0);
}

/**
 * Parses a raw HrFlow profile. Throws `MappingError` naming the first bad field (and listing the others)
 * when the data cannot be read, or naming the field past a bound of {@link ProfileLimits}.
 */
export function parseHrflowProfile(
  data: unknown,
  context: { connector?: string; profileKey?: string } = {},
  limits: ProfileLimitOverrides = DEFAULT_PROFILE_LIMITS,
): HrflowProfile {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new MappingError(
      "profile",
      `expected a profile object, got ${data === null ? "null" : Array.isArray(data) ? "a list" : typeof data}`,
      context,
    );
  }
  checkProfileLimits(data, resolveProfileLimits(limits), context);
  const parsed = HrflowProfileSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    field: formatPath(issue.path) || "profile",
    message: issue.message,
  }));
  const [first, ...rest] = issues;
  const more =
    rest.length > 0
      ? ` (also: ${rest
          .slice(0, 4)
          .map((i) => i.field)
          .join(", ")})`
      : "";
  throw new MappingError(first?.field ?? "profile", `${first?.message ?? "invalid"}${more}`, context);
}
