import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Greenhouse } from "../../src/connectors/greenhouse/index.js";
import { OAuth2ClientCredentials } from "../../src/core/auth/oauth2.js";
import { AuthorizationAuth, XAPIKeyAuth, XSmartTokenAuth } from "../../src/core/auth/static.js";
import { AuthError, ConfigError, MappingError } from "../../src/core/errors.js";
import { createMemoryStore } from "../../src/core/ledger/memory.js";
import type { PushStore } from "../../src/core/ledger/types.js";
import { Hrflow } from "../../src/hrflow/client.js";
import { createVirtualClock, type VirtualClock } from "../../src/testing/clock.js";
import {
  GreenhouseAuthFake,
  GreenhouseFake,
  createGreenhouseSandbox,
} from "../../src/testing/greenhouse-fake.js";
import { HrflowFake } from "../../src/testing/hrflow-fake.js";
import { SAMPLE_SOURCE_KEY, hrflowKey, sampleProfiles } from "../../src/testing/profiles.js";
import { registerSecret } from "../support/leaks.js";
import { runPush } from "../support/push.js";

const JOB_A = 4012345;
const JOB_B = 4012346;
const JOB_C = 4012347;
const ADMIN = 4080;
const API_KEY = "greenhouse-sandbox-api-key";
const basicOf = (key: string) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;

describe("Greenhouse.pushProfile", () => {
  const hrflow = new HrflowFake();
  let hrflowClient: Hrflow;
  let clock: VirtualClock;
  let authFake: GreenhouseAuthFake;
  let gh: GreenhouseFake;

  beforeAll(async () => {
    await hrflow.listen();
    hrflow.seedSamples();
    hrflowClient = new Hrflow({
      apiSecret: hrflow.apiSecret,
      apiUser: hrflow.apiUser,
      baseUrl: hrflow.baseUrl,
    });
  });
  afterAll(() => hrflow.close());

  const start = async (
    options: ConstructorParameters<typeof GreenhouseFake>[0] = {},
    authOptions: ConstructorParameters<typeof GreenhouseAuthFake>[0] = {},
  ): Promise<void> => {
    await gh.close();
    await authFake.close();
    authFake = new GreenhouseAuthFake({ now: () => clock.now(), ...authOptions });
    gh = new GreenhouseFake({ auth: authFake, ...options });
    await authFake.listen();
    await gh.listen();
  };

  beforeEach(async () => {
    clock = createVirtualClock();
    authFake = new GreenhouseAuthFake({ now: () => clock.now() });
    gh = new GreenhouseFake({ auth: authFake });
    await authFake.listen();
    await gh.listen();
  });
  afterEach(async () => {
    // Tokens minted in a test are secrets too: the harness checks none of them leaked.
    registerSecret(...authFake.issued.map((t) => t.token));
    await gh.close();
    await authFake.close();
  });

  const v3Auth = (extra: Partial<ConstructorParameters<typeof OAuth2ClientCredentials>[0]> = {}) =>
    new OAuth2ClientCredentials({
      clientId: authFake.clientId,
      clientSecret: authFake.clientSecret,
      tokenUrl: authFake.tokenUrl,
      sub: ADMIN,
      ...extra,
    });

  const options = (name: string, extra: Record<string, unknown> = {}) => ({
    hrflowClient,
    auth: v3Auth(),
    profile: { key: hrflowKey(name), source: { key: SAMPLE_SOURCE_KEY } },
    baseUrl: gh.url,
    jobId: [JOB_A, JOB_B],
    store: createMemoryStore(),
    allowInsecureCvUrls: true,
    clock,
    ...extra,
  });

  const only = () => {
    expect(gh.candidates.size).toBe(1);
    const [candidate] = [...gh.candidates.values()];
    if (!candidate) throw new Error("no candidate");
    return candidate;
  };
  const calls = () => gh.requests.map((r) => `${r.method} ${r.path}`);

  it("creates a complete v3 candidate with its applications, employments and CV", async () => {
    const { response, error } = await runPush(Greenhouse.pushProfile, options("amelie"));
    expect(error).toBeUndefined();
    expect(response?.status_code).toBe(201);
    expect(response?.message).toBe("Profile successfully pushed");
    const candidate = only();
    expect(response?.result).toMatchObject({
      connector: "greenhouse",
      action: "created",
      vendorId: String(candidate.id),
      cv: { status: "uploaded", fileName: "CV Amélie Poulain.pdf", contentType: "application/pdf" },
    });
    expect(candidate.createdWith).toBe("v3");
    expect(candidate.body).toEqual({
      first_name: "Amélie",
      last_name: "Poulain-Dupré",
      company: "Café des 2 Moulins",
      title: "Lead Data Engineer",
      email_addresses: [{ value: "amelie.poulain+jobs@example.fr", type: "personal" }],
      phone_numbers: [{ value: "+33 6 12 34 56 78", type: "mobile" }],
      addresses: [{ value: "12 Rue des Abbesses, 75018 Paris, Île-de-France, France", type: "home" }],
      website_addresses: [
        { value: "http://github.com/amelie-p", type: "portfolio" },
        { value: "https://amelie.dev/", type: "personal" },
      ],
      social_media_addresses: [{ value: "https://linkedin.com/in/amelie-poulain" }],
      tags: ["Python", "SQL", "Communication"],
    });
    expect(gh.applicationsOf(candidate.id).map((a) => a.jobId)).toEqual([JOB_A, JOB_B]);
    expect(gh.employmentsOf(candidate.id).map(({ id: _id, ...e }) => e)).toEqual([
      {
        candidateId: candidate.id,
        company_name: "Café des 2 Moulins",
        title: "Lead Data Engineer",
        start_date: "2022-03-01T00:00:00.000Z",
        end_date: null,
      },
      {
        candidateId: candidate.id,
        company_name: "Société Générale",
        title: "Data Analyst",
        start_date: "2018-09-01T00:00:00.000Z",
        end_date: "2022-02-28T00:00:00.000Z",
      },
    ]);
    const [cv] = gh.attachmentsOf(candidate.id);
    const firstApplication = gh.applicationsOf(candidate.id).find((a) => a.jobId === JOB_A);
    expect(cv).toMatchObject({
      filename: "CV Amélie Poulain.pdf",
      type: "resume",
      contentType: "application/pdf",
      applicationId: firstApplication?.id,
    });
    expect(Buffer.from(cv?.bytes ?? []).toString("latin1")).toMatch(/^%PDF-1\.4/);
    expect(response?.result?.steps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ step: "employments", status: "done" }),
        expect.objectContaining({ step: "educations", status: "unsupported" }),
        expect.objectContaining({ step: `application:${JOB_B}`, status: "done" }),
      ]),
    );
    expect(calls()).toEqual([
      "GET /v3/candidates",
      "POST /v3/candidates",
      "POST /v3/applications",
      "POST /v3/candidate_employments",
      "POST /v3/candidate_employments",
      "POST /v3/attachments",
    ]);
    // One token, minted as the Site Admin, sent as Bearer.
    expect(authFake.issued).toHaveLength(1);
    expect(authFake.issued[0]?.sub).toBe(ADMIN);
    expect(gh.requests[0]?.headers["authorization"]).toBe(`Bearer ${authFake.issued[0]?.token ?? ""}`);
  });
});
