/**
 * One profile, two ATS: the same HrFlow profile pushed to Greenhouse and to Breezy HR at once. Both pushes
 * share one runtime (its ledger, each vendor's rate limits, the claims); each has its own credentials and
 * ledger entry. `Promise.allSettled` reports both even when one fails.
 */
import { Breezyhr, Greenhouse, createRuntime, type WorkflowResponse } from "hrflow-connectors";
import { startSandbox } from "hrflow-connectors/testing";

const sandbox = await startSandbox();
// The runtime whose ledger makes a repeated push update instead of create; a service keeps a durable one
// (`createRuntime({ store: createSqliteStore("ledger.sqlite") })`).
const runtime = createRuntime();
try {
  const greenhouse = sandbox.vendor("greenhouse");
  const breezy = sandbox.vendor("breezyhr");
  const profile = { reference: "ref-amelie", source: { key: sandbox.sourceKey } };

  const pushes: [string, Promise<WorkflowResponse>][] = [
    [
      "Greenhouse",
      Greenhouse.pushProfile({
        hrflowClient: sandbox.hrflowClient,
        // With a real account: new OAuth2ClientCredentials({ clientId, clientSecret }).
        auth: greenhouse.auth(),
        profile,
        jobId: [4012345, 4012346],
        baseUrl: greenhouse.options().baseUrl,
        runtime,
        allowInsecureCvUrls: true,
      }),
    ],
    [
      "Breezy HR",
      Breezyhr.pushProfile({
        hrflowClient: sandbox.hrflowClient,
        // With a real account: new OAuth2EmailPasswordBody({ accessTokenUrl, email, password }).
        auth: breezy.auth(),
        profile,
        positionId: "a1b2c3d4e5f6",
        companyName: "Sandbox Robotics",
        baseUrl: breezy.options().baseUrl,
        runtime,
        allowInsecureCvUrls: true,
      }),
    ],
  ];
  const results = await Promise.allSettled(pushes.map(([, push]) => push));
  results.forEach((result, i) => {
    const name = pushes[i]?.[0] ?? "?";
    if (result.status === "fulfilled")
      console.log(
        `${name}: ${result.value.status_code} ${result.value.result?.action ?? result.value.message}`,
      );
    else console.log(`${name}: failed: ${result.reason instanceof Error ? result.reason.message : "?"}`);
  });
} finally {
  await runtime.close();
  await sandbox.close();
}
