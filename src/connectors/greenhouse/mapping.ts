import type { CvFile } from "../../core/cv.js";
import { compact } from "../../core/compact.js";
import {
  cleanText,
  compareDates,
  formatIsoDate,
  textCleaner,
  type LooseDate,
  type TextCleaner,
} from "../../core/text.js";
import {
  addressLine,
  type Network,
  period,
  plainLocation,
  profileLinks,
  profilePhone,
  profileEmail,
  requiredName,
  skillNames,
} from "../../hrflow/fields.js";
import type { HrflowProfile } from "../../hrflow/schema.js";
import type { MappingExtras } from "../definition.js";
import type {
  GreenhouseCandidatePayload,
  GreenhouseEmployment,
  GreenhousePersonFields,
  GreenhouseV1CandidateBody,
  GreenhouseV3CandidateBody,
} from "./schema.js";

type Website = NonNullable<GreenhouseCandidatePayload["website_addresses"]>[number];
type Social = NonNullable<GreenhouseCandidatePayload["social_media_addresses"]>[number];

/** Networks that are social profiles (`social_media_addresses`); the rest are websites. */
const SOCIAL: ReadonlySet<Network> = new Set([
  "linkedin",
  "twitter",
  "facebook",
  "instagram",
  "viadeo",
  "youtube",
  "flickr",
  "angellist",
  "stackoverflow",
]);
/** Networks that show someone's work: `website_addresses` of type `portfolio`. */
const PORTFOLIO: ReadonlySet<Network> = new Set(["github", "dribbble", "behance"]);

const nonEmpty = <T>(list: T[]): T[] | undefined => (list.length > 0 ? list : undefined);

/** Greenhouse's employment dates: ISO-8601 timestamps at midnight UTC (the time part is ignored). */
function isoTimestamp(date: LooseDate): string {
  return `${formatIsoDate(date)}T00:00:00.000Z`;
}

/** The current job (the latest-started one when several are current), for `company` and `title`. */
function currentJob(profile: HrflowProfile, today: LooseDate): { company?: string; title?: string } {
  let best: { start: LooseDate | undefined; company?: string; title?: string } | undefined;
  for (const exp of profile.experiences) {
    const when = period(exp.date_start, exp.date_end, today);
    if (!when.current) continue;
    const company = cleanText(exp.company, { maxLength: 255 });
    const title = cleanText(exp.title, { maxLength: 255 });
    if (!company && !title) continue;
    const later =
      !best || (when.start !== undefined && (!best.start || compareDates(when.start, best.start) > 0));
    if (later) best = { start: when.start, ...compact({ company, title }) };
  }
  return best ? compact({ company: best.company, title: best.title }) : {};
}

/**
 * Employments: every experience with a company, a title and a readable start date (Greenhouse requires
 * all three). No `end_date` means a current job.
 */
export function greenhouseEmployments(
  profile: HrflowProfile,
  today: LooseDate,
  clean: TextCleaner = (value, _fields, options) => cleanText(value, options),
): GreenhouseEmployment[] {
  let sent = 0;
  return profile.experiences.flatMap((exp, i) => {
    const at = (field: string, to: string) => ({
      from: `experiences[${i}].${field}`,
      to: `employments[${sent}].${to}`,
    });
    // The date first: an entry left out for want of one reports no cut.
    const when = period(exp.date_start, exp.date_end, today);
    if (!when.start) return [];
    const company = clean(exp.company, at("company", "company_name"), { maxLength: 255 });
    const title = clean(exp.title, at("title", "title"), { maxLength: 255 });
    if (!company || !title) return [];
    sent += 1;
    return [
      compact({
        company_name: company,
        title,
        start_date: isoTimestamp(when.start),
        end_date: !when.current && when.end ? isoTimestamp(when.end) : undefined,
      }),
    ];
  });
}

/**
 * HrFlow profile to the Greenhouse candidate payload. Pure. Requires a first name and a last name
 * (Greenhouse refuses a candidate without them). The email is sent when the profile has a valid one; a
 * profile without one is still a candidate (the push ledger then recognises it on a repeated push).
 */
export function mapGreenhouseCandidate(
  profile: HrflowProfile,
  _options: unknown,
  extras: MappingExtras,
): GreenhouseCandidatePayload {
  const name = requiredName(profile, "Greenhouse");
  const email = profileEmail(profile);

  const websites: Website[] = [];
  const socials: Social[] = [];
  for (const link of profileLinks(profile)) {
    if (SOCIAL.has(link.network)) socials.push({ value: link.url });
    else websites.push({ value: link.url, type: PORTFOLIO.has(link.network) ? "portfolio" : "personal" });
  }

  const phone = profilePhone(profile);
  const address = addressLine(plainLocation(profile.info.location));
  const job = currentJob(profile, extras.today);
  const clean = textCleaner("Greenhouse", extras.warnings);
  const tags = skillNames(profile, 255, clean);
  const employments = greenhouseEmployments(profile, extras.today, clean);

  return compact({
    first_name: name.first,
    last_name: name.last,
    company: job.company,
    title: job.title,
    email_addresses: email ? [{ value: email, type: "personal" as const }] : undefined,
    // HrFlow does not say which kind of phone it is; CVs almost always give a mobile number.
    phone_numbers: phone ? [{ value: phone, type: "mobile" as const }] : undefined,
    addresses: address ? [{ value: address, type: "home" as const }] : undefined,
    website_addresses: nonEmpty(websites),
    social_media_addresses: nonEmpty(socials),
    tags: nonEmpty(tags),
    employments: nonEmpty(employments),
  });
}

/** The person fields of a payload (everything but employments). */
export function personFields(payload: GreenhouseCandidatePayload): GreenhousePersonFields {
  const { employments: _employments, ...person } = payload;
  return person;
}

/** `POST /v3/candidates`: the person and the first application, nested (only one can be). */
export function v3CandidateBody(
  payload: GreenhouseCandidatePayload,
  jobId: number,
): GreenhouseV3CandidateBody {
  return { ...personFields(payload), application: { job_id: jobId } };
}

/**
 * `POST /v1/candidates`: the person, employments inline, one application per job, and the CV inside the
 * first application's attachments.
 */
export function v1CandidateBody(
  payload: GreenhouseCandidatePayload,
  jobIds: readonly number[],
  cv: CvFile | undefined,
): GreenhouseV1CandidateBody {
  const applications: GreenhouseV1CandidateBody["applications"] = jobIds.map((jobId, index) =>
    index === 0 && cv
      ? {
          job_id: jobId,
          attachments: [
            {
              filename: cv.fileName,
              type: "resume",
              content: Buffer.from(cv.bytes).toString("base64"),
              content_type: cv.contentType,
            },
          ],
        }
      : { job_id: jobId },
  );
  return { ...payload, applications };
}
