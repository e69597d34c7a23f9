import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Greenhouse } from "../../src/connectors/greenhouse/index.js";
import { OAuth2ClientCredentials } from "../../src/core/auth/oauth2.js";
import { AuthorizationAuth, XAPIKeyAuth, XSmartTokenAuth } from "../../src/core/auth/static.js";
import { AuthError, ConfigError, MappingError } from "../../src/core/errors.js";
import { createRuntime } from "../../src/core/runtime.js";
import { Hrflow } from "../../src/hrflow/client.js";
import { createVirtualClock, type VirtualClock } from "../../src/testing/clock.js";
import {
  GREENHOUSE_PUSH_SCOPES,
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
const API_KEY = "gh-apikey-sbx-7b3e";
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
    runtime: createRuntime({ clock }),
    allowInsecureCvUrls: true,
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
  it("pushes every sample profile or refuses it with a MappingError naming the field", async () => {
    const runtime = createRuntime();
    for (const sample of sampleProfiles()) {
      const before = gh.requests.length;
      // One job each: with 25 employments for maximilian, the whole run stays within the 50-per-30 s budget.
      const { response, error } = await runPush(
        Greenhouse.pushProfile,
        options(sample.name, { runtime, jobId: JOB_A }),
      );
      expect(error, sample.name).toBeUndefined();
      expect(response?.result?.action, sample.name).toBe("created");
      if (sample.name === "sergio") {
        // No email: pushed all the same (the ledger recognises it later), without any search.
        expect(response?.result?.warnings.join(" ")).toContain("no valid email");
        expect(gh.requests.slice(before).some((r) => r.method === "GET" && r.path === "/v3/candidates")).toBe(
          false,
        );
      }
    }
    expect(gh.candidates.size).toBe(6);
    const byName = (first: string) => [...gh.candidates.values()].find((c) => c.body["first_name"] === first);
    // Non-Latin names as sent; a Word CV with its type; odd and junk values dropped, never placeholders.
    expect(byName("太郎")?.body).toMatchObject({
      last_name: "田中",
      addresses: [{ value: "渋谷区, 東京都, Japan", type: "home" }],
    });
    expect(gh.attachmentsOf(byName("太郎")?.id ?? 0)[0]).toMatchObject({
      filename: "tanaka_cv.doc",
      contentType: "application/msword",
    });
    const messy = byName("John");
    expect(messy?.body).toMatchObject({
      last_name: "O'Reilly",
      email_addresses: [{ value: "john.oreilly@example.com", type: "personal" }],
      website_addresses: [{ value: "https://www.oreilly.example.com/", type: "personal" }],
      tags: ["TypeScript", expect.stringMatching(/^x+…$/)],
    });
    expect(JSON.stringify(messy?.body)).not.toMatch(/Undefined|XXXXX|"N\/A"|""/);
    expect(gh.attachmentsOf(messy?.id ?? 0)[0]?.filename).toBe("passwdscript.pdf");
    // Employments need company, title and start: the messy profile has one such experience.
    expect(gh.employmentsOf(messy?.id ?? 0)).toHaveLength(1);
    const max = byName("Maximilian");
    expect(gh.employmentsOf(max?.id ?? 0)).toHaveLength(25);
    expect(max?.body).toMatchObject({ company: "Firma 25 GmbH", title: "Rolle 25" });
  });

  it("creates no duplicate on a repeated push, with the same ledger or a fresh one", async () => {
    const runtime = createRuntime();
    const first = await runPush(Greenhouse.pushProfile, options("layla", { runtime }));
    expect(first.response?.result?.action).toBe("created");
    gh.clearFaults();
    const second = await runPush(Greenhouse.pushProfile, options("layla", { runtime }));
    expect(second.response?.status_code).toBe(200);
    expect(second.response?.result).toMatchObject({
      action: "unchanged",
      cv: { status: "already-uploaded" },
    });
    // The ledger's candidate is checked (`ids=`); the steps done for it are trusted: nothing else is read.
    expect(calls()).toEqual(["GET /v3/candidates"]);
    expect(gh.requests[0]?.query.get("ids")).toBe(String(only().id));
    gh.clearFaults();
    const third = await runPush(Greenhouse.pushProfile, options("layla", { runtime: createRuntime() }));
    expect(third.response?.result).toMatchObject({ action: "unchanged", cv: { status: "already-uploaded" } });
    expect(calls()).toEqual(["GET /v3/candidates", "GET /v3/applications", "GET /v3/attachments"]);
    expect(gh.requests[0]?.query.get("email")).toBe("layla.haddad@example.ae");
    const candidate = only();
    expect(gh.applicationsOf(candidate.id)).toHaveLength(2);
    expect(gh.attachmentsOf(candidate.id)).toHaveLength(1);
    expect(gh.employmentsOf(candidate.id)).toHaveLength(2);
  });

  it("adds only the missing applications to a candidate that already exists", async () => {
    const existing = gh.addCandidate(
      {
        first_name: "Amélie",
        last_name: "Poulain",
        email_addresses: [{ value: "Amelie.Poulain+jobs@example.fr", type: "work" }],
      },
      [JOB_A],
    );
    const { response } = await runPush(
      Greenhouse.pushProfile,
      options("amelie", { jobId: [JOB_A, JOB_B, JOB_C] }),
    );
    expect(response?.status_code).toBe(201);
    expect(response?.result).toMatchObject({ action: "updated", vendorId: String(existing.id) });
    expect(gh.candidates.size).toBe(1);
    expect(gh.applicationsOf(existing.id).map((a) => a.jobId)).toEqual([JOB_A, JOB_B, JOB_C]);
    expect(calls().filter((c) => c.startsWith("POST"))).toEqual([
      "POST /v3/applications",
      "POST /v3/applications",
      "POST /v3/attachments",
    ]);
    // Someone's existing record: person fields and employments are left as they are.
    expect(existing.body["first_name"]).toBe("Amélie");
    expect(gh.employmentsOf(existing.id)).toHaveLength(0);
    expect(response?.result?.steps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ step: `application:${JOB_A}`, status: "skipped" }),
        expect.objectContaining({ step: `application:${JOB_C}`, status: "done" }),
      ]),
    );
    // The CV goes on the first job's (existing) application.
    const appA = gh.applicationsOf(existing.id).find((a) => a.jobId === JOB_A);
    expect(gh.attachmentsOf(existing.id)[0]?.applicationId).toBe(appA?.id);
  });

  it("re-checks the email filter's answers and picks the exact match", async () => {
    await start({ emailFilter: "contains" });
    const lookalike = gh.addCandidate({
      first_name: "X",
      last_name: "Y",
      email_addresses: [{ value: "old.amelie.poulain+jobs@example.fr", type: "personal" }],
    });
    const { response } = await runPush(Greenhouse.pushProfile, options("amelie"));
    expect(response?.result?.action).toBe("created");
    expect(response?.result?.vendorId).not.toBe(String(lookalike.id));
    expect(gh.candidates.size).toBe(2);
  });

  it("accepts jobId as a number, a numeric string or a list, and dedupes it", async () => {
    for (const [jobId, expected] of [
      [JOB_A, [JOB_A]],
      [String(JOB_B), [JOB_B]],
      [`${JOB_A}, ${JOB_C}`, [JOB_A, JOB_C]],
      [
        [String(JOB_A), JOB_B, JOB_A],
        [JOB_A, JOB_B],
      ],
    ] as const) {
      await start();
      const { response, error } = await runPush(Greenhouse.pushProfile, options("taro", { jobId }));
      expect(error).toBeUndefined();
      expect(response?.result?.action).toBe("created");
      expect(gh.applicationsOf(only().id).map((a) => a.jobId)).toEqual(expected);
    }
  });

  it("validates a user format against the payload schema before any request", async () => {
    const { error } = await runPush(
      Greenhouse.pushProfile,
      options("amelie", {
        format: () => ({
          first_name: "A",
          last_name: "B",
          email_addresses: [{ value: "a@b.co", type: "home" }],
          applications: [{ job_id: JOB_A }],
        }),
      }),
    );
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).field).toBe("payload.email_addresses[0].type");
    expect(gh.requests).toHaveLength(0);
    const good = await runPush(
      Greenhouse.pushProfile,
      options("amelie", {
        format: () => ({
          first_name: "A",
          last_name: "B",
          email_addresses: [{ value: "a@b.co", type: "work" }],
        }),
      }),
    );
    expect(good.response?.result?.action).toBe("created");
    expect(only().body).toEqual({
      first_name: "A",
      last_name: "B",
      email_addresses: [{ value: "a@b.co", type: "work" }],
    });
  });

  it("lists every bad option at once", async () => {
    const { error } = await runPush(Greenhouse.pushProfile, {
      ...options("amelie"),
      jobId: ["12", "abc"],
      baseUrl: "ftp://x",
      ...({ job_id: [1] } as object),
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual(["baseUrl", "jobId", "job_id"]);
    expect((error as Error).message).toContain('did you mean "jobId"');
    const missing = await runPush(Greenhouse.pushProfile, { ...options("amelie"), jobId: [] });
    expect((missing.error as ConfigError).issues[0]).toMatchObject({ path: "jobId" });
    const wrongAuth = await runPush(Greenhouse.pushProfile, {
      ...options("amelie"),
      auth: new XSmartTokenAuth({ value: "not-greenhouse" }),
    });
    expect((wrongAuth.error as ConfigError).issues[0]?.message).toContain("OAuth2ClientCredentials");
    expect(gh.requests).toHaveLength(0);
  });

  it("refuses onBehalfOf with v3 (the acting user is the token's sub) before any Greenhouse request", async () => {
    const { error } = await runPush(Greenhouse.pushProfile, options("amelie", { onBehalfOf: "4080" }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: "onBehalfOf" });
    expect((error as Error).message).toContain("sub");
    expect(gh.requests).toHaveLength(0);
    expect(authFake.requests).toHaveLength(0);
  });

  it("mints again once when a token is refused (401), and before it expires", async () => {
    const auth = v3Auth();
    const first = await runPush(Greenhouse.pushProfile, options("amelie", { auth }));
    expect(first.response?.result?.action).toBe("created");
    expect(authFake.issued).toHaveLength(1);

    // Refused token: one 401, one new token, the request repeated.
    authFake.expireTokens();
    gh.clearFaults();
    const second = await runPush(Greenhouse.pushProfile, options("layla", { auth }));
    expect(second.error).toBeUndefined();
    expect(authFake.issued).toHaveLength(2);
    expect(gh.requests.map((r) => r.headers["authorization"])[0]).toBe(
      `Bearer ${authFake.issued[0]?.token ?? ""}`,
    );
    expect(gh.requests[1]?.headers["authorization"]).toBe(`Bearer ${authFake.issued[1]?.token ?? ""}`);

    // Expiry: minted again ahead of time, without a 401 first.
    clock.advance(3_600_000);
    gh.clearFaults();
    const third = await runPush(Greenhouse.pushProfile, options("taro", { auth }));
    expect(third.error).toBeUndefined();
    expect(authFake.issued).toHaveLength(3);
    expect(gh.requests[0]?.headers["authorization"]).toBe(`Bearer ${authFake.issued[2]?.token ?? ""}`);
  });

  it("reads expires_at as well as expires_in, and keeps one token per sub", async () => {
    await start({}, { expiryField: "expires_at", lifetimeS: 600 });
    const auth = v3Auth();
    await runPush(Greenhouse.pushProfile, options("amelie", { auth }));
    await runPush(Greenhouse.pushProfile, options("taro", { auth }));
    expect(authFake.issued).toHaveLength(1);
    clock.advance(550_000); // within the 60 s margin of the 10-minute token
    await runPush(Greenhouse.pushProfile, options("layla", { auth }));
    expect(authFake.issued).toHaveLength(2);
    // Another acting user: its own token, the first one's cache untouched.
    await runPush(
      Greenhouse.pushProfile,
      options("maximilian", { auth: auth.withSub(4081), jobId: [JOB_A] }),
    );
    expect(authFake.issued.map((t) => t.sub)).toEqual([ADMIN, ADMIN, 4081]);
  });

  it("gives up after one refresh: refused credentials are an AuthError naming the env vars, with no secret", async () => {
    const wrong = await runPush(Greenhouse.pushProfile, {
      ...options("amelie"),
      auth: v3Auth({ clientSecret: "wrong-secret-123" }),
    });
    expect(wrong.error).toBeInstanceOf(AuthError);
    expect((wrong.error as Error).message).toContain("GREENHOUSE_CLIENT_ID");
    expect((wrong.error as Error).message).toContain("invalid_client");
    expect(JSON.stringify(wrong.error)).not.toContain("wrong-secret-123");
    expect(gh.requests).toHaveLength(0);

    // A pre-minted token cannot be refreshed: one 401, then AuthError.
    const token = await runPush(Greenhouse.pushProfile, {
      ...options("amelie"),
      auth: new OAuth2ClientCredentials({ accessToken: "stale-partner-token-456" }),
    });
    expect(token.error).toBeInstanceOf(AuthError);
    expect(JSON.stringify(token.error)).not.toContain("stale-partner-token-456");
    expect(gh.requests).toHaveLength(1);
  });

  it("accepts a pre-minted bearer token (partner setups)", async () => {
    const viaOAuth = await runPush(Greenhouse.pushProfile, {
      ...options("amelie"),
      auth: new OAuth2ClientCredentials({ accessToken: "gh-partner-sbx-5c1d" }),
    });
    expect(viaOAuth.response?.result?.action).toBe("created");
    const viaHeader = await runPush(Greenhouse.pushProfile, {
      ...options("taro"),
      auth: new AuthorizationAuth({ value: "Bearer gh-partner-sbx-5c1d" }),
    });
    expect(viaHeader.response?.result?.action).toBe("created");
    expect(authFake.issued).toHaveLength(0);
    expect(gh.requests.every((r) => r.headers["authorization"] === "Bearer gh-partner-sbx-5c1d")).toBe(true);
  });

  it("says what is missing when the acting user is not a Site Admin (403 on the lookup)", async () => {
    const { error } = await runPush(Greenhouse.pushProfile, {
      ...options("amelie"),
      auth: v3Auth({ sub: 4081 }),
    });
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain("Site Admin");
    expect((error as Error).message).toContain("GREENHOUSE_SUB");
    expect(gh.candidates.size).toBe(0);
  });

  it("reports employments as unsupported when the credential lacks the scope, without failing the push", async () => {
    await start(
      {},
      { scopes: GREENHOUSE_PUSH_SCOPES.filter((s) => s !== "harvest:candidate_employments:create") },
    );
    const { response } = await runPush(Greenhouse.pushProfile, options("amelie"));
    expect(response?.status_code).toBe(201);
    expect(response?.result?.steps).toContainEqual(
      expect.objectContaining({
        step: "employments",
        status: "unsupported",
        detail: expect.stringContaining("credential lacks harvest:candidate_employments:create"),
      }),
    );
    expect(response?.result?.warnings.join(" ")).toContain("harvest:candidate_employments:create");
    expect(gh.employments).toHaveLength(0);
    expect(gh.requests.filter((r) => r.path === "/v3/candidate_employments")).toHaveLength(1);
  });

  it("plans the requests in a dry run, sends nothing and masks the credentials", async () => {
    const { response } = await runPush(Greenhouse.pushProfile, options("amelie", { dryRun: true }));
    expect(response?.status_code).toBe(200);
    expect(gh.requests).toHaveLength(0);
    expect(authFake.requests).toHaveLength(0);
    const planned = response?.result?.plannedRequests ?? [];
    expect(planned.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      "GET /v3/candidates",
      "POST /v3/candidates",
      "POST /v3/applications",
      "POST /v3/candidate_employments",
      "POST /v3/candidate_employments",
      "POST /v3/attachments",
    ]);
    expect(planned.every((r) => r.headers["Authorization"] === "[REDACTED]")).toBe(true);
    expect(planned[1]?.body).toMatchObject({ first_name: "Amélie", application: { job_id: JOB_A } });
    expect(planned[2]?.body).toEqual({ candidate_id: "<new candidate id>", job_id: JOB_B });
    expect(planned[5]?.body).toMatchObject({
      application_id: "<new application id>",
      filename: "CV Amélie Poulain.pdf",
      type: "resume",
      content: expect.stringMatching(/^(<base64, \d+ bytes>|[A-Za-z0-9+/=]+)$/),
    });
  });

  it("finds the candidate after a truncated create answer instead of creating it again", async () => {
    gh.truncateCreates(1);
    const { response, error } = await runPush(Greenhouse.pushProfile, options("amelie"));
    expect(error).toBeUndefined();
    expect(response?.result?.action).toBe("created");
    const candidate = only();
    expect(response?.result?.steps[0]).toMatchObject({
      step: "candidate",
      detail: "created; found by a lookup after the answer was lost",
    });
    expect(gh.applicationsOf(candidate.id).map((a) => a.jobId)).toEqual([JOB_A, JOB_B]);
    expect(gh.attachmentsOf(candidate.id)).toHaveLength(1);
    expect(gh.employmentsOf(candidate.id)).toHaveLength(2);
  });

  it("works with the flat create answer (the candidate at the top level)", async () => {
    await start({ createShape: "flat" });
    const { response } = await runPush(Greenhouse.pushProfile, options("taro", { jobId: JOB_A }));
    expect(response?.result?.action).toBe("created");
    const candidate = only();
    expect(gh.attachmentsOf(candidate.id)[0]?.applicationId).toBe(gh.applicationsOf(candidate.id)[0]?.id);
    expect(response?.result?.steps).toContainEqual(
      expect.objectContaining({
        step: `application:${JOB_A}`,
        status: "done",
        detail: "created with the candidate",
      }),
    );
  });

  it("looks the candidate up before repeating a create whose answer was lost or failed (no idempotency)", async () => {
    // The answer is lost after Greenhouse created the candidate: found by email, not created twice.
    gh.fail({ method: "POST", path: "/v3/candidates", drop: "after" });
    const lost = await runPush(Greenhouse.pushProfile, options("amelie"));
    expect(lost.error).toBeUndefined();
    expect(only().id).toBeGreaterThan(0);
    expect(gh.requests.filter((r) => r.method === "POST" && r.path === "/v3/candidates")).toHaveLength(1);

    // A 503 before anything was done: it may have been processed, so the candidate is looked up over the
    // settle window (60 s on the virtual clock), and created again only once that is over.
    gh.clearFaults();
    gh.fail({ method: "POST", path: "/v3/candidates", status: 503 });
    const startedAt = clock.now();
    const failed = await runPush(Greenhouse.pushProfile, options("taro"));
    expect(failed.error).toBeUndefined();
    const made = calls().filter((c) => c.startsWith("POST /v3/candidates") || c === "GET /v3/candidates");
    expect(made.slice(0, 3)).toEqual(["GET /v3/candidates", "POST /v3/candidates", "GET /v3/candidates"]);
    expect(made.filter((c) => c === "POST /v3/candidates")).toHaveLength(2);
    expect(made.filter((c) => c === "GET /v3/candidates").length).toBeGreaterThan(3);
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(60_000);
    expect(gh.findByEmail("taro.tanaka@example.jp")).toHaveLength(1);
  });

  it("honours Retry-After and the rate-limit headers", async () => {
    gh.fail({ method: "POST", path: "/v3/candidates", status: 429, headers: { "retry-after": "7" } });
    const { error } = await runPush(Greenhouse.pushProfile, options("amelie"));
    expect(error).toBeUndefined();
    expect(clock.sleeps).toContain(7000);
    expect(gh.findByEmail("amelie.poulain+jobs@example.fr")).toHaveLength(1);

    // A small 30-second window: the client waits for the window to reset instead of failing.
    await start({ v3RateLimit: { limit: 3, windowMs: 30_000 } });
    clock.sleeps.length = 0;
    const limited = await runPush(Greenhouse.pushProfile, options("taro"));
    expect(limited.error).toBeUndefined();
    expect(limited.response?.result?.action).toBe("created");
    expect(clock.sleeps.some((ms) => ms >= 20_000 && ms <= 30_000)).toBe(true);
    expect(gh.candidates.size).toBe(1);
  });

  it("reports a refused further application as a failed step and still uploads the CV", async () => {
    const { response } = await runPush(Greenhouse.pushProfile, options("amelie", { jobId: [JOB_A, 999] }));
    expect(response?.status_code).toBe(202);
    expect(response?.message).toContain("application:999");
    expect(response?.result?.steps).toContainEqual(
      expect.objectContaining({
        step: "application:999",
        status: "failed",
        detail: expect.stringContaining("999"),
      }),
    );
    expect(response?.result?.cv.status).toBe("uploaded");
  });

  it("reports a failed CV upload and uploads it on the next push", async () => {
    const runtime = createRuntime();
    gh.fail({ method: "POST", path: "/v3/attachments", status: 500 });
    const first = await runPush(Greenhouse.pushProfile, options("amelie", { runtime }));
    expect(first.response?.status_code).toBe(202);
    expect(first.response?.result?.cv.status).toBe("failed");
    const candidate = only();
    expect(gh.attachmentsOf(candidate.id)).toHaveLength(0);
    const second = await runPush(Greenhouse.pushProfile, options("amelie", { runtime }));
    expect(second.response?.status_code).toBe(201);
    expect(second.response?.result).toMatchObject({ action: "updated", cv: { status: "uploaded" } });
    expect(gh.attachmentsOf(candidate.id)).toHaveLength(1);
    expect(gh.candidates.size).toBe(1);
  });

  describe("legacy Harvest v1", () => {
    const v1Options = (name: string, extra: Record<string, unknown> = {}) =>
      options(name, { auth: new XAPIKeyAuth({ value: API_KEY }), onBehalfOf: ADMIN, ...extra });

    it("creates the candidate with every application and the CV in one request, Basic key: built once", async () => {
      const auth = new XAPIKeyAuth({ value: API_KEY });
      const { response, error } = await runPush(Greenhouse.pushProfile, v1Options("amelie", { auth }));
      expect(error).toBeUndefined();
      expect(response?.result).toMatchObject({
        action: "created",
        cv: { status: "inline", fileName: "CV Amélie Poulain.pdf", contentType: "application/pdf" },
      });
      const candidate = only();
      expect(candidate.createdWith).toBe("v1");
      expect(calls()).toEqual(["GET /v1/candidates", "POST /v1/candidates"]);
      const create = gh.requests[1];
      expect(create?.headers["authorization"]).toBe(basicOf(API_KEY));
      expect(create?.headers["on-behalf-of"]).toBe(String(ADMIN));
      expect(create?.body).toMatchObject({
        first_name: "Amélie",
        employments: [
          {
            company_name: "Café des 2 Moulins",
            title: "Lead Data Engineer",
            start_date: "2022-03-01T00:00:00.000Z",
          },
          {
            company_name: "Société Générale",
            start_date: "2018-09-01T00:00:00.000Z",
            end_date: "2022-02-28T00:00:00.000Z",
          },
        ],
        applications: [
          {
            job_id: JOB_A,
            attachments: [
              {
                filename: "CV Amélie Poulain.pdf",
                type: "resume",
                content_type: "application/pdf",
                content: expect.any(String),
              },
            ],
          },
          { job_id: JOB_B },
        ],
      });
      expect(gh.attachmentsOf(candidate.id)[0]).toMatchObject({
        filename: "CV Amélie Poulain.pdf",
        contentType: "application/pdf",
      });
      expect(gh.employmentsOf(candidate.id)[0]?.end_date).toBeNull();

      // A second profile with the same auth: still `key:` (the original sent `key::`).
      gh.clearFaults();
      const second = await runPush(Greenhouse.pushProfile, v1Options("taro", { auth }));
      expect(second.error).toBeUndefined();
      expect(gh.requests.every((r) => r.headers["authorization"] === basicOf(API_KEY))).toBe(true);
    });

    it("accepts AuthorizationAuth with a Basic value or a bare key", async () => {
      const basic = await runPush(
        Greenhouse.pushProfile,
        v1Options("amelie", { auth: new AuthorizationAuth({ value: basicOf(API_KEY) }) }),
      );
      expect(basic.response?.result?.action).toBe("created");
      const bare = await runPush(
        Greenhouse.pushProfile,
        v1Options("taro", { auth: new AuthorizationAuth({ value: API_KEY }) }),
      );
      expect(bare.response?.result?.action).toBe("created");
      expect(gh.requests.every((r) => r.headers["authorization"] === basicOf(API_KEY))).toBe(true);
    });

    it("requires onBehalfOf, and refuses a wrong key with an AuthError", async () => {
      const missing = await runPush(Greenhouse.pushProfile, v1Options("amelie", { onBehalfOf: undefined }));
      expect(missing.error).toBeInstanceOf(ConfigError);
      expect((missing.error as ConfigError).issues[0]?.path).toBe("onBehalfOf");
      expect(gh.requests).toHaveLength(0);
      const wrong = await runPush(
        Greenhouse.pushProfile,
        v1Options("amelie", { auth: new XAPIKeyAuth({ value: "wrong-key-789" }) }),
      );
      expect(wrong.error).toBeInstanceOf(AuthError);
      expect((wrong.error as Error).message).toContain("GREENHOUSE_API_KEY");
      expect(JSON.stringify(wrong.error)).not.toContain("wrong-key-789");
      expect(JSON.stringify(wrong.error)).not.toContain(Buffer.from("wrong-key-789:").toString("base64"));
    });

    it("adds only the missing applications and the CV to an existing candidate", async () => {
      const existing = gh.addCandidate(
        {
          first_name: "Layla",
          last_name: "Haddad",
          email_addresses: [{ value: "layla.haddad@example.ae", type: "personal" }],
        },
        [JOB_B],
        "v1",
      );
      const runtime = createRuntime();
      const { response } = await runPush(Greenhouse.pushProfile, v1Options("layla", { runtime }));
      expect(response?.result).toMatchObject({
        action: "updated",
        vendorId: String(existing.id),
        cv: { status: "uploaded" },
      });
      expect(calls()).toEqual([
        "GET /v1/candidates",
        "POST /v1/candidates/" + String(existing.id) + "/applications",
        "POST /v1/candidates/" + String(existing.id) + "/attachments",
      ]);
      expect(gh.applicationsOf(existing.id).map((a) => a.jobId)).toEqual([JOB_B, JOB_A]);
      expect(gh.attachmentsOf(existing.id)[0]).toMatchObject({
        filename: "Layla Haddad - CV.pdf",
        type: "resume",
      });
      gh.clearFaults();
      const again = await runPush(Greenhouse.pushProfile, v1Options("layla", { runtime: createRuntime() }));
      expect(again.response?.result).toMatchObject({
        action: "unchanged",
        cv: { status: "already-uploaded" },
      });
      expect(calls()).toEqual(["GET /v1/candidates"]);
    });

    it("does not fail nor duplicate when Greenhouse answers a create with ids only and 404s for a while", async () => {
      gh.truncateCreates(1, 1);
      const runtime = createRuntime();
      const first = await runPush(Greenhouse.pushProfile, v1Options("amelie", { runtime }));
      expect(first.error).toBeUndefined();
      expect(first.response?.result).toMatchObject({ action: "created", cv: { status: "inline" } });
      const id = String(only().id);
      gh.clearFaults();
      // Still being created: GET by id 404, absent from the list; not created again.
      const second = await runPush(Greenhouse.pushProfile, v1Options("amelie", { runtime }));
      expect(second.error).toBeUndefined();
      expect(second.response?.result).toMatchObject({ action: "unchanged", vendorId: id });
      expect(second.response?.result?.warnings.join(" ")).toContain("not visible in Greenhouse yet");
      expect(calls()).toEqual([`GET /v1/candidates/${id}`]);
      // Ready now.
      gh.clearFaults();
      const third = await runPush(Greenhouse.pushProfile, v1Options("amelie", { runtime }));
      expect(third.response?.result).toMatchObject({
        action: "unchanged",
        vendorId: id,
        cv: { status: "already-uploaded" },
      });
      expect(gh.candidates.size).toBe(1);
      // Deleted in Greenhouse afterwards: the next push creates it again (it is no longer "being created").
      gh.candidates.delete(Number(id));
      const fourth = await runPush(Greenhouse.pushProfile, v1Options("amelie", { runtime }));
      expect(fourth.response?.result?.action).toBe("created");
      expect(gh.candidates.size).toBe(1);
    });

    it("plans v1 requests in a dry run with the On-Behalf-Of header and the key masked", async () => {
      const { response } = await runPush(Greenhouse.pushProfile, v1Options("amelie", { dryRun: true }));
      expect(gh.requests).toHaveLength(0);
      const planned = response?.result?.plannedRequests ?? [];
      expect(planned.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
        "GET /v1/candidates",
        "POST /v1/candidates",
      ]);
      expect(planned[1]?.headers).toMatchObject({
        Authorization: "[REDACTED]",
        "On-Behalf-Of": String(ADMIN),
      });
    });
  });

  it("keeps to the window the vendor announces: pauses until X-RateLimit-Reset instead of failing", async () => {
    await start({ v3RateLimit: { limit: 8, windowMs: 30_000 } });
    const { response, error } = await runPush(Greenhouse.pushProfile, options("maximilian"));
    expect(error).toBeUndefined();
    expect(response?.status_code).toBe(201);
    expect(gh.requests.length).toBeGreaterThan(16);
    // Three windows' worth of requests: the client waited for the resets (virtual time, no wall time).
    expect(clock.sleeps.filter((ms) => ms >= 1000).length).toBeGreaterThanOrEqual(2);
    only();
  });

  it("budgets requests per credential: v3 from the vendor's headers (30-second window), 50 per 10 s for v1", () => {
    const { rateLimit } = Greenhouse.definition;
    const policy = (auth: Parameters<typeof Greenhouse.pushProfile>[0]["auth"]) =>
      typeof rateLimit === "function" ? rateLimit(auth) : rateLimit;
    expect(policy(v3Auth())).toEqual({ perMs: 30_000, concurrency: 4 });
    expect(policy(new AuthorizationAuth({ value: "Bearer x-token" }))).toMatchObject({ perMs: 30_000 });
    expect(policy(new XAPIKeyAuth({ value: API_KEY }))).toMatchObject({ requests: 50, perMs: 10_000 });
    expect(policy(new AuthorizationAuth({ value: basicOf(API_KEY) }))).toMatchObject({ perMs: 10_000 });
  });

  describe("auth.fromEnv", () => {
    const fromEnv = (env: Record<string, string>) =>
      Greenhouse.definition.auth.fromEnv(env, { baseUrl: "https://x.example" });

    it("builds v3 client credentials (with sub and token URL), a pre-minted token, or a legacy v1 key", () => {
      const cc = fromEnv({
        GREENHOUSE_CLIENT_ID: "id-1234",
        GREENHOUSE_CLIENT_SECRET: "secret-1234",
        GREENHOUSE_SUB: "4080",
        GREENHOUSE_TOKEN_URL: "http://127.0.0.1:1/token",
        GREENHOUSE_API_KEY: "ignored-key",
      });
      expect(cc).toBeInstanceOf(OAuth2ClientCredentials);
      expect(cc).toMatchObject({ sub: "4080", tokenUrl: "http://127.0.0.1:1/token" });
      expect(fromEnv({ GREENHOUSE_ACCESS_TOKEN: "token-1234" })).toBeInstanceOf(OAuth2ClientCredentials);
      expect(fromEnv({ GREENHOUSE_API_KEY: "key-1234" })).toBeInstanceOf(XAPIKeyAuth);
    });

    it("names what is missing", () => {
      expect(() => fromEnv({})).toThrow(/GREENHOUSE_CLIENT_ID.*GREENHOUSE_API_KEY/s);
      expect(() => fromEnv({ GREENHOUSE_CLIENT_ID: "id-1234" })).toThrow(/GREENHOUSE_CLIENT_SECRET/);
      expect(() =>
        fromEnv({
          GREENHOUSE_CLIENT_ID: "id-1234",
          GREENHOUSE_CLIENT_SECRET: "s-1234",
          GREENHOUSE_SUB: "admin",
        }),
      ).toThrow(/sub/);
    });

    it("points the sandbox at its token endpoint", () => {
      const sandbox = createGreenhouseSandbox(gh);
      const env = sandbox.env();
      expect(env["GREENHOUSE_TOKEN_URL"]).toBe(`${authFake.url}/token`);
      const auth = fromEnv(env);
      expect(auth).toBeInstanceOf(OAuth2ClientCredentials);
      expect(sandbox.cliFlags()).toEqual([
        "--base-url",
        gh.url,
        "--job-id",
        String(JOB_A),
        "--job-id",
        String(JOB_B),
      ]);
    });
  });
});
