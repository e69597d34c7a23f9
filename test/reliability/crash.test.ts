import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  hrflowKey,
  sampleProfiles,
  startSandbox,
  type Sandbox,
  type SandboxVendor,
} from "../../src/testing/index.js";
import { assertBuilt, runCli, startCli, waitFor, type CliRun } from "../support/cli.js";

/**
 * kill -9 of a real CLI process at each point of a push where a crash matters, then a re-run (and, where
 * the vendor cannot be searched, `ledger resolve`): every case ends with exactly one complete candidate.
 * `HRFLOW_CONNECTORS_CRASH_AT` makes the process SIGKILL itself at a named point; "in flight" is a real
 * kill while the fake holds the create's answer back.
 */

const amelie = sampleProfiles().find((s) => s.name === "amelie");
if (!amelie) throw new Error("no amelie sample");
const NAME = "Amélie Poulain-Dupré";
const variants = [
  { label: "with an email", sample: amelie },
  {
    label: "without an email",
    sample: {
      ...amelie,
      name: "amelie-nomail",
      profile: {
        ...amelie.profile,
        key: hrflowKey("amelie-nomail"),
        reference: "ref-amelie-nomail",
        info: { ...(amelie.profile["info"] as object), email: null },
      },
    },
  },
];

let tmp = "";
let ledgers = 0;
let sandbox: Sandbox;
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), "crash-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  sandbox = await startSandbox({ samples: variants.map((v) => v.sample) });
});
afterEach(async () => {
  await sandbox.close();
});

function pushArgs(vendor: SandboxVendor, sample: string): string[] {
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

function envFor(vendor: SandboxVendor, ledger: string, crashAt?: string): Record<string, string> {
  return {
    ...sandbox.hrflowEnv,
    ...vendor.env(),
    HRFLOW_CONNECTORS_LEDGER: ledger,
    HRFLOW_CONNECTORS_SETTLE_MS: "800",
    HRFLOW_CONNECTORS_LEASE_MS: "600",
    ...(crashAt ? { HRFLOW_CONNECTORS_CRASH_AT: crashAt } : {}),
  };
}

/** Exactly one candidate of that name, holding its CV. */
function expectOneComplete(vendor: SandboxVendor): void {
  const mine = vendor.candidates().filter((c) => c.name === NAME);
  expect(mine, JSON.stringify(vendor.candidates())).toHaveLength(1);
  expect(mine[0]?.cv, "the CV").toBeTruthy();
}

/**
 * Runs the push again after the crash and finishes it: when the vendor cannot be searched for this
 * profile, the re-run stops in doubt (exit 4, naming `ledger resolve`), a person resolves it with what the
 * fake holds, and one more run completes the candidate.
 */
async function finish(vendor: SandboxVendor, sample: string, ledger: string): Promise<CliRun> {
  const env = envFor(vendor, ledger);
  const again = await runCli(pushArgs(vendor, sample), env, tmp);
  if (again.code === 0) return again;
  expect(again.code, again.stderr).toBe(4);
  expect(again.stderr).toContain("ledger resolve");
  const made = vendor.candidates().filter((c) => c.name === NAME);
  const resolution = made[0] ? ["--vendor-id", made[0].vendorId] : ["--none"];
  const resolved = await runCli(
    ["ledger", "resolve", vendor.connector, hrflowKey(sample), ...resolution],
    env,
    tmp,
  );
  expect(resolved.code, resolved.stderr).toBe(0);
  const last = await runCli(pushArgs(vendor, sample), env, tmp);
  expect(last.code, last.stderr).toBe(0);
  return last;
}

const vendorNames = ["breezyhr", "smartrecruiters", "flatchr", "greenhouse", "taleez"];

describe.each(vendorNames)("kill -9 during a push: %s", (connector) => {
  for (const { label, sample } of variants) {
    // SmartRecruiters refuses a candidate without an email before anything is sent.
    if (connector === "smartrecruiters" && label === "without an email") continue;

    describe(label, () => {
      const checkpoints = [
        ["after recording the create, before sending it", "create:sending"],
        ["after the create's answer, before recording it", "create:answered"],
        ["after the candidate, before its steps", "candidate:recorded"],
      ] as const;
      for (const [when, checkpoint] of checkpoints) {
        it(`killed ${when}: the re-run ends with one complete candidate`, async () => {
          const vendor = sandbox.vendor(connector);
          const ledger = join(tmp, `ledger-${++ledgers}.sqlite`);
          const crashed = await runCli(
            pushArgs(vendor, sample.name),
            envFor(vendor, ledger, checkpoint),
            tmp,
          );
          expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
          const expected = checkpoint === "create:sending" ? 0 : 1;
          expect(vendor.candidates().filter((c) => c.name === NAME)).toHaveLength(expected);
          await finish(vendor, sample.name, ledger);
          expectOneComplete(vendor);
        });
      }

      it("killed while the create is in flight: the re-run ends with one complete candidate", async () => {
        const vendor = sandbox.vendor(connector);
        const ledger = join(tmp, `ledger-${++ledgers}.sqlite`);
        const target = vendor.faults.create;
        // The vendor creates the candidate, then holds the answer back: the process dies waiting for it.
        target.fake.fail({ method: target.method, path: target.path, delayMs: 10_000 });
        const push = startCli(pushArgs(vendor, sample.name), envFor(vendor, ledger), tmp);
        await waitFor(() => vendor.candidates().some((c) => c.name === NAME));
        push.child.kill("SIGKILL");
        expect((await push.done).signal).toBe("SIGKILL");
        target.fake.clearFaults();
        await finish(vendor, sample.name, ledger);
        expectOneComplete(vendor);
      });

      if (connector !== "flatchr") {
        it("killed after recording the CV upload, before sending it: the re-run uploads it once", async () => {
          const vendor = sandbox.vendor(connector);
          const ledger = join(tmp, `ledger-${++ledgers}.sqlite`);
          const crashed = await runCli(
            pushArgs(vendor, sample.name),
            envFor(vendor, ledger, "step:cv:sending"),
            tmp,
          );
          expect(crashed.signal).toBe("SIGKILL");
          expect(vendor.candidates().find((c) => c.name === NAME)?.cv).toBeFalsy();
          const again = await runCli(pushArgs(vendor, sample.name), envFor(vendor, ledger), tmp);
          expect(again.code, again.stderr).toBe(0);
          expectOneComplete(vendor);
        });
      }
    });
  }
});
