import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPushProfile } from "../../src/connectors/pipeline.js";
import { connectorDefinitions } from "../../src/connectors/registry.js";
import { MappingError } from "../../src/core/errors.js";
import { createRuntime } from "../../src/core/runtime.js";
import { parseHrflowProfile } from "../../src/hrflow/schema.js";
import { startSandbox, type Sandbox } from "../../src/testing/sandbox.js";
import { collect, collectError } from "../support/leaks.js";
import { rawProfile } from "./arbitraries.js";

const today = { year: 2026, month: 11, day: 22 };

describe("every connector's mapping, on generated and adversarial profiles", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.close());

  it("covers every registered connector", () => {
    expect(sandbox.vendors.map((v) => v.connector).sort()).toEqual(
      connectorDefinitions()
        .map((d) => d.name)
        .sort(),
    );
  });

  for (const definition of connectorDefinitions()) {
    it(`${definition.name}: yields a schema-valid payload or a MappingError naming a field, nothing else`, () => {
      let valid = 0;
      const { baseUrl: _baseUrl, ...vendorOptions } = sandbox.vendor(definition.name).options();
      const options = definition.optionsSchema.parse(vendorOptions);
      fc.assert(
        fc.property(rawProfile, (raw) => {
          try {
            const profile = parseHrflowProfile(raw);
            const payload = definition.map(profile, options, { cv: undefined, today });
            const parsed = definition.payloadSchema.safeParse(payload);
            if (!parsed.success)
              throw new Error(`invalid payload: ${JSON.stringify(parsed.error.issues.slice(0, 2))}`);
            collect(payload);
            valid += 1;
          } catch (error) {
            if (!(error instanceof MappingError)) throw error;
            expect(error.field).toMatch(/^[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*$|^(profile|payload)/);
          }
        }),
        { numRuns: 300 },
      );
      expect(valid).toBeGreaterThan(0);
    });
  }
});

describe("every connector's pipeline, on generated profiles (dry run against the fakes)", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ samples: [] });
  });
  afterAll(() => sandbox.close());

  for (const definition of connectorDefinitions()) {
    it(`${definition.name}: a push answers or fails with a MappingError, never a crash`, async () => {
      const vendor = sandbox.vendor(definition.name);
      const outcomes = { planned: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(rawProfile, async (raw) => {
          sandbox.hrflow.addProfile("generated", raw);
          // Options checked at run time, as the CLI passes them.
          const run = runPushProfile(definition, {
            hrflowClient: sandbox.hrflowClient,
            auth: vendor.auth(),
            profile: { key: raw.key, source: { key: "generated" } },
            runtime: createRuntime(),
            dryRun: true,
            allowInsecureCvUrls: true,
            timeoutMs: 2000,
            // Generated CV URLs point anywhere: nothing in the suite may reach the internet, not even DNS.
            cvLookup: () => Promise.reject(new Error("no network in tests")),
            ...vendor.options(),
          });
          try {
            const response = await run;
            collect(response);
            expect(response.status_code).toBe(200);
            outcomes.planned += 1;
          } catch (error) {
            collectError(error);
            expect(error).toBeInstanceOf(MappingError);
            outcomes.refused += 1;
          }
        }),
        { numRuns: 60 },
      );
      // Both outcomes happen (the property is not vacuous), and a dry run sends nothing to the vendor.
      expect(outcomes.planned).toBeGreaterThan(0);
      expect(outcomes.refused).toBeGreaterThan(0);
      for (const fake of vendor.fakes) expect(fake.requests).toEqual([]);
    });
  }
});
