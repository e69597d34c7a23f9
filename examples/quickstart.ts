import { Hrflow, SmartRecruiters, XSmartTokenAuth } from "hrflow-connectors";
import { startSandbox } from "hrflow-connectors/testing";

const sandbox = await startSandbox(); // fake HrFlow + fake ATS on 127.0.0.1, seeded with sample profiles
const fake = sandbox.vendor("smartrecruiters");
// With real accounts: `const env = process.env;`, and drop `baseUrl` and `allowInsecureCvUrls` below.
const env: Record<string, string | undefined> = { ...sandbox.hrflowEnv, ...fake.env() };
const required = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

try {
  const response = await SmartRecruiters.pushProfile({
    hrflowClient: new Hrflow({
      apiSecret: required("HRFLOW_API_SECRET"),
      apiUser: required("HRFLOW_API_USER"),
      baseUrl: env["HRFLOW_BASE_URL"],
    }),
    auth: new XSmartTokenAuth({ value: required("SMARTRECRUITERS_TOKEN") }),
    profile: { reference: "ref-amelie", source: { key: sandbox.sourceKey } },
    jobId: "3696cad0-a9b0-4a40-9cd7-4cc5feb1a509",
    baseUrl: fake.options().baseUrl, // the fake SmartRecruiters; omit it for the real one
    allowInsecureCvUrls: true, // the sandbox serves CVs over http://127.0.0.1; never in production
  });
  // `result` is absent only when a logic discarded the profile (none here).
  const { action, vendorId, cv } = response.result ?? {};
  console.log(response.status_code, action, vendorId, cv?.status, cv?.fileName);
} finally {
  await sandbox.close();
}
