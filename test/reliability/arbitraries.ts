import fc from "fast-check";

/**
 * Generators of HrFlow profiles as production sends them, and worse: every field may be missing, null, of
 * the wrong type, huge, or full of HTML, control characters, emoji and broken surrogates.
 */

const nasty = fc.constantFrom(
  "",
  "   ",
  "<script>alert(1)</script>",
  "<p>Ingénieure <b>data</b> &amp; co</p>",
  "Zoë Ünal-Øster",
  "山田 太郎",
  "ليلى حداد",
  "👩🏽‍💻🎉",
  "\u0000\u0007\u001b[31m",
  "\uD83D",
  "x".repeat(5000),
  "null",
  "undefined",
  "N/A",
  "2019-13-45",
  "present",
  "javascript:alert(1)",
);

/** Any text: arbitrary Unicode (incl. lone surrogates) or a known-nasty string. */
export const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  nasty,
);

/** A value of the wrong type for a text field. */
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.array(fc.string(), { maxLength: 2 }),
);

/** Sometimes missing, null, good, nasty, or of the wrong type. */
function field<T>(
  good: fc.Arbitrary<T>,
  options: { wrong?: boolean; text?: boolean } = {},
): fc.Arbitrary<unknown> {
  const choices: fc.Arbitrary<unknown>[] = [fc.constant(undefined), fc.constant(null), good, good];
  // Nasty text only where text belongs; elsewhere a string is a wrong type (hostile profiles only).
  if (options.text !== false) choices.push(anyText);
  if (options.wrong) choices.push(wrongType);
  return fc.oneof(...choices);
}

const date = fc.oneof(
  fc
    .date({ min: new Date("1950-01-01"), max: new Date("2035-12-31"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc
    .date({ min: new Date("1950-01-01"), max: new Date("2035-12-31"), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  fc.integer({ min: 1900, max: 2100 }).map(String),
  fc.constantFrom("05/2019", "31/12/2019", "2019-05", "2016-13-01", "2017-02-30", "present", "0000-00-00"),
);

const email = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom(" Jean.Dupont@Example.FR ", "not-an-email", "a@b", "mailto:x@y.io"),
);
const url = fc.oneof(
  fc.webUrl(),
  fc.constantFrom(
    "linkedin.com/in/x",
    "github.com/y",
    "www.site.fr",
    "not a url",
    "javascript:alert(1)",
    "ftp://x.io/f",
  ),
);

/** A raw HrFlow profile (the API shape); with `hostile`, any field may also have the wrong type. */
function profileArbitrary(hostile: boolean) {
  const location = fc.record(
    {
      text: field(fc.string()),
      lat: field(
        fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.constant(0), fc.constant("48.85")),
        { wrong: hostile, text: false },
      ),
      lng: field(fc.oneof(fc.double({ min: -200, max: 200, noNaN: true }), fc.constant(0)), {
        wrong: hostile,
        text: false,
      }),
      fields: field(
        fc.record(
          {
            city: field(fc.constantFrom("Paris", "東京", "São Paulo")),
            country: field(fc.constantFrom("France", "FR", "fra", "Deutschland", "Atlantis", "us")),
            postcode: field(fc.constantFrom("75001", "10115")),
            state: field(fc.constantFrom("Île-de-France", "CA")),
            road: field(fc.string()),
            house_number: field(fc.constantFrom("12", "3bis")),
          },
          { requiredKeys: [] },
        ),
        { text: false },
      ),
    },
    { requiredKeys: [] },
  );

  const entry = (nameKey: "company" | "school") =>
    fc.record(
      {
        [nameKey]: field(fc.constantFrom("Société Générale", "株式会社メルカリ", "Acme <Corp>")),
        title: field(fc.constantFrom("Data Engineer", "バックエンドエンジニア", "Master")),
        description: field(fc.string(), { wrong: hostile }),
        date_start: field(date),
        date_end: field(date),
        location: field(location, { text: false }),
      },
      { requiredKeys: [] },
    );

  const list = <T>(item: fc.Arbitrary<T>, max = 6) =>
    field(fc.array(fc.oneof(item, fc.constant(null)), { maxLength: max }), { wrong: hostile, text: false });

  return fc.record(
    {
      key: fc.stringMatching(/^[0-9a-f]{40}$/),
      text_language: field(fc.constantFrom("fr", "en", "ja", "FR", "zz-top")),
      info: field(
        fc.record(
          {
            full_name: field(fc.constantFrom("Amélie Poulain", "田中 太郎", "Madonna", "  ")),
            first_name: field(fc.constantFrom("Amélie", "太郎", "Jean-Pierre"), { wrong: hostile }),
            last_name: field(fc.constantFrom("Poulain-Dupré", "田中", "O'Reilly"), { wrong: hostile }),
            email: field(email, { wrong: hostile }),
            phone: field(
              fc.oneof(
                fc.constantFrom("+33 6 12 34 56 78", "06 11 22 33 44", "call me"),
                fc.integer({ min: 0 }),
              ),
              { wrong: hostile },
            ),
            summary: field(fc.string(), { wrong: hostile }),
            location: field(location, { wrong: hostile, text: false }),
            urls: list(
              fc.record(
                {
                  type: field(fc.constantFrom("linkedin", "github", "from_resume", "twitter")),
                  url: field(url),
                },
                { requiredKeys: [] },
              ),
            ),
          },
          { requiredKeys: [] },
        ),
        { wrong: hostile, text: false },
      ),
      experiences: list(entry("company"), 30),
      educations: list(entry("school")),
      skills: list(
        fc.record(
          { name: field(fc.string(), { wrong: hostile }), type: field(fc.constantFrom("hard", "soft")) },
          { requiredKeys: [] },
        ),
        20,
      ),
      attachments: list(
        fc.record(
          {
            type: field(fc.constantFrom("resume", "original", "photo")),
            public_url: field(url),
            file_name: field(fc.constantFrom("cv.pdf", "../../etc/passwd", "résumé.docx")),
          },
          { requiredKeys: [] },
        ),
      ),
      tags: list(fc.record({ name: field(fc.string()), value: field(fc.string()) }, { requiredKeys: [] })),
    },
    { requiredKeys: ["key"] },
  );
}

/** A raw HrFlow profile where anything may be malformed. */
export const hostileProfile = profileArbitrary(true);

/**
 * A profile with a usable identity (names and a valid email) and messy everything else: what most real
 * profiles look like, so the property also exercises the path that produces a payload.
 */
export const messyProfile = fc
  .tuple(
    profileArbitrary(false),
    fc.constantFrom(
      ["Amélie", "Poulain-Dupré"],
      ["太郎", "田中"],
      ["ليلى", "حداد"],
      ["Jean-Pierre", "de La Fontaine"],
      ["Zoë", "O'Reilly"],
    ),
    // Addresses as people have them (fc.emailAddress() is RFC-valid but mostly quoted oddities vendors refuse).
    fc
      .tuple(
        fc.stringMatching(/^[a-z][a-z0-9._+-]{0,20}[a-z0-9]$/),
        fc.constantFrom("example.com", "exemple.fr", "mail.co.jp"),
      )
      .map(([local, domain]) => `${local}@${domain}`),
  )
  .map(([profile, [first, last], mail]) => {
    const info =
      profile.info !== null && typeof profile.info === "object" && !Array.isArray(profile.info)
        ? profile.info
        : {};
    const attachments = Array.isArray(profile.attachments) ? profile.attachments : [];
    return {
      ...profile,
      info: { ...info, first_name: first, last_name: last, full_name: `${first} ${last}`, email: mail },
      // A CV link, as every parsed profile has (Flatchr cannot take a candidate without one).
      attachments: [
        ...attachments,
        { type: "resume", public_url: "https://files.example.com/cv.pdf", file_name: "cv.pdf" },
      ],
    };
  });

/** Half hostile, half messy-but-usable profiles. */
export const rawProfile = fc.oneof(hostileProfile, messyProfile);
