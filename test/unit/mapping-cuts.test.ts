import { describe, expect, it } from "vitest";
import { connectorDefinitions } from "../../src/connectors/registry.js";
import { parseHrflowProfile } from "../../src/hrflow/schema.js";
import { samplePdf } from "../../src/testing/files.js";
import { sampleProfiles, worstCaseProfile } from "../../src/testing/profiles.js";
import { startSandbox } from "../../src/testing/sandbox.js";

const today = { year: 2026, month: 11, day: 22 };
const cv = {
  status: "ok",
  file: {
    fileName: "cv.pdf",
    contentType: "application/pdf",
    bytes: samplePdf(),
    sourceUrl: "https://x/cv.pdf",
  },
} as const;

/** Every string of a payload, with its path. */
function strings(value: unknown, path = ""): [string, string][] {
  if (typeof value === "string") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  return [];
}

const sandbox = await startSandbox({ samples: [] });
const options = Object.fromEntries(
  connectorDefinitions().map((def) => {
    const { baseUrl: _baseUrl, ...vendorOptions } = sandbox.vendor(def.name).options();
    return [def.name, def.optionsSchema.parse(vendorOptions)];
  }),
);
await sandbox.close();

describe("texts longer than a vendor field", () => {
  for (const def of connectorDefinitions()) {
    it(`${def.name}: every text it cuts is named in the warnings, with both fields and the limit`, () => {
      const warnings: string[] = [];
      const payload = def.map(parseHrflowProfile(worstCaseProfile()), options[def.name], {
        cv: def.cvMode === "inline" ? cv : undefined,
        today,
        warnings,
      });
      def.payloadSchema.parse(payload);
      const cut = strings(payload).filter(([, text]) => text.endsWith("…"));
      // Taleez's candidate holds no long text; every other vendor cuts the 20 kB summary or a description.
      if (def.name !== "taleez") expect(cut.length).toBeGreaterThan(0);
      expect(warnings).toHaveLength(cut.length);
      for (const [path, text] of cut) {
        const field = path.replace(/^(candidate|payload)\./, "");
        const warning = warnings.find((w) => w.includes(`'s ${field} takes at most `));
        expect(warning, `no warning for ${path}`).toBeDefined();
        const max = Number(/takes at most ([\d,]+)$/.exec(warning ?? "")?.[1]?.replace(/,/g, ""));
        expect(text.length).toBeLessThanOrEqual(max);
      }
    });
  }

  it("typical profiles map without any cut warning", () => {
    for (const def of connectorDefinitions())
      for (const sample of sampleProfiles().filter((s) => s.name !== "messy")) {
        const warnings: string[] = [];
        try {
          def.map(parseHrflowProfile(sample.profile), options[def.name], {
            cv: def.cvMode === "inline" ? cv : undefined,
            today,
            warnings,
          });
        } catch {
          continue; // a profile the vendor cannot take (MappingError): tested elsewhere
        }
        expect(
          warnings.filter((w) => w.includes(" was cut")),
          `${def.name} ${sample.name}`,
        ).toEqual([]);
      }
  });
});
