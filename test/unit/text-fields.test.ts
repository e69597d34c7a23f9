import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cleanText,
  formatIsoDate,
  formatPartialDate,
  parseLooseDate,
  truncate,
} from "../../src/core/text.js";
import {
  addressLine,
  countryCode,
  normalizeUrl,
  period,
  personName,
  plainLocation,
  profileEmail,
  profileLinks,
  profilePhone,
  resumeAttachment,
  skillNames,
} from "../../src/hrflow/fields.js";
import { parseHrflowProfile } from "../../src/hrflow/schema.js";
import { MappingError } from "../../src/core/errors.js";

const today = { year: 2026, month: 11, day: 22 };

describe("cleanText", () => {
  it("turns HTML into text, drops control characters and broken surrogates, keeps emoji and accents", () => {
    expect(cleanText("<p>Ingénieure <b>data</b> &amp; curieuse</p>\u0007 🎉\uD83D")).toBe(
      "Ingénieure data & curieuse 🎉",
    );
    expect(cleanText("<script>alert(1)</script>Hi")).toBe("Hi");
    expect(cleanText("line 1\r\n\r\n\r\n\r\nline   2", { multiline: true })).toBe("line 1\n\nline 2");
    expect(cleanText("   ")).toBeUndefined();
    expect(cleanText("e\u0301cole")).toBe("école");
  });
  it("cuts at grapheme boundaries", () => {
    expect(truncate("ab👍🏽cd", 4)).toBe("ab…");
    expect(cleanText("x".repeat(50), { maxLength: 10 })).toBe("xxxxxxxxx…");
  });
  it("reports a cut through onCut, with the length before it", () => {
    const cuts: number[] = [];
    expect(cleanText("x".repeat(50), { maxLength: 10, onCut: (n) => cuts.push(n) })).toHaveLength(10);
    expect(cleanText("short", { maxLength: 10, onCut: (n) => cuts.push(n) })).toBe("short");
    expect(cuts).toEqual([50]);
  });
  it("cuts long texts where a grapheme-by-grapheme walk from the start would", () => {
    // The reference: the walk from the start that truncate() used to do (slow on long texts).
    const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
    const reference = (text: string, max: number): string => {
      if (text.length <= max) return text;
      let out = "";
      for (const { segment } of segmenter.segment(text)) {
        if (out.length + segment.length > max - 1) break;
        out += segment;
      }
      return `${out.trimEnd()}…`;
    };
    const pieces = [
      "a",
      " ",
      "é",
      "e\u0301",
      "👍🏽",
      "👩‍👩‍👧",
      "🇫🇷",
      "🇫",
      "田",
      "ل",
      "\n",
      "1\uFE0F\u20E3",
      "Z\u0351\u0352\u0353",
    ];
    const text = fc.array(fc.constantFrom(...pieces), { maxLength: 400 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 700 }), (value, max) => {
        expect(truncate(value, max)).toBe(reference(value, max));
      }),
      { numRuns: 2000 },
    );
    const flags = "🇫🇷".repeat(200);
    expect(truncate(`x${flags}`, 301)).toBe(reference(`x${flags}`, 301));
  });
});

describe("dates", () => {
  it("reads the formats profiles contain and refuses impossible dates", () => {
    expect(parseLooseDate("2022-03-01T00:00:00+0000")).toEqual({ year: 2022, month: 3, day: 1 });
    expect(parseLooseDate("2016-09-01T00:00:00")).toEqual({ year: 2016, month: 9, day: 1 });
    expect(parseLooseDate("2020/04")).toEqual({ year: 2020, month: 4 });
    expect(parseLooseDate("05/2019")).toEqual({ year: 2019, month: 5 });
    expect(parseLooseDate("31/12/2019")).toEqual({ year: 2019, month: 12, day: 31 });
    expect(parseLooseDate("2019")).toEqual({ year: 2019 });
    for (const bad of ["2016-13-01", "2017-02-30", "0000-01-01", "present", "", "12345"])
      expect(parseLooseDate(bad)).toBeUndefined();
    expect(formatIsoDate({ year: 2019 })).toBe("2019-01-01");
    expect(formatPartialDate({ year: 2019, month: 5 })).toBe("2019-05");
  });
  it("tells current jobs", () => {
    expect(period("2022-03-01", undefined, today)).toEqual({
      start: { year: 2022, month: 3, day: 1 },
      end: undefined,
      current: true,
    });
    expect(period("05/2019", "present", today).current).toBe(true);
    expect(period("2020-01", "2027-01", today)).toEqual({
      start: { year: 2020, month: 1 },
      end: undefined,
      current: true,
    });
    expect(period("2018-09-01", "2022-02-28", today).current).toBe(false);
    expect(period("2020-01-01", "2019-01-01", today)).toEqual({
      start: { year: 2020, month: 1, day: 1 },
      end: undefined,
      current: false,
    });
    expect(period(undefined, undefined, today).current).toBe(false);
  });
});

describe("profile fields", () => {
  const profile = parseHrflowProfile({
    info: {
      full_name: "Marie-Claire de La Tour",
      email: " Marie@Example.COM ",
      phone: 33612345678,
      location: {
        lat: "0",
        lng: 0,
        fields: { city: "Lyon", country: "france", postcode: "69001", road: "Rue X", house_number: "3" },
      },
      urls: [
        { type: "linkedin", url: "linkedin.com/in/mc" },
        { type: "other", url: "https://github.com/mc" },
        { type: "x", url: "javascript:alert(1)" },
        { url: "linkedin.com/in/mc" },
      ],
    },
    skills: [{ name: "Go" }, { name: "go " }, null, { name: "<b>Rust</b>" }],
    attachments: [
      { type: "original", public_url: "https://x.io/o.pdf" },
      { type: "resume", public_url: "" },
      { type: "resume", public_url: "https://x.io/r.pdf" },
    ],
  });
  it("splits names, cleans email and phone", () => {
    expect(personName(profile)).toEqual({
      first: "Marie-Claire",
      last: "de La Tour",
      full: "Marie-Claire de La Tour",
    });
    expect(profileEmail(profile)).toBe("marie@example.com");
    expect(profilePhone(profile)).toBe("33612345678");
    expect(profilePhone(parseHrflowProfile({ info: { phone: "call me" } }))).toBeUndefined();
  });
  it("reads locations from real fields and drops 0,0", () => {
    const location = plainLocation(profile.info.location);
    expect(location).toMatchObject({ city: "Lyon", countryCode: "FR", lat: undefined, lng: undefined });
    expect(addressLine(location)).toBe("3 Rue X, 69001 Lyon, France");
    expect(countryCode("Deutschland")).toBe("DE");
    expect(countryCode("Royaume-Uni")).toBe("GB");
    expect(countryCode("Narnia")).toBeUndefined();
  });
  it("normalises and classifies links, skills and the CV choice", () => {
    expect(profileLinks(profile)).toEqual([
      { url: "https://linkedin.com/in/mc", network: "linkedin" },
      { url: "https://github.com/mc", network: "github" },
    ]);
    expect(normalizeUrl("www.site.fr/path?q=1")).toBe("https://www.site.fr/path?q=1");
    expect(normalizeUrl("localhost")).toBeUndefined();
    expect(skillNames(profile)).toEqual(["Go", "Rust"]);
    expect(resumeAttachment(profile)?.public_url).toBe("https://x.io/r.pdf");
  });
  it("names the field of a profile it cannot read", () => {
    expect(() => parseHrflowProfile({ info: { email: { a: 1 } } })).toThrow(MappingError);
    expect(() => parseHrflowProfile({ experiences: [{ date_start: [] }] })).toThrow(
      /experiences\[0\]\.date_start: expected text, got a list/,
    );
    expect(() => parseHrflowProfile("nope")).toThrow(/profile: expected a profile object, got string/);
  });
});

describe("cleanText on text that only looks like HTML", () => {
  it("keeps angle brackets that are not markup", () => {
    expect(cleanText("Acme <Corp>")).toBe("Acme <Corp>");
    expect(cleanText("a <3 b > c")).toBe("a <3 b > c");
    expect(cleanText("R&D <b>lead</b>")).toBe("R&D lead");
  });
});
