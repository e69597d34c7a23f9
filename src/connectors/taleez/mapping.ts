import { compact } from "../../core/compact.js";
import {
  languageCode,
  type Network,
  plainLocation,
  profileEmail,
  profileLinks,
  profilePhoneNumber,
  requiredName,
} from "../../hrflow/fields.js";
import type { HrflowProfile } from "../../hrflow/schema.js";
import type { MappingExtras } from "../definition.js";
import type { TaleezCandidateInput, TaleezLocation, TaleezSocialLinks } from "./schema.js";

/** What the mapping needs from the options. */
export interface TaleezMappingOptions {
  recruiterId: number;
  unitId?: number | undefined;
  initialReferrer: string;
}

/** Networks that have their own `social_links` key (Taleez spells Dribbble `dribble`). */
const NETWORK_KEYS: Partial<Record<Network, keyof TaleezSocialLinks>> = {
  linkedin: "linkedin",
  viadeo: "viadeo",
  twitter: "twitter",
  github: "github",
  behance: "behance",
  dribbble: "dribble",
};

function socialLinks(profile: HrflowProfile): TaleezSocialLinks | undefined {
  const out: TaleezSocialLinks = {};
  for (const link of profileLinks(profile)) {
    const key = NETWORK_KEYS[link.network];
    if (key) out[key] ??= link.url;
    // A personal site goes to `website`; another network (Facebook, Stack Overflow, ...) to `other`.
    // Each key holds one link: the first of its kind wins, the next one takes the other free slot.
    else if (link.network === "website") {
      if (out.website === undefined) out.website = link.url;
      else out.other ??= link.url;
    } else if (out.other === undefined) out.other = link.url;
    else out.website ??= link.url;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The location, only when it is real and complete. Taleez's location is `{country, lat, lng, city,
 * postalCode, street, streetNumber}`. One source says city, country, lat and lng are all required when a
 * location is sent; HrFlow's own connector sends whatever it has (confidence M for both). A create that
 * Taleez refuses loses the whole candidate, while a location left out loses only the location, so the
 * location is sent only when those four are known (`0,0` coordinates and unknown countries count as
 * unknown); the push warns when a partial location was left out. The fake accepts both forms.
 */
function location(profile: HrflowProfile): TaleezLocation | undefined {
  const place = plainLocation(profile.info.location);
  if (!place.city || !place.countryCode || place.lat === undefined || place.lng === undefined)
    return undefined;
  return compact({
    country: place.countryCode,
    city: place.city,
    lat: place.lat,
    lng: place.lng,
    postalCode: place.postcode,
    street: place.street,
    streetNumber: place.houseNumber,
  });
}

/** True when the profile has some location the mapping could not send (worth a warning). */
export function hasUnsentLocation(profile: HrflowProfile, payload: TaleezCandidateInput): boolean {
  if (payload.location) return false;
  const place = plainLocation(profile.info.location);
  return Boolean(place.city ?? place.country ?? place.text);
}

/**
 * HrFlow profile to the Taleez candidate (`POST /0/candidates`). Pure. Requires a first and a last name
 * (Taleez refuses a candidate without them). The mail is optional for Taleez; it is the key that makes a
 * repeated push find the candidate instead of creating a second one.
 *
 * Taleez's candidate holds no experiences, educations or skills: those exist only as custom properties
 * whose ids differ per account, so they are not sent (the CV, uploaded next, carries them).
 */
export function mapTaleezCandidate(
  profile: HrflowProfile,
  options: TaleezMappingOptions,
  extras: MappingExtras,
): TaleezCandidateInput {
  const name = requiredName(profile, "Taleez");
  // Taleez keeps a phone only in a form it recognises (`+33611223344`, `0611223344`) and silently drops
  // any other: E.164 always is one. What cannot be normalised is left out, and said.
  const phone = profilePhoneNumber(profile);
  if (phone && !phone.e164)
    extras.warnings?.push(
      `info.phone "${phone.written}" was not sent: it is not a valid number${phone.region ? ` in ${phone.region}` : " and the profile has no country to read it in"}, and Taleez ignores a phone it cannot read (write it with its country code, e.g. +33 6 11 22 33 44)`,
    );

  return compact({
    firstName: name.first,
    lastName: name.last,
    mail: profileEmail(profile),
    phone: phone?.e164,
    lang: languageCode(profile),
    initialReferrer: options.initialReferrer,
    recruiterId: options.recruiterId,
    unitId: options.unitId,
    social_links: socialLinks(profile),
    location: location(profile),
  });
}
