import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorDefinitions } from "../../src/connectors/registry.js";
import { runPushProfile } from "../../src/connectors/pipeline.js";
import { createRuntime } from "../../src/core/runtime.js";
import { createSqliteStore } from "../../src/core/store/sqlite.js";
import {
  hrflowKey,
  sampleProfiles,
  startSandbox,
  type SampleProfile,
  type Sandbox,
  type SandboxVendor,
} from "../../src/testing/index.js";
import { assertBuilt, runCli, startCli, waitFor } from "../support/cli.js";
import { collect } from "../support/leaks.js";

/**
 * Two pushes of the same profile at the same moment: two real processes on one ledger file, two runtimes
 * in one process, `replay` while a push waits for its create answer. The claims of the store let one push
 * work while the other waits; the second then finds the candidate through the ledger. Never two candidates.
 */

const found = sampleProfiles().find((s) => s.name === "amelie");
if (!found) throw new Error("no amelie sample");
const amelie: SampleProfile = found;

/** `count` distinct people (own key, name and, optionally, email), each with a CV. */
function people(prefix: string, count: number, withEmail: boolean): SampleProfile[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}-${i}`;
    return {
      ...amelie,
      name,
      profile: {
        ...amelie.profile,
        key: hrflowKey(name),
        reference: `ref-${name}`,
        info: {
          ...(amelie.profile["info"] as object),
          full_name: `Amélie Race${i} ${prefix}`,
          first_name: "Amélie",
          last_name: `Race${i} ${prefix}`,
          email: withEmail ? `amelie.race${i}.${prefix}@example.fr` : null,
        },
      },
    };
  });
}

let tmp = "";
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), "race-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function pushArgs(sandbox: Sandbox, vendor: SandboxVendor, sample: string): string[] {
  return [
    "push-profile",
    vendor.connector,
    "--source-key",
    sandbox.sourceKey,
    "--profile-key",
    hrflowKey(sample),
    ...vendor.cliFlags(),
  ];
}

/** Every person pushed exactly once into the vendor. */
function expectEachOnce(vendor: SandboxVendor, samples: readonly SampleProfile[]): void {
  const counts = new Map<string, number>();
  for (const c of vendor.candidates()) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  for (const sample of samples) {
    const info = sample.profile["info"] as { full_name: string };
    expect(counts.get(info.full_name) ?? 0, info.full_name).toBe(1);
  }
}

const cases = [
  { connector: "taleez", withEmail: false, rounds: 20 },
  { connector: "smartrecruiters", withEmail: true, rounds: 10 },
];

describe.each(cases)(
  "two processes push the same profile at once: $connector",
  ({ connector, withEmail, rounds }) => {
    for (const latencyMs of [0, 300]) {
      it(`${rounds} times, the vendor answering its creates in ${latencyMs} ms: never two candidates`, async () => {
        const samples = people(`${connector}${latencyMs}`, rounds, withEmail);
        const sandbox = await startSandbox({ samples });
        try {
          const vendor = sandbox.vendor(connector);
          const target = vendor.faults.create;
          if (latencyMs > 0)
            target.fake.fail({
              method: target.method,
              path: target.path,
              delayBeforeMs: latencyMs,
              times: 1000,
            });
          const env = {
            ...sandbox.hrflowEnv,
            ...vendor.env(),
            HRFLOW_CONNECTORS_LEDGER: join(tmp, `${connector}-${latencyMs}.sqlite`),
          };
          for (const sample of samples) {
            const [one, two] = await Promise.all([
              runCli(pushArgs(sandbox, vendor, sample.name), env, tmp),
              runCli(pushArgs(sandbox, vendor, sample.name), env, tmp),
            ]);
            expect([one.code, two.code], `${one.stderr}\n${two.stderr}`).toEqual([0, 0]);
          }
          expectEachOnce(vendor, samples);
        } finally {
          await sandbox.close();
        }
      }, 240_000);
    }
  },
);

describe("two runtimes of one process, each with its own store object on the same SQLite file", () => {
  it("serialise pushes of the same profile: 20 people, pushed twice at once, 20 candidates", async () => {
    const samples = people("inproc", 20, false);
    const sandbox = await startSandbox({ samples });
    const file = join(tmp, "inproc.sqlite");
    const one = createRuntime({ store: createSqliteStore(file) });
    const two = createRuntime({ store: createSqliteStore(file) });
    try {
      const vendor = sandbox.vendor("taleez");
      const definition = connectorDefinitions().find((d) => d.name === "taleez");
      if (!definition) throw new Error("no taleez");
      const target = vendor.faults.create;
      target.fake.fail({ method: target.method, path: target.path, delayBeforeMs: 50, times: 1000 });
      const push = (runtime: typeof one, sample: SampleProfile) =>
        runPushProfile(definition, {
          hrflowClient: sandbox.hrflowClient,
          auth: vendor.auth(),
          profile: { key: hrflowKey(sample.name), source: { key: sandbox.sourceKey } },
          runtime,
          allowInsecureCvUrls: true,
          ...vendor.options(),
        });
      const responses = await Promise.all(samples.flatMap((s) => [push(one, s), push(two, s)]));
      collect(responses);
      expect(responses.map((r) => r.result?.action).filter((a) => a === "created")).toHaveLength(20);
      expectEachOnce(vendor, samples);
    } finally {
      await one.close();
      await two.close();
      await sandbox.close();
    }
  });
});

describe("replay while a push waits for its create answer", () => {
  it("leaves the push alone (its claim is alive) and never creates a second candidate", async () => {
    const samples = people("replay", 1, false);
    const sandbox = await startSandbox({ samples });
    try {
      const vendor = sandbox.vendor("taleez");
      const target = vendor.faults.create;
      target.fake.fail({ method: target.method, path: target.path, delayBeforeMs: 3000 });
      const env = {
        ...sandbox.hrflowEnv,
        ...vendor.env(),
        HRFLOW_CONNECTORS_LEDGER: join(tmp, "replay-during.sqlite"),
      };
      const [sample] = samples;
      if (!sample) throw new Error("no sample");
      const push = startCli(pushArgs(sandbox, vendor, sample.name), env, tmp);
      await waitFor(() => target.fake.requests.some((r) => r.method === "POST" && target.path.test(r.path)));
      const replay = await runCli(["replay"], env, tmp);
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.stdout).toContain("1 skipped (a push of them is under way)");
      const pushed = await push.done;
      expect(pushed.code, pushed.stderr).toBe(0);
      expectEachOnce(vendor, samples);
      expect(vendor.candidates()[0]?.cv).toBeTruthy();
    } finally {
      await sandbox.close();
    }
  });
});
