import { afterAll, bench, describe } from "vitest";
import { runPushProfile } from "../src/connectors/pipeline.js";
import { connectorDefinitions } from "../src/connectors/registry.js";
import { createRuntime } from "../src/core/runtime.js";
import { hrflowKey } from "../src/testing/profiles.js";
import { startSandbox } from "../src/testing/sandbox.js";

// A whole push in dry-run mode over loopback HTTP: pull from the fake HrFlow, download the CV, map,
// validate, plan every vendor request. Vendor rate limits do not apply (nothing is sent), so this is the
// library's own cost per profile.
const sandbox = await startSandbox();
afterAll(() => sandbox.close());

describe("dry-run push of one profile (pull + CV download + map + plan)", () => {
  for (const definition of connectorDefinitions()) {
    const vendor = sandbox.vendor(definition.name);
    bench(definition.name, async () => {
      await runPushProfile(definition, {
        hrflowClient: sandbox.hrflowClient,
        auth: vendor.auth(),
        profile: { key: hrflowKey("amelie"), source: { key: sandbox.sourceKey } },
        runtime: createRuntime(),
        dryRun: true,
        allowInsecureCvUrls: true,
        ...vendor.options(),
      });
    });
  }
});
