import { compact } from "../../core/compact.js";
import { MappingError } from "../../core/errors.js";
import {
  cleanText,
  compareDates,
  parseLooseDate,
  textCleaner,
  type LooseDate,
  type TextCleaner,
} from "../../core/text.js";
import {
  addressLine,
  hasInvalidEmail,
  normalizeUrl,
  period,
  personName,
  plainLocation,
  profileEmail,
  profileLinks,
  profilePhone,
  skillNames,
  type Network,
} from "../../hrflow/fields.js";
import type { HrflowProfile } from "../../hrflow/schema.js";
import type { MappingExtras } from "../definition.js";
import type {
  BreezyCandidateInput,
  BreezyEducationInput,
  BreezySocialNetwork,
  BreezyWorkHistoryInput,
} from "./schema.js";

/** The mapping's view of the connector options. */
export interface BreezyMappingOptions {
  origin: "sourced" | "applied";
  coverLetter?: string | undefined;
}

type SocialProfiles = NonNullable<BreezyCandidateInput["social_profiles"]>;

/** Profile networks Breezy has a key for; a personal site goes to `globe`, anything else is dropped. */
const NETWORK_KEYS: Partial<Record<Network, BreezySocialNetwork>> = {
  linkedin: "linkedin",
  github: "github",
  twitter: "twitter",
  facebook: "facebook",
  instagram: "instagram",
  dribbble: "dribbble",
  behance: "behance",
  angellist: "angellist",
  flickr: "flickr",
  youtube: "youtube",
  skype: "skype",
  website: "globe",
};

/** HrFlow link types that mean "a web page", not a named network. */
const GENERIC_TYPES: ReadonlySet<string> = new Set([
  "website",
  "web",
  "site",
  "homepage",
  "personal",
  "portfolio",
  "blog",
  "url",
  "other",
  "from_resume",
]);
/** Networks Breezy has no key for, recognised by host (the shared classifier calls them "website"). */
const OTHER_NETWORK_HOSTS =
  /(^|\.)(xing\.com|viadeo\.com|stackoverflow\.com|medium\.com|gitlab\.com|bitbucket\.org|tiktok\.com|pinterest\.com|reddit\.com)$/;

function socialProfiles(profile: HrflowProfile): SocialProfiles | undefined {
  const typeOf = new Map<string, string | undefined>();
  for (const entry of profile.info.urls) {
    const url = normalizeUrl(entry.url);
    if (url !== undefined && !typeOf.has(url)) typeOf.set(url, cleanText(entry.type)?.toLowerCase());
  }
  const out: SocialProfiles = {};
  for (const link of profileLinks(profile)) {
    let key = NETWORK_KEYS[link.network];
    if (key === "globe") {
      // Only a plain web page is a `globe`: a link typed as another network (`xing`) or hosted by one
      // Breezy does not know is dropped, not passed off as a personal site.
      const type = typeOf.get(link.url);
      const named = type !== undefined && !GENERIC_TYPES.has(type);
      if (named || OTHER_NETWORK_HOSTS.test(new URL(link.url).hostname.toLowerCase())) key = undefined;
    }
    // The first link of each network wins; `profileLinks` already added https:// where it was missing.
    if (key !== undefined && out[key] === undefined) out[key] = link.url;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Most recent first: current jobs, then by end date, then by start date (profile order breaks ties). */
function recency(a: { current: boolean; start?: LooseDate; end?: LooseDate }, b: typeof a): number {
  if (a.current !== b.current) return a.current ? -1 : 1;
  if (a.end && b.end && compareDates(a.end, b.end) !== 0) return compareDates(b.end, a.end);
  if (a.start && b.start) return compareDates(b.start, a.start);
  return 0;
}

/**
 * The title of the current (else most recent) job: Breezy's `headline`, a field of the update only (the
 * create request has none). Pure.
 */
export function breezyHeadline(profile: HrflowProfile, now: Date): string | undefined {
  const today = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
  const jobs = profile.experiences.flatMap((exp) => {
    const title = cleanText(exp.title, { maxLength: 300 });
    if (!title) return [];
    const when = period(exp.date_start, exp.date_end, today);
    return [
      {
        title,
        current: when.current,
        ...(when.start ? { start: when.start } : {}),
        ...(when.end ? { end: when.end } : {}),
      },
    ];
  });
  return jobs.sort(recency)[0]?.title;
}

function workHistory(profile: HrflowProfile, today: LooseDate, clean: TextCleaner): BreezyWorkHistoryInput[] {
  let sent = 0;
  return profile.experiences.flatMap((exp, i) => {
    // `company_name` is required inside an entry: without it the entry is left out (see skippedEntries).
    const at = (field: string, to: string) => ({
      from: `experiences[${i}].${field}`,
      to: `work_history[${sent}].${to}`,
    });
    const company = clean(exp.company, at("company", "company_name"), { maxLength: 300 });
    if (!company) return [];
    const when = period(exp.date_start, exp.date_end, today);
    // A current job has no end; an end month is sent only with its year (the schema checks it too).
    const end = when.current ? undefined : when.end;
    const entry = compact({
      company_name: company,
      title: clean(exp.title, at("title", "title"), { maxLength: 300 }),
      summary: clean(exp.description, at("description", "summary"), { multiline: true, maxLength: 10_000 }),
      start_year: when.start?.year,
      start_month: when.start?.month,
      end_year: end?.year,
      end_month: end?.month,
    });
    sent += 1;
    return [entry];
  });
}

function education(profile: HrflowProfile, clean: TextCleaner): BreezyEducationInput[] {
  let sent = 0;
  return profile.educations.flatMap((edu, i) => {
    const at = (field: string, to: string) => ({
      from: `educations[${i}].${field}`,
      to: `education[${sent}].${to}`,
    });
    const school = clean(edu.school, at("school", "school_name"), { maxLength: 300 });
    if (!school) return [];
    const start = parseLooseDate(edu.date_start);
    let end = parseLooseDate(edu.date_end);
    if (start && end && compareDates(end, start) < 0) end = undefined;
    // Breezy's education entries take years only. A future end year is an expected graduation: kept.
    const entry = compact({
      school_name: school,
      field_of_study: clean(edu.title, at("title", "field_of_study"), { maxLength: 300 }),
      start_year: start?.year,
      end_year: end?.year,
    });
    sent += 1;
    return [entry];
  });
}

/**
 * Entries left out because Breezy requires a field the profile lacks (`company_name`, `school_name`),
 * described for a warning. Pure: the push step reports them.
 */
export function skippedEntries(profile: HrflowProfile): string[] {
  const out: string[] = [];
  for (const exp of profile.experiences) {
    if (cleanText(exp.company)) continue;
    const title = cleanText(exp.title, { maxLength: 80 });
    if (title || cleanText(exp.description))
      out.push(
        `The experience${title ? ` "${title}"` : ""} has no company (experiences[].company); Breezy requires company_name, so it was not sent`,
      );
  }
  for (const edu of profile.educations) {
    if (cleanText(edu.school)) continue;
    const title = cleanText(edu.title, { maxLength: 80 });
    if (title || cleanText(edu.description))
      out.push(
        `The education${title ? ` "${title}"` : ""} has no school (educations[].school); Breezy requires school_name, so it was not sent`,
      );
  }
  return out;
}

/**
 * HrFlow profile to Breezy `CompanyAddNewCandidateToPositionRequest`. Pure. Requires a name; an
 * `applied` candidate also needs a valid email (Breezy requires it for that origin).
 */
export function mapBreezyCandidate(
  profile: HrflowProfile,
  options: BreezyMappingOptions,
  extras: MappingExtras,
): BreezyCandidateInput {
  const name = personName(profile);
  const fullName = name.full ?? ([name.first, name.last].filter(Boolean).join(" ") || undefined);
  if (!fullName)
    throw new MappingError(
      "info.full_name",
      "Breezy requires a name and the profile has none (full_name, first_name and last_name are empty)",
    );
  const email = profileEmail(profile);
  if (!email && options.origin === "applied") {
    throw new MappingError(
      "info.email",
      hasInvalidEmail(profile)
        ? "is not a valid email address, and Breezy requires one for an applied candidate"
        : "Breezy requires an email for an applied candidate and the profile has none (use origin sourced)",
    );
  }

  const clean = textCleaner("Breezy HR", extras.warnings);
  const tags = skillNames(profile, 150, clean);
  const jobs = workHistory(profile, extras.today, clean);
  const schools = education(profile, clean);
  return compact({
    name: clean(fullName, { from: "info.full_name", to: "name" }, { maxLength: 300 }) ?? fullName,
    email_address: email,
    phone_number: profilePhone(profile),
    address: addressLine(plainLocation(profile.info.location)),
    summary: clean(
      profile.info.summary,
      { from: "info.summary", to: "summary" },
      { multiline: true, maxLength: 20_000 },
    ),
    origin: options.origin,
    source:
      clean(profile.source?.name, { from: "source.name", to: "source" }, { maxLength: 200 }) ?? "HrFlow.ai",
    tags: tags.length > 0 ? tags : undefined,
    cover_letter: clean(
      options.coverLetter,
      { from: "option coverLetter", to: "cover_letter" },
      {
        multiline: true,
        maxLength: 20_000,
      },
    ),
    work_history: jobs.length > 0 ? jobs : undefined,
    education: schools.length > 0 ? schools : undefined,
    social_profiles: socialProfiles(profile),
  });
}
