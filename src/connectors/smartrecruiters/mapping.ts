import { compact } from "../../core/compact.js";
import { formatPartialDate, textCleaner } from "../../core/text.js";
import {
  countryName,
  period,
  plainLocation,
  profileLinks,
  profilePhone,
  requiredEmail,
  requiredName,
  skillNames,
} from "../../hrflow/fields.js";
import type { HrflowProfile } from "../../hrflow/schema.js";
import type { MappingExtras } from "../definition.js";
import type { SmartRecruitersCandidateInput } from "./schema.js";

type Web = NonNullable<SmartRecruitersCandidateInput["web"]>;
type Experience = NonNullable<SmartRecruitersCandidateInput["experience"]>[number];
type Education = NonNullable<SmartRecruitersCandidateInput["education"]>[number];

function web(profile: HrflowProfile): Web | undefined {
  const out: Web = {};
  for (const link of profileLinks(profile)) {
    if (link.network === "linkedin") out.linkedin ??= link.url;
    else if (link.network === "facebook") out.facebook ??= link.url;
    else if (link.network === "twitter") out.twitter ??= link.url;
    // Everything else (personal site, GitHub, portfolio) competes for the single `website` slot, in profile order.
    else out.website ??= link.url;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * HrFlow profile to SmartRecruiters `CandidateInput`. Pure. Requires first name, last name and a valid
 * email (SmartRecruiters refuses a candidate without them).
 */
export function mapSmartRecruitersCandidate(
  profile: HrflowProfile,
  _options: unknown,
  extras: MappingExtras,
): SmartRecruitersCandidateInput {
  const name = requiredName(profile, "SmartRecruiters");
  const email = requiredEmail(profile, "SmartRecruiters requires an email and the profile has none");

  const location = plainLocation(profile.info.location);
  const srLocation = compact({
    country: location.countryCode
      ? (countryName(location.countryCode) ?? location.country)
      : location.country,
    countryCode: location.countryCode,
    region: location.region,
    city: location.city,
    lat: location.lat,
    lng: location.lng,
  });

  const clean = textCleaner("SmartRecruiters", extras.warnings);
  // Entries without a title nor a company are left out: the vendor index of an entry is its sent position.
  let experienceCount = 0;
  let educationCount = 0;
  const experience: Experience[] = profile.experiences.flatMap((exp, i) => {
    const sent = experienceCount;
    const at = (field: string, to: string) => ({
      from: `experiences[${i}].${field}`,
      to: `experience[${sent}].${to}`,
    });
    const title = clean(exp.title, at("title", "title"), { maxLength: 200 });
    const company = clean(exp.company, at("company", "company"), { maxLength: 200 });
    if (!title && !company) return [];
    experienceCount += 1;
    const when = period(exp.date_start, exp.date_end, extras.today);
    const place = plainLocation(exp.location);
    return [
      compact({
        title,
        company,
        current: when.current,
        startDate: when.start ? formatPartialDate(when.start) : undefined,
        endDate: when.end ? formatPartialDate(when.end) : undefined,
        location: place.text ?? place.city,
        description: clean(exp.description, at("description", "description"), {
          multiline: true,
          maxLength: 10_000,
        }),
      }),
    ];
  });

  const education: Education[] = profile.educations.flatMap((edu, i) => {
    const sent = educationCount;
    const at = (field: string, to: string) => ({
      from: `educations[${i}].${field}`,
      to: `education[${sent}].${to}`,
    });
    const institution = clean(edu.school, at("school", "institution"), { maxLength: 200 });
    const degree = clean(edu.title, at("title", "degree"), { maxLength: 200 });
    if (!institution && !degree) return [];
    educationCount += 1;
    const when = period(edu.date_start, edu.date_end, extras.today);
    const place = plainLocation(edu.location);
    return [
      compact({
        institution,
        degree,
        current: when.current,
        startDate: when.start ? formatPartialDate(when.start) : undefined,
        endDate: when.end ? formatPartialDate(when.end) : undefined,
        location: place.text ?? place.city,
        description: clean(edu.description, at("description", "description"), {
          multiline: true,
          maxLength: 10_000,
        }),
      }),
    ];
  });

  const tags = skillNames(profile, 150, clean);
  return compact({
    firstName: name.first,
    lastName: name.last,
    email,
    phoneNumber: profilePhone(profile),
    location: Object.keys(srLocation).length > 0 ? srLocation : undefined,
    web: web(profile),
    tags: tags.length > 0 ? tags : undefined,
    experience: experience.length > 0 ? experience : undefined,
    education: education.length > 0 ? education : undefined,
  });
}
