/**
 * An HrFlow CATCH workflow that pushes each new profile to SmartRecruiters, as the original project's
 * pages showed it: `workflow(_request, settings)` reads the event, pushes the profile, and returns a
 * workflow response, including for failures (`toWorkflowResponse`), so the workflow never throws.
 */
import {
  EventParser,
  Hrflow,
  SmartRecruiters,
  XSmartTokenAuth,
  getLoggerWithBasicConfig,
  toWorkflowResponse,
  type WorkflowResponse,
} from "hrflow-connectors";
import { startSandbox } from "hrflow-connectors/testing";

/** The settings a CATCH workflow receives (its environment). */
export type Settings = Readonly<Record<string, string | undefined>>;

function setting(settings: Settings, name: string): string {
  const value = settings[name];
  if (!value) throw new Error(`the workflow setting ${name} is missing`);
  return value;
}

/** The CATCH workflow: one profile event in, one workflow response out. */
export async function workflow(_request: unknown, settings: Settings): Promise<WorkflowResponse | undefined> {
  const logger = getLoggerWithBasicConfig({ level: "warn" });
  const profile = new EventParser({ request: _request }).getProfile();
  if (profile === undefined) return undefined; // not a profile event: nothing to do
  try {
    return await SmartRecruiters.pushProfile({
      hrflowClient: new Hrflow({
        apiSecret: setting(settings, "X-API-KEY"),
        apiUser: setting(settings, "X-USER-EMAIL"),
        baseUrl: settings["HRFLOW_BASE_URL"],
      }),
      auth: new XSmartTokenAuth({ value: setting(settings, "MY_SMART_TOKEN") }),
      jobId: setting(settings, "JOB_ID"),
      profile,
      logger,
      // Sandbox only (below): the fake ATS and CVs served over http://127.0.0.1.
      ...(settings["SMARTRECRUITERS_BASE_URL"] ? { baseUrl: settings["SMARTRECRUITERS_BASE_URL"] } : {}),
      allowInsecureCvUrls: settings["ALLOW_INSECURE_CV_URLS"] === "true",
    });
  } catch (error) {
    return toWorkflowResponse(error);
  }
}

// Try it against the sandbox: a "profile stored" event, then one for a profile HrFlow does not know.
const sandbox = await startSandbox();
try {
  const fake = sandbox.vendor("smartrecruiters");
  const settings: Settings = {
    "X-API-KEY": sandbox.hrflowEnv["HRFLOW_API_SECRET"],
    "X-USER-EMAIL": sandbox.hrflowEnv["HRFLOW_API_USER"],
    HRFLOW_BASE_URL: sandbox.hrflowEnv["HRFLOW_BASE_URL"],
    MY_SMART_TOKEN: fake.env()["SMARTRECRUITERS_TOKEN"],
    JOB_ID: "3696cad0-a9b0-4a40-9cd7-4cc5feb1a509",
    SMARTRECRUITERS_BASE_URL: fake.options().baseUrl,
    ALLOW_INSECURE_CV_URLS: "true",
  };
  const [amelie] = sandbox.samples;
  const stored = {
    type: "profile.storing.success",
    profile: { key: amelie?.profile["key"], source: { key: sandbox.sourceKey } },
  };
  const pushed = await workflow(stored, settings);
  console.log(pushed?.status_code, pushed?.message);
  const unknown = {
    type: "profile.storing.success",
    profile: { key: "no-such-profile", source_key: sandbox.sourceKey },
  };
  const failed = await workflow(unknown, settings);
  console.log(failed?.status_code, failed?.error?.["name"]);
} finally {
  await sandbox.close();
}
