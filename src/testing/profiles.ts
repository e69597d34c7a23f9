import { createHash } from "node:crypto";
import { sampleDoc, samplePdf } from "./files.js";

/** A CV file to serve with a sample profile. */
export interface SampleCv {
  /** HrFlow attachment type. */
  type: "resume" | "original";
  fileName: string;
  contentType: string;
  bytes: Uint8Array;
}

/** A realistic HrFlow profile (raw API shape) plus the CV the fake HrFlow serves for it. */
export interface SampleProfile {
  /** Short slug (`amelie`, `taro`, ...). */
  name: string;
  /** What it exercises. */
  description: string;
  profile: Record<string, unknown>;
  cv?: SampleCv;
}

/** The HrFlow-style 40-hex key of a name (stable across runs). */
export function hrflowKey(name: string): string {
  return createHash("sha1").update(name).digest("hex");
}

/** The source every sample profile belongs to. */
export const SAMPLE_SOURCE_KEY = hrflowKey("sample-source");

function base(
  name: string,
  info: Record<string, unknown>,
  rest: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    key: hrflowKey(name),
    reference: `ref-${name}`,
    source_key: SAMPLE_SOURCE_KEY,
    source: { key: SAMPLE_SOURCE_KEY, name: "Sample CVs", type: "api" },
    created_at: "2026-10-02T09:15:00+0000",
    updated_at: "2026-10-03T11:00:00+0000",
    text_language: "en",
    info,
    experiences: [],
    educations: [],
    skills: [],
    languages: [],
    tags: [],
    attachments: [],
    ...rest,
  };
}

/**
 * Realistic profiles covering what production sends: accents, non-Latin names, a missing email, no
 * location, a current job with no end date, dates with and without time, HTML in text, empty lists, many
 * experiences, links with and without scheme, CVs of several kinds or none.
 */
export function sampleProfiles(): SampleProfile[] {
  return [
    {
      name: "amelie",
      description: "French profile with accents, a current job, HTML summary, links without scheme, PDF CV",
      profile: base(
        "amelie",
        {
          full_name: "Amélie Poulain-Dupré",
          first_name: "Amélie",
          last_name: "Poulain-Dupré",
          email: "Amelie.Poulain+jobs@Example.fr",
          phone: "+33 6 12 34 56 78",
          date_birth: null,
          gender: "female",
          summary:
            "<p>Ingénieure <b>data</b> passionnée &amp; curieuse.</p><ul><li>Python</li><li>SQL</li></ul>",
          location: {
            text: "12 Rue des Abbesses, 75018 Paris, France",
            lat: 48.8848,
            lng: 2.3386,
            gmaps: null,
            fields: {
              city: "Paris",
              country: "France",
              postcode: "75018",
              road: "Rue des Abbesses",
              house_number: "12",
              state: "Île-de-France",
            },
          },
          urls: [
            { type: "linkedin", url: "linkedin.com/in/amelie-poulain" },
            { type: "github", url: "http://github.com/amelie-p" },
            { type: "from_resume", url: "https://amelie.dev" },
            { type: "twitter", url: "" },
          ],
        },
        {
          text_language: "fr",
          experiences: [
            {
              key: hrflowKey("amelie-exp-1"),
              company: "Café des 2 Moulins",
              title: "Lead Data Engineer",
              description: "<p>Built the <i>real-time</i> pipeline.</p>",
              location: { text: "Paris", lat: null, lng: null, fields: { city: "Paris", country: "France" } },
              date_start: "2022-03-01T00:00:00+0000",
              date_end: null,
              skills: [{ name: "Kafka", type: "hard", value: null }],
            },
            {
              key: hrflowKey("amelie-exp-2"),
              company: "Société Générale",
              title: "Data Analyst",
              description: "Reporting & dashboards.",
              location: { text: "La Défense", lat: 48.892, lng: 2.236, fields: null },
              date_start: "2018-09-01",
              date_end: "2022-02-28",
            },
          ],
          educations: [
            {
              key: hrflowKey("amelie-edu-1"),
              school: "École Polytechnique",
              title: "Master of Science in Data Science",
              description: null,
              location: { text: "Palaiseau", lat: null, lng: null },
              date_start: "2016-09-01T00:00:00",
              date_end: "2018-06-30T00:00:00",
            },
          ],
          skills: [
            { name: "Python", type: "hard", value: null },
            { name: "python", type: "hard", value: null },
            { name: "SQL", type: "hard", value: null },
            { name: "Communication", type: "soft", value: null },
          ],
          languages: [
            { name: "French", value: null },
            { name: "English", value: null },
          ],
        },
      ),
      cv: {
        type: "resume",
        fileName: "CV Amélie Poulain.pdf",
        contentType: "application/pdf",
        bytes: samplePdf("Amelie Poulain"),
      },
    },
    {
      name: "taro",
      description: "Japanese name, Tokyo address, Word CV attached as 'original' only",
      profile: base(
        "taro",
        {
          full_name: "田中 太郎",
          first_name: "太郎",
          last_name: "田中",
          email: "taro.tanaka@example.jp",
          phone: "+81 90-1234-5678",
          summary: "バックエンドエンジニア。Go と Rust が得意です。",
          location: {
            text: "東京都渋谷区",
            lat: 35.6618,
            lng: 139.704,
            fields: { city: "渋谷区", country: "Japan", state: "東京都" },
          },
          urls: [{ type: "github", url: "https://github.com/tanaka-taro" }],
        },
        {
          text_language: "ja",
          experiences: [
            {
              company: "株式会社メルカリ",
              title: "バックエンドエンジニア",
              date_start: "2020-04",
              date_end: "2024-03",
              description: "決済基盤の開発",
            },
          ],
          educations: [
            { school: "東京大学", title: "工学部 情報工学科", date_start: "2014", date_end: "2018" },
          ],
          skills: [{ name: "Go" }, { name: "Rust" }],
        },
      ),
      cv: {
        type: "original",
        fileName: "tanaka_cv.doc",
        contentType: "application/msword",
        bytes: sampleDoc(),
      },
    },
    {
      name: "sergio",
      description: "No email, no location, no CV, single experience with year-only dates",
      profile: base(
        "sergio",
        {
          full_name: "Sergio Ramírez Núñez",
          first_name: null,
          last_name: null,
          email: null,
          phone: "06 11 22 33 44",
          location: null,
          urls: [],
        },
        {
          text_language: "es",
          experiences: [
            {
              company: "Telefónica",
              title: "Técnico de redes",
              date_start: "2015",
              date_end: "2019",
              description: null,
            },
          ],
          skills: [{ name: "Cisco" }],
        },
      ),
    },
    {
      name: "layla",
      description: "Arabic name (right-to-left), location with coordinates only in text, emoji in summary",
      profile: base(
        "layla",
        {
          full_name: "ليلى حداد",
          first_name: "ليلى",
          last_name: "حداد",
          email: "layla.haddad@example.ae",
          phone: "+971 50 123 4567",
          summary: "Product designer 🎨 — 8 years in fintech ✨",
          location: {
            text: "Dubai, United Arab Emirates",
            lat: 25.2048,
            lng: 55.2708,
            fields: { city: "Dubai", country: "United Arab Emirates" },
          },
          urls: [
            { type: "linkedin", url: "https://www.linkedin.com/in/layla-haddad/" },
            { type: "dribbble", url: "dribbble.com/layla" },
          ],
        },
        {
          experiences: [
            {
              company: "Careem",
              title: "Senior Product Designer",
              date_start: "2021-01-15T00:00:00+0400",
              date_end: null,
            },
            {
              company: "Emirates NBD",
              title: "UX Designer",
              date_start: "2017-06-01",
              date_end: "2020-12-31",
            },
          ],
          educations: [
            {
              school: "American University of Sharjah",
              title: "BA Visual Communication",
              date_start: "2012-09",
              date_end: "2016-06",
            },
          ],
          skills: [{ name: "Figma" }, { name: "Design systems" }, { name: "figma" }],
        },
      ),
      cv: {
        type: "resume",
        fileName: "Layla Haddad - CV.pdf",
        contentType: "application/pdf",
        bytes: samplePdf("Layla Haddad"),
      },
    },
    {
      name: "messy",
      description:
        "Messy real-world data: HTML and control characters, odd dates, nulls in lists, junk links",
      profile: base(
        "messy",
        {
          full_name: "  JOHN   o'REILLY\u0007 ",
          first_name: " John ",
          last_name: "O'Reilly\u200b",
          email: " JOHN.OREILLY@EXAMPLE.COM ",
          phone: "+1 (415) 555-0134 ext. 12",
          summary: "<div><script>alert(1)</script><h1>Summary</h1><p>Senior&nbsp;engineer&hellip;</p></div>",
          location: {
            text: "San Francisco, CA",
            lat: 0,
            lng: 0,
            fields: { city: "San Francisco", state: "CA", country: "USA", postcode: "94103" },
          },
          urls: [
            null,
            { type: "website", url: "javascript:alert(1)" },
            { type: null, url: "www.oreilly.example.com" },
            { type: "linkedin", url: "not a url" },
          ],
        },
        {
          experiences: [
            null,
            {
              company: null,
              title: "Consultant",
              date_start: "05/2019",
              date_end: "present",
              description: "<br/>Many   spaces\r\n\r\n\r\nand lines",
            },
            {
              company: "Acme <Corp>",
              title: null,
              date_start: "2016-13-01",
              date_end: "2017-02-30",
              description: "",
            },
            { company: "Initech", title: "Engineer", date_start: "2020-01-01", date_end: "2019-01-01" },
          ],
          educations: [{ school: null, title: "Bootcamp", date_start: "", date_end: null }],
          skills: [
            null,
            { name: null },
            { name: "TypeScript" },
            { name: "  typescript " },
            { name: "x".repeat(300) },
          ],
          tags: null,
          languages: null,
        },
      ),
      cv: {
        type: "resume",
        fileName: "../../etc/passwd<script>.pdf",
        contentType: "application/pdf",
        bytes: samplePdf("John OReilly"),
      },
    },
    {
      name: "maximilian",
      description: "Many experiences (25) and educations, German address",
      profile: base(
        "maximilian",
        {
          full_name: "Maximilian Müller-Lüdenscheidt",
          first_name: "Maximilian",
          last_name: "Müller-Lüdenscheidt",
          email: "max.mueller@example.de",
          phone: "+49 30 1234567",
          location: {
            text: "Berlin",
            lat: 52.52,
            lng: 13.405,
            fields: { city: "Berlin", country: "Deutschland", postcode: "10115" },
          },
          urls: [{ type: "xing", url: "https://www.xing.com/profile/Max_Mueller" }],
        },
        {
          text_language: "de",
          experiences: Array.from({ length: 25 }, (_, i) => ({
            company: `Firma ${i + 1} GmbH`,
            title: `Rolle ${i + 1}`,
            date_start: `${2000 + Math.floor(i / 2)}-${String((i % 12) + 1).padStart(2, "0")}-01`,
            date_end:
              i === 24 ? null : `${2000 + Math.floor(i / 2)}-${String((i % 12) + 1).padStart(2, "0")}-28`,
            description: `Aufgaben ${i + 1}`,
          })),
          educations: [
            {
              school: "TU München",
              title: "Diplom-Informatiker",
              date_start: "1994-10-01",
              date_end: "1999-09-30",
            },
            { school: "Gymnasium Schwabing", title: "Abitur", date_start: "1985", date_end: "1994" },
          ],
          skills: [{ name: "SAP" }, { name: "Java" }],
        },
      ),
      cv: {
        type: "resume",
        fileName: "lebenslauf.pdf",
        contentType: "application/pdf",
        bytes: samplePdf("Maximilian Mueller"),
      },
    },
  ];
}

/**
 * The worst case a mapping meets: a 20 kB HTML summary, 28 experiences with long HTML descriptions and
 * titles, 3 educations, 40 skills (one over every vendor's tag limit), a full address. For benchmarks and
 * tests of what mappings cut (every long text is longer than some vendor's field).
 */
export function worstCaseProfile(): Record<string, unknown> {
  const sentence =
    "<p>Led the <b>data platform</b> team &amp; shipped a real-time pipeline (Kafka, Flink, PostgreSQL) 🚀.</p>";
  const repeat = (text: string, length: number): string =>
    text.repeat(Math.ceil(length / text.length)).slice(0, length);
  return base(
    "worst-case",
    {
      full_name: "Amélie Poulain-Dupré",
      first_name: "Amélie",
      last_name: "Poulain-Dupré",
      email: "amelie.worst@example.fr",
      phone: "+33 6 12 34 56 78",
      summary: repeat(sentence, 20_480),
      location: {
        text: "12 Rue des Abbesses, 75018 Paris",
        lat: 48.8848,
        lng: 2.3386,
        fields: {
          city: "Paris",
          country: "France",
          postcode: "75018",
          road: "Rue des Abbesses",
          house_number: "12",
        },
      },
      urls: [
        { type: "linkedin", url: "https://www.linkedin.com/in/amelie-poulain" },
        { type: "github", url: "github.com/amelie-p" },
      ],
    },
    {
      experiences: Array.from({ length: 28 }, (_, i) => ({
        company: `Entreprise ${i + 1} — ${repeat("Groupe international ", i === 0 ? 320 : 40)}`,
        title: i === 1 ? repeat("Principal Staff Data Engineer ", 320) : `Data Engineer ${i + 1}`,
        date_start: `${1998 + i}-0${(i % 9) + 1}-01`,
        date_end: i === 27 ? null : `${1999 + i}-0${(i % 9) + 1}-01`,
        description: repeat(sentence, i === 0 ? 12_000 : 2_000),
        location: { text: "Paris", fields: { city: "Paris", country: "France" } },
      })),
      educations: Array.from({ length: 3 }, (_, i) => ({
        school: `École ${i + 1}`,
        title: `Master ${i + 1}`,
        date_start: `${1990 + i}-09-01`,
        date_end: `${1992 + i}-06-30`,
        description: repeat(sentence, 11_000),
      })),
      skills: [
        ...Array.from({ length: 39 }, (_, i) => ({ name: `Skill ${i + 1}`, type: "hard" })),
        { name: repeat("Distributed systems ", 300), type: "hard" },
      ],
    },
  );
}
