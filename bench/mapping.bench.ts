import { bench, describe } from "vitest";
import { connectorDefinitions } from "../src/connectors/registry.js";
import { parseHrflowProfile } from "../src/hrflow/schema.js";
import { samplePdf } from "../src/testing/files.js";
import { sampleProfiles } from "../src/testing/profiles.js";
import { startSandbox } from "../src/testing/sandbox.js";

// Mapping cost per profile: parse the HrFlow profile, map it, validate the vendor payload. The profile is
// the sample with 25 experiences (the heaviest), so this is an upper bound for ordinary profiles.
const heavy = sampleProfiles().find((s) => s.name === "maximilian")?.profile ?? {};
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

describe("parse + map + validate one profile (25 experiences)", () => {
  for (const definition of connectorDefinitions()) {
    const { baseUrl: _baseUrl, ...vendorOptions } = sandbox.vendor(definition.name).options();
    const options = definition.optionsSchema.parse(vendorOptions);
    bench(definition.name, () => {
      const profile = parseHrflowProfile(heavy);
      definition.payloadSchema.parse(
        definition.map(profile, options, { cv: definition.cvMode === "inline" ? cv : undefined, today }),
      );
    });
  }
});
