import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Flatchr } from "../../src/connectors/flatchr/index.js";
import { FlatchrCandidateInputSchema } from "../../src/connectors/flatchr/schema.js";
import { AuthorizationAuth } from "../../src/core/auth/static.js";
import { AuthError, ConfigError, MappingError } from "../../src/core/errors.js";
import { createRuntime } from "../../src/core/runtime.js";
import { Hrflow } from "../../src/hrflow/client.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { sampleDoc, samplePdf } from "../../src/testing/files.js";
import { FlatchrFake } from "../../src/testing/flatchr-fake.js";
import { HrflowFake } from "../../src/testing/hrflow-fake.js";
import { SAMPLE_SOURCE_KEY, hrflowKey, sampleProfiles } from "../../src/testing/profiles.js";
import { registerSecret } from "../support/leaks.js";
import { runPush } from "../support/push.js";

const KEY = "fl-key-sbx-2a9d";
const COMPANY = "LEZBvp5b4LdMoVmg";
const SLUG = "k0m5o9ylkznxbqby-data-engineer-h-f";
const WRONG_KEY = "wrong-flatchr-key-123";
registerSecret(WRONG_KEY);

describe("Flatchr.pushProfile", () => {
  const hrflow = new HrflowFake();
  let flatchr: FlatchrFake;
  let hrflowClient: Hrflow;

  beforeAll(async () => {
    await hrflow.listen();
    hrflow.seedSamples();
    const amelie = sampleProfiles().find((s) => s.name === "amelie");
    if (!amelie) throw new Error("no amelie sample");
    // Amélie without an email (Flatchr does not require one, but then it cannot be searched).
    hrflow.addProfile(
      SAMPLE_SOURCE_KEY,
      {
        ...amelie.profile,
        key: hrflowKey("amelie-no-email"),
        info: { ...(amelie.profile["info"] as object), email: null },
      },
      amelie.cv,
    );
    // A CV whose download fails: sent as a link.
    hrflow.addProfile(SAMPLE_SOURCE_KEY, {
      ...amelie.profile,
      key: hrflowKey("amelie-broken-cv"),
      info: { ...(amelie.profile["info"] as object), email: "amelie.broken@example.fr" },
      attachments: [
        {
          type: "resume",
          file_name: "cv.pdf",
          original_file_name: "cv.pdf",
          public_url: `${hrflow.url}/files/gone`,
        },
      ],
    });
    hrflowClient = new Hrflow({
      apiSecret: hrflow.apiSecret,
      apiUser: hrflow.apiUser,
      baseUrl: hrflow.baseUrl,
    });
  });
  afterAll(() => hrflow.close());
  beforeEach(async () => {
    flatchr = new FlatchrFake();
    await flatchr.listen();
  });
  afterEach(() => flatchr.close());

  const options = (name: string, extra: Record<string, unknown> = {}) => ({
    hrflowClient,
    auth: new AuthorizationAuth({ value: KEY }),
    profile: { key: hrflowKey(name), source: { key: SAMPLE_SOURCE_KEY } },
    baseUrl: flatchr.api.url,
    careersBaseUrl: flatchr.careers.url,
    vacancy: SLUG,
    company: COMPANY,
    runtime: createRuntime(),
    allowInsecureCvUrls: true,
    ...extra,
  });
  const applicants = () => [...flatchr.applicants.values()];
  const creates = () => flatchr.careers.requests.filter((r) => r.path === "/vacancy/candidate/json");

  it("creates a complete applicant through the careers host, with the CV as a base64 document", async () => {
    const { response, error } = await runPush(Flatchr.pushProfile, options("amelie"));
    expect(error).toBeUndefined();
    expect(response?.status_code).toBe(201);
    expect(response?.message).toBe("Profile successfully pushed");

    expect(applicants()).toHaveLength(1);
    const [applicant] = applicants();
    expect(response?.result).toMatchObject({
      connector: "flatchr",
      action: "created",
      // Flatchr's create answers without an id: found by the follow-up search.
      vendorId: applicant?.applicant,
      cv: { status: "inline", fileName: "CV Amélie Poulain.pdf", contentType: "application/pdf" },
    });
    expect(applicant?.vacancy.slug).toBe(SLUG);
    expect(applicant?.body).toEqual({
      vacancy: SLUG,
      firstname: "Amélie",
      lastname: "Poulain-Dupré",
      email: "amelie.poulain+jobs@example.fr",
      // A string in E.164: never the documented integer, which would lose the "+" (docs/vendor-notes.md).
      phone: "+33612345678",
      type: "document",
      resume: { fileName: "CV Amélie Poulain.pdf", contentType: "application/pdf" },
      urls: {
        linkedin: "https://linkedin.com/in/amelie-poulain",
        other: "http://github.com/amelie-p",
      },
      comment: "Ingénieure data passionnée & curieuse.\n\n* Python\n* SQL",
    });
    expect(applicant?.resume).toMatchObject({ kind: "document", bytes: samplePdf("Amelie Poulain") });

    // The key goes as a Bearer header and as `token` in the body; the search runs on the API host.
    const [create] = creates();
    expect(create?.headers["authorization"]).toBe(`Bearer ${KEY}`);
    expect(create?.body).toMatchObject({ token: KEY });
    expect(flatchr.api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /company/${COMPANY}/search/applicants`,
      `POST /company/${COMPANY}/search/applicants`,
    ]);
    expect(flatchr.api.requests[0]?.body).toEqual({ email: "amelie.poulain+jobs@example.fr" });
    expect(flatchr.api.requests[0]?.headers["authorization"]).toBe(`Bearer ${KEY}`);
  });

  it("pushes every sample as a valid payload or fails with a MappingError naming the field", async () => {
    for (const sample of sampleProfiles()) {
      const { response, error } = await runPush(Flatchr.pushProfile, options(sample.name));
      if (sample.name === "sergio") {
        // No CV attachment at all: Flatchr requires one.
        expect(error).toBeInstanceOf(MappingError);
        expect((error as MappingError).field).toBe("attachments");
        continue;
      }
      expect(error, sample.name).toBeUndefined();
      expect(response?.result?.action, sample.name).toBe("created");
    }
    const sent = creates().map((r) => r.body as Record<string, unknown>);
    for (const body of sent) {
      const { token, ...payload } = body;
      expect(token).toBe(KEY);
      expect(FlatchrCandidateInputSchema.safeParse(payload).success).toBe(true);
    }
    expect(applicants().map((a) => `${a.firstname} ${a.lastname}`)).toEqual([
      "Amélie Poulain-Dupré",
      "太郎 田中",
      "ليلى حداد",
      "John O'Reilly",
      "Maximilian Müller-Lüdenscheidt",
    ]);
    const taro = applicants().find((a) => a.lastname === "田中");
    expect(taro?.resume).toEqual({
      kind: "document",
      fileName: "tanaka_cv.doc",
      contentType: "application/msword",
      bytes: sampleDoc(),
    });
    // Messy data: no junk links, no 0,0, a safe file name.
    const messy = applicants().find((a) => a.firstname === "John");
    expect(messy?.body["urls"]).toEqual({ other: "https://www.oreilly.example.com/" });
    expect(messy?.resume).toMatchObject({ kind: "document", contentType: "application/pdf" });
    expect(messy?.resume.kind === "document" && messy.resume.fileName).not.toMatch(/[/<>]/);
  });

  it("creates no second applicant on a repeated push (same ledger, and a fresh one)", async () => {
    const runtime = createRuntime();
    const first = await runPush(Flatchr.pushProfile, options("layla", { runtime }));
    expect(first.response?.result?.action).toBe("created");
    const id = first.response?.result?.vendorId;
    expect(id).toBeDefined();

    const second = await runPush(Flatchr.pushProfile, options("layla", { runtime }));
    expect(second.response?.status_code).toBe(200);
    expect(second.response?.result).toMatchObject({
      action: "unchanged",
      vendorId: id,
      cv: { status: "already-uploaded", fileName: "Layla Haddad - CV.pdf" },
    });

    const third = await runPush(Flatchr.pushProfile, options("layla", { runtime: createRuntime() }));
    expect(third.response?.result).toMatchObject({ action: "unchanged", vendorId: id });
    expect(third.response?.result?.steps.find((s) => s.step === "candidate")?.detail).toContain(
      "no documented update",
    );
    expect(applicants()).toHaveLength(1);
    expect(creates()).toHaveLength(1);
  });

  it("matches the email exactly, although Flatchr's search matches loosely", async () => {
    // Someone else's applicant whose email contains Maximilian's.
    const answer = await fetch(`${flatchr.careers.url}/vacancy/candidate/json`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        vacancy: SLUG,
        firstname: "Maxi",
        lastname: "Mueller",
        email: "ex.max.mueller@example.de",
        token: KEY,
        type: "link",
        resume: "https://cdn.example.com/cv.pdf",
      }),
    });
    expect(answer.status).toBe(200);
    const { response } = await runPush(Flatchr.pushProfile, options("maximilian"));
    expect(response?.result?.action).toBe("created");
    expect(applicants()).toHaveLength(2);
    expect(response?.result?.vendorId).toBe(flatchr.findByEmail("max.mueller@example.de")[0]?.applicant);
  });

  it("leaves an applicant that already exists in Flatchr as is, and says so", async () => {
    await runPush(Flatchr.pushProfile, options("taro"));
    const { response } = await runPush(Flatchr.pushProfile, options("taro"));
    expect(response?.result).toMatchObject({
      action: "unchanged",
      cv: { status: "not-supported" },
    });
    expect(response?.result?.steps.find((s) => s.step === "candidate")?.detail).toContain(
      'on "Data Engineer (H/F)"',
    );
    expect(applicants()).toHaveLength(1);
  });

  it("without an email: creates, warns that Flatchr cannot be searched, and relies on the ledger", async () => {
    const runtime = createRuntime();
    const first = await runPush(Flatchr.pushProfile, options("amelie-no-email", { runtime }));
    expect(first.error).toBeUndefined();
    expect(first.response?.result).toMatchObject({ action: "created", vendorId: undefined });
    expect(first.response?.result?.warnings.join("\n")).toContain("cannot be searched");
    expect(first.response?.result?.steps.find((s) => s.step === "candidate")?.detail).toContain(
      "Flatchr answers without an id",
    );
    expect(flatchr.api.requests).toHaveLength(0);
    expect(applicants()[0]?.email).toBeUndefined();

    const second = await runPush(Flatchr.pushProfile, options("amelie-no-email", { runtime }));
    expect(second.response?.result?.action).toBe("unchanged");
    expect(applicants()).toHaveLength(1);
  });

  it("sends the CV's public URL as a link when its download failed", async () => {
    const { response, error } = await runPush(Flatchr.pushProfile, options("amelie-broken-cv"));
    expect(error).toBeUndefined();
    expect(response?.status_code).toBe(201);
    expect(response?.result?.cv).toMatchObject({ status: "link" });
    expect(response?.result?.warnings.join("\n")).toContain("Flatchr was given its URL");
    expect(applicants()[0]?.resume).toEqual({ kind: "link", url: `${hrflow.url}/files/gone` });
    expect(applicants()[0]?.body["type"]).toBe("link");
  });

  it("never hands Flatchr an internal address as a CV link", async () => {
    hrflow.addProfile(SAMPLE_SOURCE_KEY, {
      ...sampleProfiles().find((p) => p.name === "amelie")?.profile,
      key: hrflowKey("amelie-metadata-cv"),
      attachments: [
        {
          type: "resume",
          file_name: "cv.pdf",
          original_file_name: "cv.pdf",
          public_url: "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        },
      ],
    });
    const { error } = await runPush(
      Flatchr.pushProfile,
      options("amelie-metadata-cv", { allowInsecureCvUrls: false }),
    );
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).field).toBe("attachments");
    expect(creates()).toHaveLength(0);
  });

  it("accepts a key given as 'Bearer <key>' without doubling the scheme", async () => {
    const { error } = await runPush(
      Flatchr.pushProfile,
      options("amelie", { auth: new AuthorizationAuth({ value: `Bearer ${KEY}` }) }),
    );
    expect(error).toBeUndefined();
    expect(creates()[0]?.headers["authorization"]).toBe(`Bearer ${KEY}`);
    expect(creates()[0]?.body).toMatchObject({ token: KEY });
  });

  it("refuses an Authorization value with another scheme before any request", async () => {
    const { error } = await runPush(
      Flatchr.pushProfile,
      options("amelie", { auth: new AuthorizationAuth({ value: `Basic ${WRONG_KEY}` }) }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]?.path).toBe("auth");
    expect(flatchr.api.requests).toHaveLength(0);
    expect(flatchr.careers.requests).toHaveLength(0);
  });

  it("sends no double slash when the hosts are given with trailing slashes", async () => {
    const { error } = await runPush(
      Flatchr.pushProfile,
      options("amelie", { baseUrl: `${flatchr.api.url}/`, careersBaseUrl: `${flatchr.careers.url}//` }),
    );
    expect(error).toBeUndefined();
    const paths = [...flatchr.api.requests, ...flatchr.careers.requests].map((r) => r.path);
    expect(paths.filter((p) => p.includes("//"))).toEqual([]);
    expect(applicants()).toHaveLength(1);
  });

  it("accepts the seed's `compagny` spelling", async () => {
    const { error } = await runPush(
      Flatchr.pushProfile,
      options("amelie", { company: undefined, compagny: COMPANY }),
    );
    expect(error).toBeUndefined();
    expect(applicants()).toHaveLength(1);
  });

  it("plans the requests in a dry run, sends nothing and masks the key in headers and body", async () => {
    const { response } = await runPush(Flatchr.pushProfile, options("amelie", { dryRun: true }));
    expect(response?.status_code).toBe(200);
    expect(flatchr.api.requests).toHaveLength(0);
    expect(flatchr.careers.requests).toHaveLength(0);
    const planned = response?.result?.plannedRequests ?? [];
    expect(planned.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST ${flatchr.api.url}/company/${COMPANY}/search/applicants`,
      `POST ${flatchr.careers.url}/vacancy/candidate/json`,
    ]);
    expect(planned[1]?.headers["Authorization"]).toBe("[REDACTED]");
    expect(planned[1]?.body).toMatchObject({
      token: "[REDACTED]",
      type: "document",
      resume: {
        fileName: "CV Amélie Poulain.pdf",
        contentType: "application/pdf",
        data: expect.stringMatching(/^<base64, \d+ bytes>$/),
      },
    });
    expect(JSON.stringify(response)).not.toContain(KEY);
    expect(response?.result?.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      "candidate:planned",
      "cv:planned",
    ]);
  });

  it("reports a refused key as AuthError naming FLATCHR_API_KEY, without the key", async () => {
    const { error } = await runPush(Flatchr.pushProfile, {
      ...options("amelie"),
      auth: new AuthorizationAuth({ value: WRONG_KEY }),
    });
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain("FLATCHR_API_KEY");
    expect(JSON.stringify(error)).not.toContain(WRONG_KEY);
    expect(applicants()).toHaveLength(0);
  });

  it("refuses the create when the body token is missing or wrong (the fake checks both)", async () => {
    const answer = await fetch(`${flatchr.careers.url}/vacancy/candidate/json`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ vacancy: SLUG, firstname: "A", lastname: "B", type: "link", resume: "x.io/cv" }),
    });
    expect(answer.status).toBe(401);
    expect(applicants()).toHaveLength(0);
  });

  it("lists every bad option at once", async () => {
    const { error } = await runPush(Flatchr.pushProfile, {
      ...options("amelie"),
      vacancy: "",
      company: undefined,
      careersBaseUrl: "ftp://careers",
      ...({ vacancyId: "typo" } as object),
    });
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(["careersBaseUrl", "company", "vacancy", "vacancyId"]);
    expect((error as Error).message).toContain("compagny");
    expect(flatchr.api.requests).toHaveLength(0);
  });

  it("refuses two different company ids", async () => {
    const { error } = await runPush(Flatchr.pushProfile, options("amelie", { compagny: "other" }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(["compagny"]);
  });

  it("names the vacancy when Flatchr does not know it, and creates nothing", async () => {
    const { error } = await runPush(Flatchr.pushProfile, options("amelie", { vacancy: "no-such-job" }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]?.path).toBe("vacancy");
    expect((error as Error).message).toContain('"no-such-job"');
    expect(applicants()).toHaveLength(0);
  });

  it("names the company when Flatchr does not know it", async () => {
    const { error } = await runPush(Flatchr.pushProfile, options("amelie", { company: "NoSuchCompany" }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]?.path).toBe("company");
    expect(creates()).toHaveLength(0);
  });

  it("refuses a format that puts the key or unknown fields in the payload, before any request", async () => {
    const { error } = await runPush(
      Flatchr.pushProfile,
      options("amelie", {
        format: () => ({
          vacancy: SLUG,
          firstname: "A",
          lastname: "B",
          type: "link",
          resume: "https://cdn.example.com/cv.pdf",
          token: "inline-secret",
        }),
      }),
    );
    expect(error).toBeInstanceOf(MappingError);
    expect((error as Error).message).toContain("token");
    expect(flatchr.api.requests).toHaveLength(0);
  });

  it("finds the applicant instead of creating it twice when the create's answer is lost", async () => {
    const clock = createVirtualClock();
    flatchr.careers.fail({ method: "POST", path: "/vacancy/candidate/json", drop: "after" });
    const { response, error } = await runPush(
      Flatchr.pushProfile,
      options("amelie", { runtime: createRuntime({ clock }) }),
    );
    expect(error).toBeUndefined();
    expect(response?.result?.action).toBe("created");
    expect(response?.result?.vendorId).toBe(applicants()[0]?.applicant);
    expect(creates()).toHaveLength(1);
    expect(applicants()).toHaveLength(1);
  });

  it("looks up over the settle window after a 503, then creates again, once", async () => {
    const clock = createVirtualClock();
    flatchr.careers.fail({ method: "POST", path: "/vacancy/candidate/json", status: 503 });
    const startedAt = clock.now();
    const { response, error } = await runPush(
      Flatchr.pushProfile,
      options("amelie", { runtime: createRuntime({ clock }) }),
    );
    expect(error).toBeUndefined();
    expect(response?.result?.action).toBe("created");
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(60_000);
    expect(creates()).toHaveLength(2);
    expect(applicants()).toHaveLength(1);
  });

  it("treats an unreadable 2xx as ambiguous: looked up, created once", async () => {
    const clock = createVirtualClock();
    flatchr.careers.fail({
      method: "POST",
      path: "/vacancy/candidate/json",
      status: 200,
      body: { unexpected: true },
    });
    const { response, error } = await runPush(
      Flatchr.pushProfile,
      options("amelie", { runtime: createRuntime({ clock }) }),
    );
    expect(error).toBeUndefined();
    expect(response?.result?.action).toBe("created");
    expect(creates()).toHaveLength(2);
    expect(applicants()).toHaveLength(1);
  });
});
