import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";
import { z } from "zod";
import { MappingError } from "../core/errors.js";
import { cleanText, compareDates, parseLooseDate, type LooseDate, type TextCleaner } from "../core/text.js";
import type { HrflowAttachment, HrflowLocation, HrflowProfile } from "./schema.js";

/**
 * Pure helpers that read a parsed HrFlow profile the way every connector needs: names, email, phone,
 * location, links, skills, dates and the CV attachment. No I/O; every result is already cleaned.
 */

/** First, last and full name. */
export interface PersonName {
  first: string | undefined;
  last: string | undefined;
  full: string | undefined;
}

/**
 * The candidate's name. When first or last name is missing, the full name is split at its first space
 * (`"Marie-Claire de La Tour"` gives `Marie-Claire` / `de La Tour`); a full name of one word is only a
 * first name.
 */
export function personName(profile: HrflowProfile): PersonName {
  let first = cleanText(profile.info.first_name, { maxLength: 100 });
  let last = cleanText(profile.info.last_name, { maxLength: 100 });
  let full = cleanText(profile.info.full_name, { maxLength: 200 });
  if ((!first || !last) && full) {
    const space = full.indexOf(" ");
    const head = space === -1 ? full : full.slice(0, space);
    const tail = space === -1 ? undefined : full.slice(space + 1).trim() || undefined;
    if (!first && !last) {
      first = head;
      last = tail;
    } else if (!first) {
      first = full.endsWith(` ${last ?? ""}`)
        ? full.slice(0, full.length - (last ?? "").length).trim()
        : head;
    } else {
      last = full.startsWith(`${first} `) ? full.slice(first.length).trim() : tail;
    }
  }
  full ??= [first, last].filter(Boolean).join(" ") || undefined;
  return { first, last, full };
}

/**
 * The first and last name a vendor requires, or a `MappingError` naming the missing one.
 * @param vendor the vendor's display name, for the message
 */
export function requiredName(
  profile: HrflowProfile,
  vendor: string,
): { first: string; last: string; full: string } {
  const name = personName(profile);
  if (!name.first) {
    throw new MappingError(
      "info.first_name",
      `${vendor} requires a first name and the profile has none (nor a full name)`,
    );
  }
  if (!name.last) {
    throw new MappingError(
      "info.last_name",
      `${vendor} requires a last name and the profile has none (the full name is a single word)`,
    );
  }
  return { first: name.first, last: name.last, full: name.full ?? `${name.first} ${name.last}` };
}

const EmailSchema = z.email();

/** The email, trimmed and lower-cased, or undefined when missing or not an address. */
export function profileEmail(profile: HrflowProfile): string | undefined {
  const raw = cleanText(profile.info.email)
    ?.replace(/^mailto:/i, "")
    .toLowerCase();
  return raw !== undefined && EmailSchema.safeParse(raw).success ? raw : undefined;
}

/** True when the profile has an email that is not a valid address (worth a warning). */
export function hasInvalidEmail(profile: HrflowProfile): boolean {
  return cleanText(profile.info.email) !== undefined && profileEmail(profile) === undefined;
}

/**
 * The email a vendor requires, or a `MappingError` on `info.email` (invalid, or missing and why it matters).
 * @param missing what to say when there is none
 */
export function requiredEmail(profile: HrflowProfile, missing: string): string {
  const email = profileEmail(profile);
  if (email) return email;
  throw new MappingError("info.email", hasInvalidEmail(profile) ? "is not a valid email address" : missing);
}

/** The phone number as written, when it holds at least 6 digits and only phone characters. */
export function profilePhone(profile: HrflowProfile): string | undefined {
  const raw = cleanText(profile.info.phone, { maxLength: 40 });
  if (!raw) return undefined;
  const phone = raw.replace(/^tel:/i, "").trim();
  if (!/^[+\d\s().\-/]+(\s*(x|ext\.?)\s*\d+)?$/i.test(phone)) return undefined;
  return (phone.match(/\d/g) ?? []).length >= 6 ? phone : undefined;
}

/** A phone number read from a profile: the number as written, and its E.164 form when it has one. */
export interface ProfilePhoneNumber {
  /** As written (cleaned), e.g. `06 11 22 33 44`. */
  written: string;
  /** E.164 (`+33611223344`), when the number is valid for its country; undefined otherwise. */
  e164: string | undefined;
  /** The region used for a number written without its country code (from the profile's location). */
  region: string | undefined;
}

/**
 * The profile's phone number in E.164 (libphonenumber-js): a number written with its country code
 * (`+33 6 11 22 33 44`, `0033 6...`) is read as is; one written nationally (`06 11 22 33 44`) is read in the
 * country of the profile's location (`info.location.fields.country`). `e164` stays undefined when the
 * number is not valid there (too short, wrong prefix, no country to read it in). Pure.
 */
export function profilePhoneNumber(profile: HrflowProfile): ProfilePhoneNumber | undefined {
  const written = profilePhone(profile);
  if (!written) return undefined;
  const code = countryCode(profile.info.location?.fields?.country ?? undefined);
  const region: CountryCode | undefined = code !== undefined && isSupportedCountry(code) ? code : undefined;
  const digitsOnly = written.replace(/\s*(x|ext\.?)\s*\d+$/i, "");
  // `00` is the international prefix in most countries: read it as `+`.
  const international = digitsOnly.trim().replace(/^00(?=[1-9])/, "+");
  const parsed = parsePhoneNumberFromString(international, region);
  const e164 = parsed?.isValid() ? parsed.number : undefined;
  return { written, e164, region };
}

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });
const COUNTRY_CODES: ReadonlySet<string> = new Set(
  Array.from({ length: 26 * 26 }, (_, i) =>
    String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26)),
  ).filter((code) => {
    const name = regionNames.of(code);
    // Exceptionally reserved or pseudo codes (FX "Metropolitan France", EU, UN, ...) are not countries.
    return (
      name !== undefined &&
      name !== code &&
      name !== "Unknown Region" &&
      !/^(AC|AN|BU|CP|CQ|CS|DD|DG|EA|EU|EZ|FX|IC|NT|QO|QU|SU|TA|TP|UN|XA|XB|YD|YU|ZR|ZZ)$/.test(code)
    );
  }),
);
const fold = (s: string): string =>
  s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z]/g, "");
const COUNTRY_BY_NAME: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const locale of ["en", "fr", "de", "es", "it", "pt", "nl"]) {
    const names = new Intl.DisplayNames([locale], { type: "region" });
    for (const code of COUNTRY_CODES) {
      const name = names.of(code);
      if (name && !map.has(fold(name))) map.set(fold(name), code);
    }
  }
  for (const [alias, code] of [
    ["usa", "US"],
    ["unitedstatesofamerica", "US"],
    ["uk", "GB"],
    ["england", "GB"],
    ["greatbritain", "GB"],
    ["fra", "FR"],
    ["deu", "DE"],
    ["esp", "ES"],
  ] as const) {
    map.set(alias, code);
  }
  return map;
})();

/** The ISO 3166-1 alpha-2 code of a country given as a code or a name (English, French, ...). */
export function countryCode(value: string | undefined): string | undefined {
  const text = cleanText(value);
  if (!text) return undefined;
  if (/^[A-Za-z]{2}$/.test(text) && COUNTRY_CODES.has(text.toUpperCase())) return text.toUpperCase();
  return COUNTRY_BY_NAME.get(fold(text));
}

/** The English name of a country code. */
export function countryName(code: string): string | undefined {
  return COUNTRY_CODES.has(code) ? regionNames.of(code) : undefined;
}

/** A location read from real fields only: nothing is invented, `0,0` coordinates are dropped. */
export interface PlainLocation {
  text: string | undefined;
  city: string | undefined;
  region: string | undefined;
  postcode: string | undefined;
  street: string | undefined;
  houseNumber: string | undefined;
  /** The country as HrFlow gave it (name or code). */
  country: string | undefined;
  countryCode: string | undefined;
  lat: number | undefined;
  lng: number | undefined;
}

/** Reads a location (the profile's by default). */
export function plainLocation(location: HrflowLocation | undefined): PlainLocation {
  const fields = location?.fields;
  const lat = location?.lat;
  const lng = location?.lng;
  const validCoordinates =
    lat !== undefined &&
    lng !== undefined &&
    Math.abs(lat) <= 90 &&
    Math.abs(lng) <= 180 &&
    !(lat === 0 && lng === 0);
  const country = cleanText(fields?.country, { maxLength: 100 });
  return {
    text: cleanText(location?.text, { maxLength: 300 }),
    city: cleanText(fields?.city, { maxLength: 100 }),
    region: cleanText(fields?.state, { maxLength: 100 }),
    postcode: cleanText(fields?.postcode, { maxLength: 20 }),
    street: cleanText(fields?.road, { maxLength: 200 }),
    houseNumber: cleanText(fields?.house_number, { maxLength: 20 }),
    country,
    countryCode: countryCode(country),
    lat: validCoordinates ? lat : undefined,
    lng: validCoordinates ? lng : undefined,
  };
}

/** A one-line address built from the location's fields, else its free text. */
export function addressLine(location: PlainLocation): string | undefined {
  const street = [location.houseNumber, location.street].filter(Boolean).join(" ");
  const city = [location.postcode, location.city].filter(Boolean).join(" ");
  const country = location.countryCode
    ? (countryName(location.countryCode) ?? location.country)
    : location.country;
  const parts = [street, city, location.region, country].filter((p): p is string => Boolean(p));
  return parts.length >= 2 ? parts.join(", ") : (location.text ?? (parts[0] || undefined));
}

/** Social and web networks recognised in profile links. */
export type Network =
  | "linkedin"
  | "github"
  | "twitter"
  | "facebook"
  | "instagram"
  | "dribbble"
  | "behance"
  | "angellist"
  | "flickr"
  | "youtube"
  | "skype"
  | "viadeo"
  | "stackoverflow"
  | "website";

const HOSTS: readonly (readonly [RegExp, Network])[] = [
  [/(^|\.)linkedin\.com$/, "linkedin"],
  [/(^|\.)github\.com$/, "github"],
  [/(^|\.)(twitter\.com|x\.com)$/, "twitter"],
  [/(^|\.)(facebook\.com|fb\.com)$/, "facebook"],
  [/(^|\.)instagram\.com$/, "instagram"],
  [/(^|\.)dribbble\.com$/, "dribbble"],
  [/(^|\.)behance\.net$/, "behance"],
  [/(^|\.)(angel\.co|wellfound\.com)$/, "angellist"],
  [/(^|\.)flickr\.com$/, "flickr"],
  [/(^|\.)(youtube\.com|youtu\.be)$/, "youtube"],
  [/(^|\.)viadeo\.com$/, "viadeo"],
  [/(^|\.)stackoverflow\.com$/, "stackoverflow"],
];

/** A profile link with a checked URL and the network it belongs to. */
export interface ProfileLink {
  url: string;
  network: Network;
}

/**
 * Makes a URL out of what profiles contain (`linkedin.com/in/x`, `http://...`, ` https://x `): adds
 * `https://` where the scheme is missing, keeps only http(s) URLs with a dotted host, removes credentials.
 */
export function normalizeUrl(value: string | undefined): string | undefined {
  const text = cleanText(value, { maxLength: 2000 })?.replace(/\s/g, "");
  if (!text) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text.replace(/^\/+/, "")}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    if (!url.hostname.includes(".") || url.hostname.endsWith(".")) return undefined;
    url.username = "";
    url.password = "";
    return url.toString();
  } catch {
    return undefined;
  }
}

/** The profile's links (`info.urls`), normalised, classified and deduplicated; `from_resume` entries included. */
export function profileLinks(profile: HrflowProfile): ProfileLink[] {
  const seen = new Set<string>();
  const out: ProfileLink[] = [];
  for (const entry of profile.info.urls) {
    const url = normalizeUrl(entry.url);
    if (!url || seen.has(url)) continue;
    seen.add(url);
    const host = new URL(url).hostname.toLowerCase();
    const byHost = HOSTS.find(([pattern]) => pattern.test(host))?.[1];
    const type = entry.type?.toLowerCase();
    const byType = HOSTS.some(([, network]) => network === type) ? (type as Network) : undefined;
    out.push({ url, network: byHost ?? byType ?? "website" });
  }
  return out;
}

/**
 * Skill names, cleaned and deduplicated case-insensitively, in profile order. `clean` (a mapping's
 * {@link TextCleaner}) reports the names it had to cut.
 */
export function skillNames(profile: HrflowProfile, maxLength = 150, clean?: TextCleaner): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [i, skill] of profile.skills.entries()) {
    const name = clean
      ? clean(skill.name, { from: `skills[${i}].name`, to: `tags[${out.length}]` }, { maxLength })
      : cleanText(skill.name, { maxLength });
    if (!name) continue;
    const key = name.toLocaleLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(name);
  }
  return out;
}

/** A period read from `date_start`/`date_end`. `current` is true when the end is missing or in the future. */
export interface Period {
  start: LooseDate | undefined;
  end: LooseDate | undefined;
  current: boolean;
}

/**
 * Reads a period. An unreadable end date with a readable start is treated as "current" only when the text
 * says so ("present", "now", "aujourd'hui", ...); otherwise the end is unknown. An end before the start is
 * dropped. `today` is passed in to keep this pure.
 */
export function period(dateStart: string | undefined, dateEnd: string | undefined, today: LooseDate): Period {
  const start = parseLooseDate(dateStart);
  let end = parseLooseDate(dateEnd);
  const endText = cleanText(dateEnd)?.toLowerCase();
  const saysCurrent =
    endText === undefined ||
    /^(present|now|current|today|ongoing|aujourd'?hui|actuel|en cours)/.test(endText);
  if (start && end && compareDates(end, start) < 0) end = undefined;
  const current = end === undefined ? saysCurrent && start !== undefined : compareDates(end, today) > 0;
  return {
    start,
    end: current && end !== undefined && compareDates(end, today) > 0 ? undefined : end,
    current,
  };
}

/** The attachment to send as the CV: type `resume`, else `original`, with a public URL. */
export function resumeAttachment(profile: HrflowProfile): HrflowAttachment | undefined {
  const withUrl = profile.attachments.filter((a) => normalizeUrl(a.public_url) !== undefined);
  return withUrl.find((a) => a.type === "resume") ?? withUrl.find((a) => a.type === "original");
}

/**
 * The attachment meant as the CV (type `resume`, else `original`) with any non-blank public URL, usable or
 * not: when {@link resumeAttachment} finds none, this one is reported as a failed CV with its reason.
 */
export function cvAttachmentWithAnyUrl(profile: HrflowProfile): HrflowAttachment | undefined {
  const withText = profile.attachments.filter((a) => (a.public_url?.trim() ?? "") !== "");
  return withText.find((a) => a.type === "resume") ?? withText.find((a) => a.type === "original");
}

/** Upper-case ISO 639-1 code of the profile's language (`fr` gives `FR`), when it is one. */
export function languageCode(profile: HrflowProfile): string | undefined {
  const lang = cleanText(profile.text_language)?.slice(0, 2);
  return lang && /^[a-z]{2}$/i.test(lang) ? lang.toUpperCase() : undefined;
}
