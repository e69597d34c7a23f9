import { bench, describe } from "vitest";
import { connectorDefinitions } from "../src/connectors/registry.js";
import { parseHrflowProfile } from "../src/hrflow/schema.js";
import { samplePdf } from "../src/testing/files.js";
import { sampleProfiles, worstCaseProfile } from "../src/testing/profiles.js";
import { startSandbox } from "../src/testing/sandbox.js";

// The library's CPU cost per profile: parse the HrFlow profile (zod), map it to the vendor payload, validate
// the payload against the vendor schema. "realistic": the six sample profiles in turn (accents, CJK and
// Arabic names, a profile without email, messy data, 25 experiences; a profile a vendor refuses is skipped
// for that vendor). "worst case": a 20 kB HTML summary, 28 experiences with long HTML descriptions, 40
// skills (`worstCaseProfile()`), where every vendor cuts texts. "parse only" is the share of the parse.
const realistic = sampleProfiles().map((s) => s.profile);
const worst = worstCaseProfile();
const sandbox = await startSandbox({ samples: [] });
const today = { year: 2026, month: 11, day: 22 };
// Connectors that carry the CV inside the create body (Flatchr) need it at mapping time.
const cv = {
  status: "ok",
  file: {
    fileName: "cv.pdf",
    contentType: "application/pdf",
    bytes: samplePdf(),
    sourceUrl: "https://files.example/cv.pdf",
  },
} as const;

describe("parse only (HrFlow profile schema)", () => {
  let i = 0;
  bench("realistic", () => {
    parseHrflowProfile(realistic[i++ % realistic.length]);
  });
  bench("worst case", () => {
    parseHrflowProfile(worst);
  });
});

for (const definition of connectorDefinitions()) {
  const { baseUrl: _baseUrl, ...vendorOptions } = sandbox.vendor(definition.name).options();
  const options = definition.optionsSchema.parse(vendorOptions);
  const extras = () => ({ cv: definition.cvMode === "inline" ? cv : undefined, today, warnings: [] });
  const mapsFor = realistic.filter((raw) => {
    try {
      definition.map(parseHrflowProfile(raw), options, extras());
      return true;
    } catch {
      return false;
    }
  });
  describe(`${definition.name}: parse + map + validate`, () => {
    let i = 0;
    bench("realistic", () => {
      const profile = parseHrflowProfile(mapsFor[i++ % mapsFor.length]);
      definition.payloadSchema.parse(definition.map(profile, options, extras()));
    });
    bench("worst case", () => {
      const profile = parseHrflowProfile(worst);
      definition.payloadSchema.parse(definition.map(profile, options, extras()));
    });
  });
}
