import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SmartRecruiters } from "../../src/connectors/smartrecruiters/index.js";
import { createRuntime } from "../../src/core/runtime.js";
import { XSmartTokenAuth } from "../../src/core/auth/static.js";
import { MappingError, AuthError, ConfigError } from "../../src/core/errors.js";
import { Hrflow } from "../../src/hrflow/client.js";
import { HrflowFake } from "../../src/testing/hrflow-fake.js";
import { SR_ATTACHMENTS_DEPRECATION, SmartRecruitersFake } from "../../src/testing/smartrecruiters-fake.js";
import { SAMPLE_SOURCE_KEY, hrflowKey } from "../../src/testing/profiles.js";
import { runPush } from "../support/push.js";

const JOB = "3696cad0-a9b0-4a40-9cd7-4cc5feb1a509";

describe("SmartRecruiters.pushProfile", () => {
  const hrflow = new HrflowFake();
  let sr: SmartRecruitersFake;
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
    sr = new SmartRecruitersFake();
    await sr.listen();
  });
  afterEach(() => sr.close());

  const options = (name: string, extra: Record<string, unknown> = {}) => ({
    hrflowClient,
    auth: new XSmartTokenAuth({ value: sr.token }),
    profile: { key: hrflowKey(name), source: { key: SAMPLE_SOURCE_KEY } },
    baseUrl: sr.url,
    jobId: JOB,
    runtime: createRuntime(),
    allowInsecureCvUrls: true,
    ...extra,
  });

  it("creates a complete candidate on the job with its CV", async () => {
    const { response, error } = await runPush(SmartRecruiters.pushProfile, options("amelie"));
    expect(error).toBeUndefined();
    expect(response?.status_code).toBe(201);
    expect(response?.message).toBe("Profile successfully pushed");
    expect(response?.result).toMatchObject({
      connector: "smartrecruiters",
      action: "created",
      cv: { status: "uploaded", fileName: "CV Amélie Poulain.pdf" },
    });

    const [candidate] = [...sr.candidates.values()];
    expect(sr.candidates.size).toBe(1);
    expect(candidate?.jobs).toEqual([JOB]);
    expect(response?.result?.vendorId).toBe(candidate?.id);
    expect(candidate?.body).toMatchObject({
      firstName: "Amélie",
      lastName: "Poulain-Dupré",
      email: "amelie.poulain+jobs@example.fr",
      phoneNumber: "+33 6 12 34 56 78",
      location: {
        country: "France",
        countryCode: "FR",
        city: "Paris",
        region: "Île-de-France",
        lat: 48.8848,
        lng: 2.3386,
      },
      web: { linkedin: "https://linkedin.com/in/amelie-poulain", website: "http://github.com/amelie-p" },
      tags: ["Python", "SQL", "Communication"],
    });
    expect(candidate?.body["experience"]).toEqual([
      {
        title: "Lead Data Engineer",
        company: "Café des 2 Moulins",
        current: true,
        startDate: "2022-03-01",
        location: "Paris",
        description: "Built the real-time pipeline.",
      },
      {
        title: "Data Analyst",
        company: "Société Générale",
        current: false,
        startDate: "2018-09-01",
        endDate: "2022-02-28",
        location: "La Défense",
        description: "Reporting & dashboards.",
      },
    ]);
    expect(candidate?.body["education"]).toEqual([
      {
        institution: "École Polytechnique",
        degree: "Master of Science in Data Science",
        current: false,
        startDate: "2016-09-01",
        endDate: "2018-06-30",
        location: "Palaiseau",
      },
    ]);
    expect(candidate?.attachments).toEqual([
      expect.objectContaining({
        type: "RESUME",
        name: "CV Amélie Poulain.pdf",
        contentType: "application/pdf",
        // Through the job-scoped upload: the candidate-level one is deprecated.
        jobId: JOB,
      }),
    ]);
    expect(sr.requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual([
      `/jobs/${JOB}/candidates`,
      `/candidates/${candidate?.id ?? ""}/jobs/${JOB}/attachments`,
    ]);
  });

  it("fake: answers the deprecated candidate-level upload with Deprecation and Sunset headers", async () => {
    await runPush(SmartRecruiters.pushProfile, options("amelie"));
    const [candidate] = [...sr.candidates.values()];
    const upload = (path: string) => {
      const form = new FormData();
      form.set("attachmentType", "GENERIC_FILE");
      form.set("file", new Blob(["hello"], { type: "text/plain" }), "note.txt");
      return fetch(`${sr.url}${path}`, { method: "POST", headers: { "x-smarttoken": sr.token }, body: form });
    };
    const old = await upload(`/candidates/${candidate?.id ?? ""}/attachments`);
    expect(old.status).toBe(201);
    expect(old.headers.get("deprecation")).toBe(SR_ATTACHMENTS_DEPRECATION.deprecation);
    expect(old.headers.get("sunset")).toBe(SR_ATTACHMENTS_DEPRECATION.sunset);
    expect(old.headers.get("link")).toContain('rel="successor-version"');
    const current = await upload(`/candidates/${candidate?.id ?? ""}/jobs/${JOB}/attachments`);
    expect(current.status).toBe(201);
    expect(current.headers.get("deprecation")).toBeNull();
    // The job-scoped upload needs a candidate on that job.
    const elsewhere = await upload(`/candidates/${candidate?.id ?? ""}/jobs/another-job/attachments`);
    expect(elsewhere.status).toBe(404);
  });

  it("creates no second candidate and uploads no second CV on a repeated push", async () => {
    const runtime = createRuntime();
    const first = await runPush(SmartRecruiters.pushProfile, options("layla", { runtime }));
    expect(first.response?.result?.action).toBe("created");
    const second = await runPush(SmartRecruiters.pushProfile, options("layla", { runtime }));
    expect(second.response?.status_code).toBe(200);
    expect(second.response?.result).toMatchObject({
      action: "unchanged",
      cv: { status: "already-uploaded" },
    });
    // A fresh ledger (another machine): still found by email, CV recognised among the attachments.
    const third = await runPush(SmartRecruiters.pushProfile, options("layla", { runtime: createRuntime() }));
    expect(third.response?.result).toMatchObject({ action: "unchanged", cv: { status: "already-uploaded" } });
    expect(sr.candidates.size).toBe(1);
    expect([...sr.candidates.values()][0]?.attachments).toHaveLength(1);
  });

  it("refuses a profile without email before any SmartRecruiters request", async () => {
    const { error } = await runPush(SmartRecruiters.pushProfile, options("sergio"));
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).field).toBe("info.email");
    expect((error as Error).message).toContain("smartrecruiters");
    expect(sr.requests).toHaveLength(0);
  });

  it("refuses a format that produces SmartRecruiters-unknown fields, naming the field", async () => {
    const { error } = await runPush(
      SmartRecruiters.pushProfile,
      options("amelie", {
        format: () => ({ firstName: "A", lastName: "B", email: "a@b.co", experiences: [] }),
      }),
    );
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).field).toBe("payload");
    expect((error as Error).message).toContain("experiences");
    expect(sr.requests).toHaveLength(0);
  });

  it("reports a refused token as AuthError naming what to check, without the token", async () => {
    const { error } = await runPush(SmartRecruiters.pushProfile, {
      ...options("amelie"),
      auth: new XSmartTokenAuth({ value: "wrong-token-123" }),
    });
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain("SMARTRECRUITERS_TOKEN");
    expect(JSON.stringify(error)).not.toContain("wrong-token-123");
  });

  it("lists every bad option at once", async () => {
    const { error } = await runPush(SmartRecruiters.pushProfile, {
      ...options("amelie"),
      jobId: "",
      baseUrl: "ftp://x",
      ...({ jobID: "typo" } as object),
    });
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(["baseUrl", "jobID", "jobId"]);
    expect((error as Error).message).toContain('did you mean "jobId"');
  });

  it("plans the requests in a dry run and sends nothing", async () => {
    const { response } = await runPush(SmartRecruiters.pushProfile, options("amelie", { dryRun: true }));
    expect(response?.status_code).toBe(200);
    expect(sr.requests).toHaveLength(0);
    const planned = response?.result?.plannedRequests ?? [];
    expect(planned.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      "GET /candidates",
      `POST /jobs/${JOB}/candidates`,
      `POST /candidates/%3Cnew%20candidate%20id%3E/jobs/${JOB}/attachments`,
    ]);
    expect(planned[1]?.headers["X-SmartToken"]).toBe("[REDACTED]");
    expect(planned[2]?.body).toEqual({
      attachmentType: "RESUME",
      file: expect.stringMatching(/^<file CV Amélie Poulain\.pdf, application\/pdf, \d+ bytes>$/),
    });
  });

  it("keeps one candidate search in flight while pushing many profiles at once", async () => {
    const runtime = createRuntime();
    const names = ["amelie", "taro", "layla", "maximilian", "messy"];
    const runs = await Promise.all(
      names.map((n) => runPush(SmartRecruiters.pushProfile, options(n, { runtime }))),
    );
    expect(runs.map((r) => r.error)).toEqual(names.map(() => undefined));
    expect(sr.candidates.size).toBe(5);
    expect(sr.requests.filter((r) => r.method === "GET" && r.path === "/candidates")).toHaveLength(5);
  });

  it("pushes to the Talent Pool when no job is given", async () => {
    const { response } = await runPush(SmartRecruiters.pushProfile, options("taro", { jobId: undefined }));
    expect(response?.result?.action).toBe("created");
    const [candidate] = [...sr.candidates.values()];
    expect(candidate?.jobs).toEqual([]);
    expect(candidate?.attachments[0]).toMatchObject({
      name: "tanaka_cv.doc",
      contentType: "application/msword",
    });
    // No job to scope it to: the candidate-level upload, the only one there is for the Talent Pool.
    expect(candidate?.attachments[0]).not.toHaveProperty("jobId");
    expect(sr.requests.some((r) => r.path === `/candidates/${candidate?.id ?? ""}/attachments`)).toBe(true);
  });
});
