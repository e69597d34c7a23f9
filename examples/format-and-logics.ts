/**
 * Your own rules around a push: `logics` filter (or change) the profile before it is mapped, and `format`
 * replaces the default mapping. Whatever `format` returns is validated against the vendor's payload schema
 * before anything is sent, so a typo fails with a MappingError naming the field instead of reaching Taleez.
 */
import { Taleez, XTaleezAuth, isMappingError, type HrflowProfile } from "hrflow-connectors";
import { startSandbox } from "hrflow-connectors/testing";

/** Only profiles with an email are pushed; the others are discarded (status 200, nothing sent). */
const withEmail = (profile: HrflowProfile): HrflowProfile | null => (profile.info.email ? profile : null);

/** Tags the summary with where the profile came from (a logic may return a changed profile). */
const tagSource = (profile: HrflowProfile): HrflowProfile => ({
  ...profile,
  info: { ...profile.info, summary: `[${profile.source?.name ?? "HrFlow"}] ${profile.info.summary ?? ""}` },
});

/** A format of your own: Taleez's candidate, built your way (here: names upper-cased, no phone). */
const format = (profile: HrflowProfile): Record<string, unknown> => ({
  firstName: (profile.info.first_name ?? "").toUpperCase(),
  lastName: (profile.info.last_name ?? "").toUpperCase(),
  mail: profile.info.email ?? undefined,
  initialReferrer: "My pipeline",
  recruiterId: 15886,
});

const sandbox = await startSandbox();
try {
  const fake = sandbox.vendor("taleez");
  const push = (reference: string, options: { format?: (p: HrflowProfile) => unknown } = {}) =>
    Taleez.pushProfile({
      hrflowClient: sandbox.hrflowClient,
      auth: new XTaleezAuth({ value: fake.env()["TALEEZ_API_SECRET"] ?? "" }),
      profile: { reference, source: { key: sandbox.sourceKey } },
      recruiterId: 15886,
      baseUrl: fake.options().baseUrl,
      allowInsecureCvUrls: true,
      logics: [withEmail, tagSource],
      format,
      ...options,
    });

  const layla = await push("ref-layla");
  console.log("layla:", layla.status_code, layla.result?.action);
  const sergio = await push("ref-sergio"); // no email: discarded by the first logic
  console.log("sergio:", sergio.status_code, sergio.message);
  // A format that returns a field Taleez does not have is refused before any request.
  await push("ref-taro", { format: (p) => ({ ...format(p), nickname: "Taro" }) }).catch((error: unknown) => {
    console.log("taro:", isMappingError(error) ? `MappingError: ${error.message}` : String(error));
  });
} finally {
  await sandbox.close();
}
