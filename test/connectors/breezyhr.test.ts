import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Breezyhr } from "../../src/connectors/breezyhr/index.js";
import { BreezyCandidateInputSchema } from "../../src/connectors/breezyhr/schema.js";
import { OAuth2EmailPasswordBody } from "../../src/core/auth/oauth2.js";
import { AuthorizationAuth } from "../../src/core/auth/static.js";
import { AuthError, ConfigError, MappingError } from "../../src/core/errors.js";
import { createRuntime } from "../../src/core/runtime.js";
import { Hrflow } from "../../src/hrflow/client.js";
import { BreezyhrFake, createBreezyhrSandbox } from "../../src/testing/breezyhr-fake.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { HrflowFake } from "../../src/testing/hrflow-fake.js";
import { SAMPLE_SOURCE_KEY, hrflowKey, sampleProfiles } from "../../src/testing/profiles.js";
import { registerSecret } from "../support/leaks.js";
import { runPush } from "../support/push.js";

const COMPANY = "Sandbox Robotics";
const POSITION = "a1b2c3d4e5f6";
const OTHER_POSITION = "b2c3d4e5f6a1";
const FORM_POSITION = "c3d4e5f6a1b2";

describe("Breezyhr.pushProfile", () => {
  const hrflow = new HrflowFake();
  let bz: BreezyhrFake;
  let hrflowClient: Hrflow;

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
  beforeEach(async () => {
    bz = new BreezyhrFake();
    await bz.listen();
  });
  afterEach(() => bz.close());

  const signInAuth = (password = bz.password) =>
    new OAuth2EmailPasswordBody({ accessTokenUrl: `${bz.url}/signin`, email: bz.email, password });
  const options = (name: string, extra: Record<string, unknown> = {}) => ({
    hrflowClient,
    auth: signInAuth(),
    profile: { key: hrflowKey(name), source: { key: SAMPLE_SOURCE_KEY } },
    baseUrl: bz.url,
    positionId: POSITION,
    companyName: COMPANY,
    runtime: createRuntime(),
    allowInsecureCvUrls: true,
    ...extra,
  });
  const requests = (method: string, pattern: RegExp) =>
    bz.requests.filter((r) => r.method === method && pattern.test(r.path));
  const only = () => {
    expect(bz.candidates.size).toBe(1);
    const [candidate] = [...bz.candidates.values()];
    if (!candidate) throw new Error("no candidate");
    return candidate;
  };

  it("creates a complete candidate on the position, then uploads its CV", async () => {
    const { response, error, logger } = await runPush(Breezyhr.pushProfile, options("amelie"));
    expect(error).toBeUndefined();
    expect(response?.status_code).toBe(201);
    expect(response?.message).toBe("Profile successfully pushed");
    const candidate = only();
    expect(response?.result).toMatchObject({
      connector: "breezyhr",
      action: "created",
      vendorId: candidate._id,
      cv: { status: "uploaded", fileName: "CV Amélie Poulain.pdf", contentType: "application/pdf" },
    });
    expect(candidate.positionId).toBe(POSITION);
    expect(candidate.fields).toMatchObject({
      name: "Amélie Poulain-Dupré",
      email_address: "amelie.poulain+jobs@example.fr",
      phone_number: "+33 6 12 34 56 78",
      address: "12 Rue des Abbesses, 75018 Paris, Île-de-France, France",
      origin: "sourced",
      source: "Sample CVs",
      tags: ["Python", "SQL", "Communication"],
      social_profiles: {
        linkedin: "https://linkedin.com/in/amelie-poulain",
        github: "http://github.com/amelie-p",
        globe: "https://amelie.dev/",
      },
    });
    expect(candidate.fields["summary"]).toContain("Ingénieure data passionnée & curieuse.");
    expect(candidate.fields["summary"]).not.toMatch(/<|&amp;/);
    expect(candidate.workHistory).toEqual([
      {
        company_name: "Café des 2 Moulins",
        title: "Lead Data Engineer",
        summary: "Built the real-time pipeline.",
        start_year: 2022,
        start_month: 3,
      },
      {
        company_name: "Société Générale",
        title: "Data Analyst",
        summary: "Reporting & dashboards.",
        start_year: 2018,
        start_month: 9,
        end_year: 2022,
        end_month: 2,
      },
    ]);
    expect(candidate.education).toEqual([
      {
        school_name: "École Polytechnique",
        field_of_study: "Master of Science in Data Science",
        start_year: 2016,
        end_year: 2018,
      },
    ]);
    expect(candidate.resume).toMatchObject({
      fileName: "CV Amélie Poulain.pdf",
      contentType: "application/pdf",
      field: "file",
    });
    expect(candidate.resume?.size).toBeGreaterThan(100);
    // One sign-in, the raw token in Authorization, the `+` of the email encoded in the search.
    expect(bz.signIns).toBe(1);
    const search = requests("GET", /\/candidates\/search$/)[0];
    expect(search?.query.get("email_address")).toBe("amelie.poulain+jobs@example.fr");
    expect(search?.headers["authorization"]).toMatch(/^bz-session-sbx-/);
    expect(logger.lines.some((l) => l.level === "warn")).toBe(false);
  });

  it("pushes every sample profile as a valid payload (or names the missing field)", async () => {
    for (const sample of sampleProfiles()) {
      const fake = new BreezyhrFake();
      await fake.listen();
      try {
        const { response, error } = await runPush(Breezyhr.pushProfile, {
          ...options(sample.name),
          auth: new OAuth2EmailPasswordBody({
            accessTokenUrl: `${fake.url}/signin`,
            email: fake.email,
            password: fake.password,
          }),
          baseUrl: fake.url,
        });
        if (error) {
          expect(error, sample.name).toBeInstanceOf(MappingError);
          continue;
        }
        expect(response?.status_code, sample.name).toBe(201);
        const [candidate] = [...fake.candidates.values()];
        expect(fake.candidates.size, sample.name).toBe(1);
        // What Breezy received is a valid create body, without placeholders or empty strings.
        const body = fake.requests.find((r) => r.method === "POST" && r.path.endsWith("/candidates"))?.body;
        expect(BreezyCandidateInputSchema.safeParse(body).error, sample.name).toBeUndefined();
        expect(JSON.stringify(body), sample.name).not.toMatch(/"(Undefined|XXXXX|N\/A)"|""/);
        if (sample.cv) expect(candidate?.resume?.fileName, sample.name).toBeTruthy();
      } finally {
        await fake.close();
      }
    }
  });

  it("carries non-Latin names and skips entries Breezy cannot take, with a warning", async () => {
    const taro = await runPush(Breezyhr.pushProfile, options("taro"));
    expect(taro.error).toBeUndefined();
    const stored = only();
    expect(stored.fields["name"]).toBe("田中 太郎");
    expect(stored.workHistory).toEqual([
      {
        company_name: "株式会社メルカリ",
        title: "バックエンドエンジニア",
        summary: "決済基盤の開発",
        start_year: 2020,
        start_month: 4,
        end_year: 2024,
        end_month: 3,
      },
    ]);
    expect(stored.education).toEqual([
      { school_name: "東京大学", field_of_study: "工学部 情報工学科", start_year: 2014, end_year: 2018 },
    ]);
    expect(stored.resume).toMatchObject({ fileName: "tanaka_cv.doc", contentType: "application/msword" });

    const messy = await runPush(Breezyhr.pushProfile, options("messy"));
    expect(messy.error).toBeUndefined();
    const john = [...bz.candidates.values()].find(
      (c) => c.fields["email_address"] === "john.oreilly@example.com",
    );
    // Impossible dates are left out, an end before the start is dropped; nothing is invented.
    expect(john?.workHistory).toEqual([
      { company_name: "Acme <Corp>" },
      { company_name: "Initech", title: "Engineer", start_year: 2020, start_month: 1 },
    ]);
    expect(john?.education).toEqual([]);
    expect(messy.response?.result?.warnings).toEqual([
      "skills[3].name was cut: it has 300 characters and Breezy HR's tags[1] takes at most 150",
      expect.stringContaining('"Consultant" has no company'),
      expect.stringContaining('"Bootcamp" has no school'),
    ]);
    expect(john?.fields["social_profiles"]).toEqual({ globe: "https://www.oreilly.example.com/" });
  });

  it("creates no second candidate and uploads no second CV on a repeated push", async () => {
    const runtime = createRuntime();
    const auth = signInAuth();
    const first = await runPush(Breezyhr.pushProfile, options("layla", { runtime, auth }));
    expect(first.response?.result?.action).toBe("created");
    const second = await runPush(Breezyhr.pushProfile, options("layla", { runtime, auth }));
    expect(second.response?.status_code).toBe(200);
    expect(second.response?.result).toMatchObject({
      action: "unchanged",
      cv: { status: "already-uploaded" },
    });
    // A fresh ledger (another machine): found by email, nothing changed, the CV recognised.
    const third = await runPush(Breezyhr.pushProfile, options("layla", { runtime: createRuntime(), auth }));
    expect(third.response?.result).toMatchObject({ action: "unchanged", cv: { status: "already-uploaded" } });
    only();
    expect(requests("POST", /\/resume$/)).toHaveLength(1);
    expect(requests("POST", /\/candidates$/)).toHaveLength(1);
    // One PUT: the headline right after the create (Breezy's create takes none); none on repeats.
    expect(requests("PUT", /./).map((r) => r.body)).toEqual([
      { name: "ليلى حداد", headline: expect.any(String) },
    ]);
    // The token is reused across pushes of the same auth, the company id across pushes of a runtime.
    expect(bz.signIns).toBe(1);
    expect(requests("GET", /^\/companies$/)).toHaveLength(2);
  });

  it("finds a candidate without email by name on the position instead of creating it twice", async () => {
    const first = await runPush(Breezyhr.pushProfile, options("sergio"));
    expect(first.response?.result?.action).toBe("created");
    expect(only().fields["email_address"]).toBeUndefined();
    // Year-only dates stay year-only: no invented month.
    expect(only().workHistory).toEqual([
      { company_name: "Telefónica", title: "Técnico de redes", start_year: 2015, end_year: 2019 },
    ]);
    const second = await runPush(Breezyhr.pushProfile, options("sergio", { runtime: createRuntime() }));
    expect(second.response?.result).toMatchObject({ action: "unchanged", cv: { status: "absent" } });
    only();
    expect(requests("GET", /\/candidates\/search$/)).toHaveLength(0);
  });

  it("updates a candidate already on the position and appends only the missing entries", async () => {
    await runPush(Breezyhr.pushProfile, options("amelie"));
    const stored = only();
    // A recruiter edited it in Breezy: one job removed, a tag and a phone changed.
    stored.workHistory.splice(1, 1);
    stored.fields["tags"] = ["Python", "Shortlist"];
    stored.fields["phone_number"] = "+33 1 00 00 00 00";
    bz.clearFaults();

    const { response } = await runPush(Breezyhr.pushProfile, options("amelie", { runtime: createRuntime() }));
    expect(response?.result).toMatchObject({ action: "updated", vendorId: stored._id });
    expect(bz.candidates.size).toBe(1);
    const put = requests("PUT", /\/candidate\/[^/]+$/)[0];
    expect(put?.body).toMatchObject({
      name: "Amélie Poulain-Dupré",
      phone_number: "+33 6 12 34 56 78",
      tags: ["Python", "Shortlist", "SQL", "Communication"],
    });
    expect(put?.body).not.toHaveProperty("work_history");
    expect(requests("PUT", /\/work-history$/).map((r) => r.body)).toEqual([
      {
        company_name: "Société Générale",
        title: "Data Analyst",
        summary: "Reporting & dashboards.",
        start_year: 2018,
        start_month: 9,
        end_year: 2022,
        end_month: 2,
      },
    ]);
    expect(requests("PUT", /\/education$/)).toHaveLength(0);
    expect(stored.workHistory).toHaveLength(2);
    expect(stored.fields["phone_number"]).toBe("+33 6 12 34 56 78");
    expect(response?.result?.cv.status).toBe("already-uploaded");
  });

  it("sends headline on the update only: the create request has none, and Breezy drops it there", async () => {
    const first = await runPush(Breezyhr.pushProfile, options("amelie"));
    const stored = only();
    expect(requests("POST", /\/candidates$/)[0]?.body).not.toHaveProperty("headline");
    // Set by the update that follows the create, reported as its own step.
    expect(requests("PUT", /\/candidate\/[^/]+$/).map((r) => r.body)).toEqual([
      { name: "Amélie Poulain-Dupré", headline: "Lead Data Engineer" },
    ]);
    expect(first.response?.result?.steps.map((step) => step.step)).toEqual(["candidate", "headline", "cv"]);
    expect(stored.fields["headline"]).toBe("Lead Data Engineer");

    // The fake learns Breezy's rule: a headline sent on create is not kept.
    const token = (await await fetch(`${bz.url}/signin`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: bz.email, password: bz.password }),
    }).then((r) => r.json())) as { access_token: string };
    const companyId = [...bz.candidates.values()][0]?.companyId ?? "";
    const created = await fetch(`${bz.url}/company/${companyId}/position/${POSITION}/candidates`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: token.access_token },
      body: JSON.stringify({ name: "Direct Post", headline: "Should vanish" }),
    });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ name: "Direct Post", headline: null });

    // A recruiter cleared it: a repeated push updates the candidate and sets it again through the PUT.
    stored.fields["headline"] = null;
    const { response } = await runPush(Breezyhr.pushProfile, options("amelie", { runtime: createRuntime() }));
    expect(response?.result?.action).toBe("updated");
    expect(requests("PUT", /\/candidate\/[^/]+$/)[1]?.body).toMatchObject({ headline: "Lead Data Engineer" });
    expect(stored.fields["headline"]).toBe("Lead Data Engineer");
  });

  it("says in the warnings when a text is longer than Breezy's field and was cut", async () => {
    const amelie = sampleProfiles().find((s) => s.name === "amelie")?.profile ?? {};
    const info = amelie["info"] as Record<string, unknown>;
    const summary = "Ingénieure data passionnée. ".repeat(800); // about 22,400 characters
    hrflow.addProfile(SAMPLE_SOURCE_KEY, { ...amelie, key: "long-summary", info: { ...info, summary } });
    const { response } = await runPush(Breezyhr.pushProfile, {
      ...options("amelie"),
      profile: { key: "long-summary", source: { key: SAMPLE_SOURCE_KEY } },
    });
    expect(response?.status_code).toBe(201);
    const stored = only();
    expect(String(stored.fields["summary"])).toHaveLength(20_000);
    expect(response?.result?.warnings).toContain(
      `info.summary was cut: it has ${summary.trim().length.toLocaleString("en-US")} characters and Breezy HR's summary takes at most 20,000`,
    );
  });

  it("refuses a format that puts headline in the create payload, before any request", async () => {
    const { error } = await runPush(
      Breezyhr.pushProfile,
      options("amelie", { format: () => ({ name: "A B", headline: "CTO" }) }),
    );
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).message).toContain("headline");
    expect(bz.requests).toHaveLength(0);
  });

  it("creates the candidate on this position when the email is only on another one", async () => {
    await runPush(Breezyhr.pushProfile, options("amelie", { positionId: OTHER_POSITION }));
    const { response } = await runPush(Breezyhr.pushProfile, options("amelie"));
    expect(response?.result?.action).toBe("created");
    expect([...bz.candidates.values()].map((c) => c.positionId).sort()).toEqual(
      [POSITION, OTHER_POSITION].sort(),
    );
    expect(response?.result?.steps.find((s) => s.step === "candidate")?.detail).toContain(
      "also on 1 other position",
    );
  });

  it("treats a 409 on create as 'already there': finds the candidate and updates it", async () => {
    await runPush(Breezyhr.pushProfile, options("layla"));
    bz.clearFaults();
    // The exact search misses once (e.g. an email stored in another case); the create then gets 409.
    bz.fail({ method: "GET", path: /\/candidates\/search$/, status: 200, body: [] });
    const { response, error } = await runPush(
      Breezyhr.pushProfile,
      options("layla", { runtime: createRuntime() }),
    );
    expect(error).toBeUndefined();
    expect(response?.status_code).toBe(200);
    expect(response?.result?.action).toBe("unchanged");
    expect(response?.result?.steps.find((s) => s.step === "candidate")?.detail).toContain("409");
    expect(requests("POST", /\/candidates$/)).toHaveLength(1);
    only();
  });

  it("reports a 202 partialCandidateCreated as partial, records nothing as created, and creates once later", async () => {
    const runtime = createRuntime();
    const first = await runPush(
      Breezyhr.pushProfile,
      options("amelie", { runtime, positionId: FORM_POSITION, origin: "applied" }),
    );
    expect(first.error).toBeUndefined();
    expect(first.response?.status_code).toBe(202);
    expect(first.response?.message).toContain("partialCandidateCreated");
    expect(first.response?.result).toMatchObject({ action: "partial", vendorId: undefined });
    expect(bz.candidates.size).toBe(0);
    expect(bz.partials).toEqual([{ positionId: FORM_POSITION, email: "amelie.poulain+jobs@example.fr" }]);
    const [entry] = await runtime.store.ledger.list();
    expect(entry?.vendorId).toBeUndefined();
    expect(entry?.outcome).toBe("partial");
    expect(entry?.steps["candidate"]?.status).toBe("failed");

    const second = await runPush(
      Breezyhr.pushProfile,
      options("amelie", { runtime, positionId: FORM_POSITION, origin: "applied", coverLetter: "Motivée !" }),
    );
    expect(second.response?.result?.action).toBe("created");
    expect(only().fields).toMatchObject({ origin: "applied", cover_letter: "Motivée !" });
    const third = await runPush(
      Breezyhr.pushProfile,
      options("amelie", { runtime, positionId: FORM_POSITION, origin: "applied", coverLetter: "Motivée !" }),
    );
    expect(third.response?.result?.action).not.toBe("created");
    only();
  });

  it("refuses an applied candidate without email before any Breezy request", async () => {
    const { error } = await runPush(Breezyhr.pushProfile, options("sergio", { origin: "applied" }));
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).field).toBe("info.email");
    expect(bz.requests).toHaveLength(0);
  });

  it("signs in again once when Breezy refuses the token, whether it answers 400 or 401", async () => {
    const auth = signInAuth();
    const runtime = createRuntime();
    await runPush(Breezyhr.pushProfile, options("amelie", { auth, runtime }));
    // The fake refuses the first expired token with 400, the second with 401 (both seen from Breezy).
    for (const name of ["taro", "layla"]) {
      bz.clearFaults();
      bz.expireTokens();
      const { response, error } = await runPush(Breezyhr.pushProfile, options(name, { auth, runtime }));
      expect(error).toBeUndefined();
      expect(response?.result?.action).toBe("created");
      expect(bz.requests.filter((r) => r.path === "/signin")).toHaveLength(1);
    }
    expect(bz.signIns).toBe(3);
    expect(bz.candidates.size).toBe(3);
  });

  it("reports refused credentials as AuthError naming the variables, without the secret", async () => {
    registerSecret("not-the-password-42", "breezy_pat_revoked-0042");
    const wrong = await runPush(
      Breezyhr.pushProfile,
      options("amelie", { auth: signInAuth("not-the-password-42") }),
    );
    expect(wrong.error).toBeInstanceOf(AuthError);
    expect((wrong.error as Error).message).toContain("BREEZYHR_PASSWORD");
    expect((wrong.error as Error).message).toContain("signinFailure");
    expect(JSON.stringify(wrong.error)).not.toContain("not-the-password-42");

    const token = await runPush(
      Breezyhr.pushProfile,
      options("amelie", { auth: new AuthorizationAuth({ value: "breezy_pat_revoked-0042" }) }),
    );
    expect(token.error).toBeInstanceOf(AuthError);
    expect((token.error as Error).message).toContain("BREEZYHR_ACCESS_TOKEN");
    expect(JSON.stringify(token.error)).not.toContain("breezy_pat_revoked-0042");
    expect(bz.candidates.size).toBe(0);
  });

  it("accepts a personal access token, sent raw", async () => {
    const { response } = await runPush(
      Breezyhr.pushProfile,
      options("amelie", { auth: new AuthorizationAuth({ value: bz.accessToken }) }),
    );
    expect(response?.result?.action).toBe("created");
    expect(bz.signIns).toBe(0);
    expect(new Set(bz.requests.map((r) => r.headers["authorization"]))).toEqual(new Set([bz.accessToken]));
    // A `Bearer ` prefix is not what Breezy takes: removed.
    const bearer = await runPush(
      Breezyhr.pushProfile,
      options("taro", { auth: new AuthorizationAuth({ value: `Bearer ${bz.accessToken}` }) }),
    );
    expect(bearer.response?.result?.action).toBe("created");
    expect(new Set(bz.requests.map((r) => r.headers["authorization"]))).toEqual(new Set([bz.accessToken]));
  });

  it("lists the companies found when the company name is unknown", async () => {
    const { error } = await runPush(Breezyhr.pushProfile, options("amelie", { companyName: "Acme" }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { path: "companyName", message: expect.stringContaining('"Sandbox Robotics"') },
    ]);
    expect(bz.requests.map((r) => r.path)).toEqual(["/signin", "/companies"]);
    // A company id skips the lookup.
    const { response } = await runPush(
      Breezyhr.pushProfile,
      options("amelie", { companyName: undefined, companyId: bz.companies[0]?._id }),
    );
    expect(response?.result?.action).toBe("created");
    expect(requests("GET", /^\/companies$/)).toHaveLength(1);
  });

  it("lists every bad option at once", async () => {
    const { error } = await runPush(Breezyhr.pushProfile, {
      ...options("amelie"),
      positionId: "",
      companyName: undefined,
      ...({ origin: "referral", position_id: "typo" } as object),
    });
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(["companyName", "origin", "positionId", "position_id"]);
    expect((error as Error).message).toContain('did you mean "positionId"');
    expect(bz.requests).toHaveLength(0);
  });

  it("plans the requests in a dry run and sends nothing", async () => {
    const { response } = await runPush(Breezyhr.pushProfile, options("amelie", { dryRun: true }));
    expect(response?.status_code).toBe(200);
    expect(bz.requests).toHaveLength(0);
    const planned = response?.result?.plannedRequests ?? [];
    const company = encodeURIComponent(`<id of company ${COMPANY}>`);
    expect(planned.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      "GET /companies",
      `GET /company/${company}/candidates/search`,
      `POST /company/${company}/position/${POSITION}/candidates`,
      `PUT /company/${company}/position/${POSITION}/candidate/%3Cnew%20candidate%20id%3E`,
      `POST /company/${company}/position/${POSITION}/candidate/%3Cnew%20candidate%20id%3E/resume`,
    ]);
    expect(planned[3]?.body).toEqual({ name: "Amélie Poulain-Dupré", headline: "Lead Data Engineer" });
    expect(planned[2]?.headers["Authorization"]).toBe("[REDACTED]");
    expect(planned[2]?.body).toMatchObject({ name: "Amélie Poulain-Dupré", origin: "sourced" });
    expect(planned[4]?.body).toEqual({
      file: expect.stringMatching(/^<file CV Amélie Poulain\.pdf, application\/pdf, \d+ bytes>$/),
    });
  });

  it("looks the candidate up after a lost create answer instead of creating it twice", async () => {
    const clock = createVirtualClock();
    bz.fail({ method: "POST", path: /\/position\/[^/]+\/candidates$/, drop: "after" });
    const { response, error } = await runPush(
      Breezyhr.pushProfile,
      options("amelie", { runtime: createRuntime({ clock }) }),
    );
    expect(error).toBeUndefined();
    expect(response?.result?.action).toBe("created");
    expect(response?.result?.steps.find((s) => s.step === "candidate")?.detail).toContain(
      "found by a lookup after the answer was lost",
    );
    expect(only().resume?.fileName).toBe("CV Amélie Poulain.pdf");
    expect(requests("POST", /\/candidates$/)).toHaveLength(1);

    // A 503 that executed nothing: looked up, not found, created after a backoff.
    bz.fail({ method: "POST", path: /\/position\/[^/]+\/candidates$/, status: 503 });
    const taro = await runPush(Breezyhr.pushProfile, options("taro", { runtime: createRuntime({ clock }) }));
    expect(taro.response?.result?.action).toBe("created");
    expect(bz.candidates.size).toBe(2);
  });

  it("reports a failed CV upload and uploads it on the next push", async () => {
    const runtime = createRuntime();
    bz.fail({
      method: "POST",
      path: /\/resume$/,
      status: 500,
      body: { error: { type: "uploadResumeError", message: "boom" } },
    });
    const first = await runPush(Breezyhr.pushProfile, options("layla", { runtime }));
    expect(first.response?.status_code).toBe(202);
    expect(first.response?.result?.cv.status).toBe("failed");
    expect(first.response?.message).toContain("uploadResumeError");
    const second = await runPush(Breezyhr.pushProfile, options("layla", { runtime }));
    expect(second.response?.status_code).toBe(201);
    expect(second.response?.result?.cv).toMatchObject({
      status: "uploaded",
      fileName: "Layla Haddad - CV.pdf",
    });
    expect(only().resume?.fileName).toBe("Layla Haddad - CV.pdf");
  });

  it("builds its auth from the environment", () => {
    const { auth } = Breezyhr.definition;
    const pat = auth.fromEnv(
      { BREEZYHR_ACCESS_TOKEN: "breezy_pat_x1" },
      { baseUrl: "https://api.breezy.hr/v3" },
    );
    expect(pat).toBeInstanceOf(AuthorizationAuth);
    const login = auth.fromEnv(
      { BREEZYHR_EMAIL: "a@b.co", BREEZYHR_PASSWORD: "pw-123456" },
      { baseUrl: "http://127.0.0.1:9/breezyhr/" },
    );
    if (!(login instanceof OAuth2EmailPasswordBody)) throw new Error("expected OAuth2EmailPasswordBody");
    expect(login.accessTokenUrl).toBe("http://127.0.0.1:9/breezyhr/signin");
    let missing: unknown;
    try {
      auth.fromEnv({}, { baseUrl: "https://api.breezy.hr/v3" });
    } catch (e) {
      missing = e;
    }
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as ConfigError).issues.map((i) => i.path)).toEqual([
      "BREEZYHR_EMAIL",
      "BREEZYHR_PASSWORD",
    ]);
  });

  it("works from its sandbox entry", async () => {
    const sandbox = createBreezyhrSandbox(bz);
    const env = sandbox.env();
    const fromEnv = Breezyhr.definition.auth.fromEnv(env, { baseUrl: bz.url });
    const { response } = await runPush(Breezyhr.pushProfile, {
      ...options("maximilian"),
      ...sandbox.options(),
      auth: fromEnv,
    });
    expect(response?.result?.action).toBe("created");
    expect(sandbox.candidates()).toEqual([
      expect.objectContaining({ name: "Maximilian Müller-Lüdenscheidt", cv: "lebenslauf.pdf" }),
    ]);
    expect(sandbox.cliFlags()).toEqual([
      "--base-url",
      bz.url,
      "--position-id",
      POSITION,
      "--company-name",
      COMPANY,
    ]);
  });
});
