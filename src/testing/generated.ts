import { samplePdf } from "./files.js";
import { hrflowKey, type SampleProfile } from "./profiles.js";

/** Options of {@link generateProfiles}. */
export interface GenerateProfilesOptions {
  /** The source the profiles belong to. */
  sourceKey: string;
  /** Makes keys, names and emails differ between sets. @default "gen" */
  seed?: string;
  /** Give every profile a PDF CV (served by the fake HrFlow). @default true */
  withCv?: boolean;
  /** Creation time of the first profile; each next one is a minute later. @default 2026-09-01T08:00:00Z */
  startMs?: number;
  /** Tags of profile `i` (`{name, value}` as HrFlow keeps them). @default none */
  tags?: (index: number) => readonly { name: string; value: string | number | boolean | null }[];
}

const FIRST = ["Ana", "Bruno", "Chloé", "Dmitri", "Eun-ji", "Farid", "Greta", "Hiro", "Inès", "Jonas"];
const LAST = [
  "Martin",
  "Okafor",
  "Nguyen",
  "García",
  "Kowalski",
  "Haddad",
  "Müller",
  "Sato",
  "Rossi",
  "Dubois",
];
const CITIES = [
  { city: "Paris", country: "France", lat: 48.8566, lng: 2.3522 },
  { city: "Lyon", country: "France", lat: 45.764, lng: 4.8357 },
  { city: "Berlin", country: "Germany", lat: 52.52, lng: 13.405 },
  { city: "Madrid", country: "Spain", lat: 40.4168, lng: -3.7038 },
];
const TITLES = ["Data Engineer", "Product Designer", "Backend Developer", "Recruiter", "Sales Manager"];

/**
 * `count` plausible, distinct HrFlow profiles (raw API shape): unique keys, references and emails, a
 * location, two experiences, an education, skills, and a PDF CV. For batch tests and benchmarks: feed them
 * to `HrflowFake.addProfile(sourceKey, sample.profile, sample.cv)`.
 */
export function generateProfiles(count: number, options: GenerateProfilesOptions): SampleProfile[] {
  const seed = options.seed ?? "gen";
  const start = options.startMs ?? Date.UTC(2026, 8, 1, 8, 0, 0);
  const cv = options.withCv === false ? undefined : samplePdf("Curriculum vitae");
  return Array.from({ length: count }, (_, i): SampleProfile => {
    const first = FIRST[i % FIRST.length] ?? "Ana";
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length] ?? "Martin";
    const place = CITIES[i % CITIES.length] ?? CITIES[0];
    const name = `${seed}-${i}`;
    const created = new Date(start + i * 60_000).toISOString();
    const title = TITLES[i % TITLES.length] ?? "Engineer";
    const profile: Record<string, unknown> = {
      key: hrflowKey(name),
      reference: `ref-${name}`,
      source_key: options.sourceKey,
      source: { key: options.sourceKey, name: "Generated", type: "api" },
      created_at: created,
      updated_at: created,
      text_language: "en",
      info: {
        full_name: `${first} ${last}`,
        first_name: first,
        last_name: `${last} ${i}`,
        email: `${first
          .normalize("NFD")
          .replace(/[^A-Za-z]/g, "")
          .toLowerCase()}.${i}.${seed}@example.com`,
        phone: `+33 6 ${String(10_000_000 + i).slice(0, 2)} ${String(10_000_000 + i).slice(2, 4)} ${String(10_000_000 + i).slice(4, 6)} ${String(10_000_000 + i).slice(6, 8)}`,
        summary: `${title} with ${2 + (i % 9)} years of experience.`,
        location: {
          text: `${place?.city ?? "Paris"}, ${place?.country ?? "France"}`,
          lat: place?.lat ?? null,
          lng: place?.lng ?? null,
          fields: { city: place?.city ?? "Paris", country: place?.country ?? "France" },
        },
        urls: [{ type: "linkedin", url: `https://www.linkedin.com/in/${name}` }],
      },
      experiences: [
        {
          key: hrflowKey(`${name}-exp-1`),
          company: `Company ${i % 50}`,
          title,
          description: "Built and ran things.",
          location: { text: place?.city ?? "Paris", lat: null, lng: null, fields: null },
          date_start: "2021-01-01T00:00:00+0000",
          date_end: null,
        },
        {
          key: hrflowKey(`${name}-exp-2`),
          company: `Company ${(i + 7) % 50}`,
          title: "Intern",
          description: "Learned things.",
          location: { text: place?.city ?? "Paris", lat: null, lng: null, fields: null },
          date_start: "2019-06-01T00:00:00+0000",
          date_end: "2020-12-31T00:00:00+0000",
        },
      ],
      educations: [
        {
          key: hrflowKey(`${name}-edu-1`),
          school: `University ${i % 20}`,
          title: "MSc Computer Science",
          description: null,
          location: { text: place?.city ?? "Paris", lat: null, lng: null, fields: null },
          date_start: "2016-09-01T00:00:00+0000",
          date_end: "2019-06-30T00:00:00+0000",
        },
      ],
      skills: [
        { name: "Python", type: "hard", value: null },
        { name: "Teamwork", type: "soft", value: null },
      ],
      languages: [{ name: "English", value: null }],
      tags: [...(options.tags?.(i) ?? [])],
      attachments: [],
    };
    return {
      name,
      description: `generated profile ${i}`,
      profile,
      ...(cv
        ? {
            cv: {
              type: "resume",
              fileName: `${first} ${last} ${i}.pdf`,
              contentType: "application/pdf",
              bytes: cv,
            },
          }
        : {}),
    };
  });
}
