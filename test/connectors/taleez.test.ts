import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Taleez } from "../../src/connectors/taleez/index.js";
import { XSmartTokenAuth, XTaleezAuth } from "../../src/core/auth/static.js";
import { AuthError, ConfigError, MappingError } from "../../src/core/errors.js";
import { createRuntime } from "../../src/core/runtime.js";
import { Hrflow } from "../../src/hrflow/client.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { HrflowFake } from "../../src/testing/hrflow-fake.js";
import { SAMPLE_SOURCE_KEY, hrflowKey, sampleProfiles } from "../../src/testing/profiles.js";
import { TaleezFake, createTaleezSandbox, type TaleezFakeOptions } from "../../src/testing/taleez-fake.js";
import { registerSecret } from "../support/leaks.js";
import { runPush } from "../support/push.js";

const JOB = 9;
const RECRUITER = 15886;

describe("Taleez.pushProfile", () => {
  const hrflow = new HrflowFake();
  let tz: TaleezFake;
  let hrflowClient: Hrflow;

  beforeAll(async () => {
    await hrflow.listen();
    hrflow.seedSamples();
    // A profile with a city and a country but no coordinates.
    hrflow.addProfile(SAMPLE_SOURCE_KEY, {
      key: hrflowKey("nocoords"),
      source: { key: SAMPLE_SOURCE_KEY },
      text_language: "fr",
      info: {
        first_name: "Zoé",
        last_name: "Lefèvre",
        email: "zoe.lefevre@example.fr",
        location: { text: "Lyon, France", lat: null, lng: null, fields: { city: "Lyon", country: "France" } },
        urls: [
          { type: "facebook", url: "facebook.com/zoe" },
          { type: "website", url: "zoe.example.org" },
          { type: "portfolio", url: "https://zoe-portfolio.example.org" },
          { type: "behance", url: "https://www.behance.net/zoe" },
        ],
      },
    });
    // A national phone number (no country code): readable with the location's country, or not at all.
    for (const [name, country] of [
      ["phone-fr", "France"],
      ["phone-nowhere", null],
    ] as const)
      hrflow.addProfile(SAMPLE_SOURCE_KEY, {
        key: hrflowKey(name),
        source: { key: SAMPLE_SOURCE_KEY },
        info: {
          first_name: "Léa",
          last_name: "Martin",
          email: `${name}@example.fr`,
          phone: "06 11 22 33 44",
          location: { text: null, fields: country ? { country } : null },
        },
      });
    hrflowClient = new Hrflow({
      apiSecret: hrflow.apiSecret,
      apiUser: hrflow.apiUser,
      baseUrl: hrflow.baseUrl,
    });
  });
  afterAll(() => hrflow.close());

  const start = async (fakeOptions: TaleezFakeOptions = {}): Promise<void> => {
    tz = new TaleezFake(fakeOptions);
    await tz.listen();
  };
  beforeEach(() => start());
  afterEach(() => tz.close());

  const options = (name: string, extra: Record<string, unknown> = {}) => ({
    hrflowClient,
    auth: new XTaleezAuth({ value: tz.secret }),
    profile: { key: hrflowKey(name), source: { key: SAMPLE_SOURCE_KEY } },
    baseUrl: `${tz.url}/0`,
    recruiterId: RECRUITER,
    jobId: JOB,
    runtime: createRuntime(),
    allowInsecureCvUrls: true,
    ...extra,
  });
  const only = () => {
    expect(tz.candidates.size).toBe(1);
    const [candidate] = [...tz.candidates.values()];
    if (!candidate) throw new Error("no candidate");
    return candidate;
  };
  const calls = (method: string, path: RegExp) =>
    tz.requests.filter((r) => r.method === method && path.test(r.path));

  it("creates a complete candidate, uploads the CV as the candidate's CV and adds it to the job", async () => {
    const { response, error } = await runPush(Taleez.pushProfile, options("amelie"));
    expect(error).toBeUndefined();
    expect(response?.status_code).toBe(201);
    expect(response?.message).toBe("Profile successfully pushed");
    const candidate = only();
    expect(response?.result).toMatchObject({
      connector: "taleez",
      action: "created",
      vendorId: String(candidate.id),
      cv: { status: "uploaded", fileName: "CV Amélie Poulain.pdf", contentType: "application/pdf" },
    });
    expect(candidate.wrapped).toBe(false);
    expect(candidate.body).toEqual({
      firstName: "Amélie",
      lastName: "Poulain-Dupré",
      mail: "amelie.poulain+jobs@example.fr",
      phone: "+33612345678",
      lang: "FR",
      initialReferrer: "HrFlow",
      recruiterId: RECRUITER,
      social_links: {
        linkedin: "https://linkedin.com/in/amelie-poulain",
        github: "http://github.com/amelie-p",
        website: "https://amelie.dev/",
      },
      location: {
        country: "FR",
        city: "Paris",
        lat: 48.8848,
        lng: 2.3386,
        postalCode: "75018",
        street: "Rue des Abbesses",
        streetNumber: "12",
      },
    });
    expect(candidate.documents).toEqual([
      expect.objectContaining({ name: "CV Amélie Poulain.pdf", contentType: "application/pdf", cv: true }),
    ]);
    expect(candidate.documents[0]?.size).toBeGreaterThan(100);
    expect(candidate.jobs).toEqual([JOB]);
    expect(calls("POST", /\/documents$/)[0]?.query.get("cv")).toBe("true");
    expect(calls("POST", /^\/0\/jobs\/9\/candidates$/)[0]?.body).toEqual({ ids: [candidate.id] });
    expect(response?.result?.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      "candidate:done",
      "cv:done",
      "job:9:done",
    ]);
  });

  it("pushes every sample profile as a valid candidate, even where the location must be complete", async () => {
    await tz.close();
    await start({ requireFullLocation: true });
    const runtime = createRuntime();
    for (const sample of sampleProfiles()) {
      const { response, error } = await runPush(Taleez.pushProfile, options(sample.name, { runtime }));
      expect(error, sample.name).toBeUndefined();
      expect(response?.status_code, sample.name).toBe(201);
    }
    expect(tz.requests.filter((r) => r.method === "POST" && r.path === "/0/candidates")).toHaveLength(6);
    const byMail = (mail: string) => tz.findByMail(mail)[0]?.body;
    expect(byMail("taro.tanaka@example.jp")).toMatchObject({
      firstName: "太郎",
      lastName: "田中",
      lang: "JA",
      location: { country: "JP", city: "渋谷区", lat: 35.6618, lng: 139.704 },
      social_links: { github: "https://github.com/tanaka-taro" },
    });
    expect(byMail("layla.haddad@example.ae")).toMatchObject({
      firstName: "ليلى",
      lang: "EN",
      location: { country: "AE", city: "Dubai" },
      social_links: {
        linkedin: "https://www.linkedin.com/in/layla-haddad/",
        dribble: "https://dribbble.com/layla",
      },
    });
    expect(byMail("max.mueller@example.de")).toMatchObject({
      lang: "DE",
      location: { country: "DE", city: "Berlin", postalCode: "10115" },
      social_links: { website: "https://www.xing.com/profile/Max_Mueller" },
    });
    // Messy: names cleaned, junk links dropped, 0,0 coordinates are no location.
    const messy = byMail("john.oreilly@example.com");
    expect(messy).toMatchObject({
      firstName: "John",
      lastName: "O'Reilly",
      social_links: { website: "https://www.oreilly.example.com/" },
    });
    expect(messy).not.toHaveProperty("location");
    // Sergio: no email, no location, name split from the full name.
    const sergio = [...tz.candidates.values()].find((c) => c.body["firstName"] === "Sergio");
    expect(sergio?.body).toEqual({
      firstName: "Sergio",
      lastName: "Ramírez Núñez",
      // "06 11 22 33 44" without a country cannot be read as an international number: left out.
      lang: "ES",
      initialReferrer: "HrFlow",
      recruiterId: RECRUITER,
    });
    const taro = tz.findByMail("taro.tanaka@example.jp")[0];
    expect(taro?.documents[0]).toMatchObject({ name: "tanaka_cv.doc", contentType: "application/msword" });
    const messyCv = tz.findByMail("john.oreilly@example.com")[0]?.documents[0];
    expect(messyCv?.name).not.toMatch(/[/<>]/);
  });

  it("sends the phone in E.164, read in the profile's country; leaves out what it cannot read, and says so", async () => {
    const fr = await runPush(Taleez.pushProfile, options("phone-fr"));
    expect(fr.error).toBeUndefined();
    expect(tz.findByMail("phone-fr@example.fr")[0]?.body["phone"]).toBe("+33611223344");
    expect(fr.response?.result?.warnings.filter((w) => w.includes("phone"))).toEqual([]);

    const nowhere = await runPush(Taleez.pushProfile, options("phone-nowhere"));
    const stored = tz.findByMail("phone-nowhere@example.fr")[0];
    expect(stored?.body).not.toHaveProperty("phone");
    expect(nowhere.response?.result?.warnings).toEqual([
      expect.stringMatching(/^info\.phone "06 11 22 33 44" was not sent: .*no country.*Taleez ignores/),
    ]);
  });

  it("fake: ignores a phone Taleez cannot read, as Taleez does (no error, no phone)", async () => {
    const create = (mail: string, phone: string) =>
      fetch(`${tz.url}/0/candidates`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-taleez-api-secret": tz.secret },
        body: JSON.stringify({ firstName: "A", lastName: "B", mail, phone }),
      });
    expect((await create("spaced@example.fr", "06 11 22 33 44")).status).toBe(200);
    expect((await create("e164@example.fr", "+33611223344")).status).toBe(200);
    expect((await create("national@example.fr", "0611223344")).status).toBe(200);
    expect(tz.findByMail("spaced@example.fr")[0]).toMatchObject({ ignoredPhone: "06 11 22 33 44" });
    expect(tz.findByMail("spaced@example.fr")[0]?.body).not.toHaveProperty("phone");
    expect(tz.findByMail("e164@example.fr")[0]?.body["phone"]).toBe("+33611223344");
    expect(tz.findByMail("national@example.fr")[0]?.body["phone"]).toBe("0611223344");
  });

  it("refuses a format whose phone Taleez would ignore, before any request", async () => {
    const { error } = await runPush(
      Taleez.pushProfile,
      options("amelie", {
        format: () => ({ firstName: "A", lastName: "B", recruiterId: RECRUITER, phone: "06 11 22 33 44" }),
      }),
    );
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).field).toBe("payload.phone");
    expect(tz.requests).toHaveLength(0);
  });

  it("sends no partial location and says so; maps every kind of link to one slot", async () => {
    const { response, error } = await runPush(Taleez.pushProfile, options("nocoords"));
    expect(error).toBeUndefined();
    const { body } = only();
    expect(body).not.toHaveProperty("location");
    expect(body["social_links"]).toEqual({
      other: "https://facebook.com/zoe",
      website: "https://zoe.example.org/",
      behance: "https://www.behance.net/zoe",
    });
    expect(response?.result?.warnings.join("\n")).toMatch(/location was not sent/);
    expect(response?.result?.cv.status).toBe("absent");
  });

  it("creates no second candidate and uploads no second CV on a repeated push", async () => {
    const runtime = createRuntime();
    const first = await runPush(Taleez.pushProfile, options("layla", { runtime }));
    expect(first.response?.result?.action).toBe("created");
    const second = await runPush(Taleez.pushProfile, options("layla", { runtime }));
    expect(second.response?.status_code).toBe(200);
    expect(second.response?.result).toMatchObject({
      action: "unchanged",
      cv: { status: "already-uploaded" },
    });
    expect(second.response?.result?.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      "candidate:skipped",
      "cv:skipped",
      "job:9:skipped",
    ]);
    // A fresh ledger (another machine): found by mail; Taleez already holds its CV; the job link is sent
    // again (Taleez cannot be asked whether the candidate is in the job, and repeating it is harmless).
    const third = await runPush(Taleez.pushProfile, options("layla", { runtime: createRuntime() }));
    expect(third.response?.result).toMatchObject({
      action: "updated",
      vendorId: first.response?.result?.vendorId,
      cv: { status: "already-uploaded" },
    });
    const candidate = only();
    expect(candidate.documents).toHaveLength(1);
    expect(candidate.jobs).toEqual([JOB]);
    expect(calls("POST", /^\/0\/candidates$/)).toHaveLength(1);
  });

  it("recognises a profile without email through the ledger on a second push", async () => {
    const runtime = createRuntime();
    const first = await runPush(Taleez.pushProfile, options("sergio", { runtime }));
    expect(first.response?.result?.action).toBe("created");
    expect(first.response?.result?.warnings.join("\n")).toMatch(/no email/);
    const second = await runPush(Taleez.pushProfile, options("sergio", { runtime }));
    expect(second.error).toBeUndefined();
    expect(second.response?.result).toMatchObject({
      action: "unchanged",
      vendorId: first.response?.result?.vendorId,
    });
    expect(only().jobs).toEqual([JOB]);
    expect(calls("GET", /^\/0\/candidates\/\d+$/)).toHaveLength(1);
    expect(calls("GET", /^\/0\/candidates$/)).toHaveLength(0);
  });

  it("adds an existing candidate found by mail to a new job and uploads a missing CV", async () => {
    await tz.close();
    await start({ jobs: [9, 12] });
    const runtime = createRuntime();
    await runPush(Taleez.pushProfile, options("maximilian", { runtime, jobId: 12 }));
    const { body } = only();
    // The CV is removed in Taleez; the candidate is pushed to job 9 from another ledger.
    only().documents.length = 0;
    const { response, error } = await runPush(
      Taleez.pushProfile,
      options("maximilian", { runtime: createRuntime() }),
    );
    expect(error).toBeUndefined();
    // Added to the job, the CV uploaded: updated (its fields are left as they are).
    expect(response?.result).toMatchObject({ action: "updated", cv: { status: "uploaded" } });
    const candidate = only();
    expect(candidate.body).toEqual(body);
    expect(candidate.jobs).toEqual([12, 9]);
    expect(candidate.documents.map((d) => d.name)).toEqual(["lebenslauf.pdf"]);
  });

  it("treats a duplicate-mail refusal as 'exists' and looks the candidate up", async () => {
    const runtime = createRuntime();
    await runPush(Taleez.pushProfile, options("amelie", { runtime: createRuntime() }));
    // The lookup misses once (e.g. a search index lagging): the create then meets Taleez's uniqueness.
    tz.clearFaults();
    tz.fail({ method: "GET", path: "/0/candidates", status: 200, body: { list: [], hasMore: false } });
    const { response, error } = await runPush(Taleez.pushProfile, options("amelie", { runtime }));
    expect(error).toBeUndefined();
    // Taleez cannot be asked whether it is in the job: the (repeatable) job link is sent again.
    expect(response?.result).toMatchObject({ action: "updated", cv: { status: "already-uploaded" } });
    expect(tz.requests.filter((r) => r.method === "POST" && r.path === "/0/candidates")).toHaveLength(1);
    expect(only().documents).toHaveLength(1);
    // Another wording: a 400 that names the mail.
    tz.fail({ method: "GET", path: "/0/candidates", status: 200, body: { list: [], hasMore: false } });
    tz.fail({ method: "POST", path: "/0/candidates", status: 400, body: { message: "Mail already used" } });
    const again = await runPush(Taleez.pushProfile, options("amelie", { runtime: createRuntime() }));
    expect(again.error).toBeUndefined();
    expect(again.response?.result?.cv.status).toBe("already-uploaded");
    expect(tz.candidates.size).toBe(1);
  });

  it("finds the candidate after a create whose answer was lost, without creating it twice", async () => {
    const clock = createVirtualClock();
    tz.fail({ method: "POST", path: "/0/candidates", drop: "after" });
    const { response, error } = await runPush(
      Taleez.pushProfile,
      options("taro", { runtime: createRuntime({ clock }) }),
    );
    expect(error).toBeUndefined();
    expect(response?.result?.action).toBe("created");
    expect(response?.result?.steps[0]).toMatchObject({
      detail: "created; found by a lookup after the answer was lost",
    });
    const candidate = only();
    expect(candidate.documents).toHaveLength(1);
    expect(candidate.jobs).toEqual([JOB]);
  });

  it("after a 503 on the create, looks over the settle window before creating again, once", async () => {
    const clock = createVirtualClock();
    tz.fail({ method: "POST", path: "/0/candidates", status: 503 });
    const runtime = createRuntime({ clock, settleWindowMs: 20_000 });
    const startedAt = clock.now();
    const { response, error } = await runPush(Taleez.pushProfile, options("layla", { runtime }));
    expect(error).toBeUndefined();
    expect(response?.result?.action).toBe("created");
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(20_000);
    const calls = tz.requests.map((r) => `${r.method} ${r.path}`).filter((c) => c.endsWith("/0/candidates"));
    expect(calls.slice(0, 3)).toEqual(["GET /0/candidates", "POST /0/candidates", "GET /0/candidates"]);
    expect(calls.filter((c) => c.startsWith("POST"))).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith("GET")).length).toBeGreaterThanOrEqual(4);
    only();
  });

  it("honours 429 on the lookup", async () => {
    const clock = createVirtualClock();
    tz.fail({ method: "GET", path: "/0/candidates", status: 429, headers: { "retry-after": "2" } });
    const { error } = await runPush(
      Taleez.pushProfile,
      options("layla", { runtime: createRuntime({ clock }) }),
    );
    expect(error).toBeUndefined();
    expect(clock.sleeps).toContain(2000);
    only();
  });

  it("reports a failed CV upload as a partial push and uploads it on the next one", async () => {
    const runtime = createRuntime();
    tz.fail({ method: "POST", path: /\/documents$/, status: 500 });
    const first = await runPush(Taleez.pushProfile, options("amelie", { runtime }));
    expect(first.response?.status_code).toBe(202);
    expect(first.response?.result?.cv.status).toBe("failed");
    expect(only().documents).toHaveLength(0);
    expect(only().jobs).toEqual([JOB]);
    const second = await runPush(Taleez.pushProfile, options("amelie", { runtime }));
    expect(second.response?.status_code).toBe(201);
    expect(second.response?.result).toMatchObject({ action: "updated", cv: { status: "uploaded" } });
    expect(only().documents).toHaveLength(1);
  });

  it("names jobId when Taleez does not know the job (a ConfigError, not a replayable failure), and adds it once it exists", async () => {
    const runtime = createRuntime();
    const first = await runPush(Taleez.pushProfile, options("amelie", { runtime, jobId: 404 }));
    expect(first.error).toBeInstanceOf(ConfigError);
    expect((first.error as ConfigError).issues[0]).toMatchObject({ path: "jobId" });
    expect((first.error as ConfigError).message).toMatch(/job 404/);
    const [entry] = await runtime.store.ledger.list();
    expect(entry?.lastError?.kind).toBe("config");
    tz.jobs.add(404);
    const second = await runPush(Taleez.pushProfile, options("amelie", { runtime, jobId: 404 }));
    expect(second.response?.status_code).toBe(201);
    expect(second.response?.result?.action).toBe("updated");
    expect(only().jobs).toEqual([404]);
    expect(only().documents).toHaveLength(1);
  });

  it("counts a 409 on the job association as 'already in the job'", async () => {
    tz.fail({ method: "POST", path: "/0/jobs/9/candidates", status: 409, body: { message: "already" } });
    const { response } = await runPush(Taleez.pushProfile, options("amelie"));
    expect(response?.status_code).toBe(201);
    expect(response?.result?.steps.find((s) => s.step === "job:9")).toMatchObject({ status: "skipped" });
  });

  it("creates the candidate again when the recorded one was deleted in Taleez, and uploads its CV", async () => {
    const runtime = createRuntime();
    const first = await runPush(Taleez.pushProfile, options("amelie", { runtime }));
    tz.candidates.clear();
    const second = await runPush(Taleez.pushProfile, options("amelie", { runtime }));
    expect(second.response?.status_code).toBe(201);
    expect(second.response?.result?.action).toBe("created");
    expect(second.response?.result?.vendorId).not.toBe(first.response?.result?.vendorId);
    expect(second.response?.result?.warnings.join("\n")).toMatch(/no longer exists in Taleez/);
    expect(second.response?.result?.recreated).toBe(first.response?.result?.vendorId);
    expect(second.response?.message).toMatch(/re-created/);
    expect(only().documents).toHaveLength(1);
    expect(only().jobs).toEqual([JOB]);
  });

  it("accepts numeric strings for the ids and skips the job when told to", async () => {
    const { response, error } = await runPush(
      Taleez.pushProfile,
      options("taro", { recruiterId: "15886", jobId: "9", addCandidateToJob: false, unitId: " 3 " }),
    );
    expect(error).toBeUndefined();
    expect(response?.status_code).toBe(201);
    expect(only().body).toMatchObject({ recruiterId: 15886, unitId: 3 });
    expect(only().jobs).toEqual([]);
    expect(calls("POST", /^\/0\/jobs\//)).toHaveLength(0);
  });

  it("creates the candidate only when no job is given", async () => {
    const { response } = await runPush(Taleez.pushProfile, options("taro", { jobId: undefined }));
    expect(response?.status_code).toBe(201);
    expect(response?.result?.steps.map((s) => s.step)).toEqual(["candidate", "cv"]);
  });

  it("refuses a profile without a last name before any Taleez request", async () => {
    const { error } = await runPush(
      Taleez.pushProfile,
      options("amelie", {
        logics: [(p: Record<string, unknown>) => ({ ...p, info: { full_name: "Cher" } })],
      }),
    );
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).field).toBe("info.last_name");
    expect(tz.requests).toHaveLength(0);
  });

  it("refuses a format that produces fields Taleez does not know, naming them", async () => {
    const { error } = await runPush(
      Taleez.pushProfile,
      options("amelie", { format: () => ({ firstName: "A", lastName: "B", email: "a@b.co", number: "1" }) }),
    );
    expect(error).toBeInstanceOf(MappingError);
    expect((error as Error).message).toMatch(/email/);
    expect(tz.requests).toHaveLength(0);
  });

  it("gives a format's candidate the recruiter of the options", async () => {
    const { error } = await runPush(
      Taleez.pushProfile,
      options("amelie", { format: () => ({ firstName: "A", lastName: "B", mail: "a@b.co" }) }),
    );
    expect(error).toBeUndefined();
    expect(only().body).toEqual({ firstName: "A", lastName: "B", mail: "a@b.co", recruiterId: RECRUITER });
  });

  it("reports a refused secret as AuthError naming TALEEZ_API_SECRET, without the secret", async () => {
    registerSecret("wrong-taleez-secret-123");
    const { error } = await runPush(Taleez.pushProfile, {
      ...options("amelie"),
      auth: new XTaleezAuth({ value: "wrong-taleez-secret-123" }),
    });
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain("TALEEZ_API_SECRET");
    expect(JSON.stringify(error)).not.toContain("wrong-taleez-secret-123");
    expect(tz.candidates.size).toBe(0);
  });

  it("lists every bad option at once", async () => {
    const { error } = await runPush(Taleez.pushProfile, {
      ...options("amelie"),
      recruiterId: "MY_RECRUITER_ID",
      jobId: -4,
      ...({
        auth: new XSmartTokenAuth({ value: "not-a-taleez-key" }),
        addCandidateToJob: "yes",
        recruiter_id: 1,
      } as object),
    });
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(["addCandidateToJob", "auth", "jobId", "recruiterId", "recruiter_id"]);
    expect((error as Error).message).toContain('did you mean "recruiterId"');
    expect(tz.requests).toHaveLength(0);
  });

  it("requires recruiterId, and jobId when addCandidateToJob is true", async () => {
    const missing = await runPush(Taleez.pushProfile, {
      ...options("amelie"),
      ...({ recruiterId: undefined } as object),
    });
    expect(missing.error).toBeInstanceOf(ConfigError);
    expect((missing.error as ConfigError).issues).toEqual([{ path: "recruiterId", message: "is required" }]);
    const noJob = await runPush(Taleez.pushProfile, {
      ...options("amelie"),
      jobId: undefined,
      addCandidateToJob: true,
    });
    expect(noJob.error).toBeInstanceOf(ConfigError);
    expect((noJob.error as ConfigError).issues.map((i) => i.path)).toEqual(["addCandidateToJob"]);
  });

  it("plans the requests in a dry run and sends nothing", async () => {
    const { response } = await runPush(Taleez.pushProfile, options("amelie", { dryRun: true }));
    expect(response?.status_code).toBe(200);
    expect(tz.requests).toHaveLength(0);
    const planned = response?.result?.plannedRequests ?? [];
    expect(planned.map((r) => `${r.method} ${new URL(r.url).pathname}${new URL(r.url).search}`)).toEqual([
      "GET /0/candidates?mail=amelie.poulain%2Bjobs%40example.fr&page=0&pageSize=100",
      "POST /0/candidates",
      "POST /0/candidates/%3Cnew%20candidate%20id%3E/documents?cv=true",
      "POST /0/jobs/9/candidates",
    ]);
    expect(planned[1]?.headers["X-taleez-api-secret"]).toBe("[REDACTED]");
    expect(planned[1]?.body).toMatchObject({ firstName: "Amélie", mail: "amelie.poulain+jobs@example.fr" });
    expect(planned[2]?.body).toEqual({
      file: expect.stringMatching(/^<file CV Amélie Poulain\.pdf, application\/pdf, \d+ bytes>$/),
    });
    expect(planned[3]?.body).toEqual({ ids: ["<new candidate id>"] });
  });
});

describe("TaleezFake", () => {
  let tz: TaleezFake;
  beforeEach(async () => {
    tz = new TaleezFake();
    await tz.listen();
  });
  afterEach(() => tz.close());

  const post = (path: string, body: unknown, secret = tz.secret) =>
    fetch(`${tz.url}/0${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-taleez-api-secret": secret },
      body: JSON.stringify(body),
    });

  it("accepts the legacy wrapper, socialLinks and a partial location", async () => {
    const response = await post("/candidates", {
      candidate: {
        firstName: "A",
        lastName: "B",
        socialLinks: { linkedin: "https://linkedin.com/in/ab" },
        location: { city: "Paris", country: "FR" },
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: number };
    expect(tz.candidates.get(body.id)?.wrapped).toBe(true);
  });

  it("refuses unknown keys, placeholders, lower-case codes, string ids and a duplicate mail", async () => {
    const bad = await post("/candidates", {
      firstName: "A",
      lastName: "Undefined",
      email: "a@b.co",
      lang: "fr",
      recruiterId: "15886",
      location: { country: "fr", lat: 0, lng: 0 },
    });
    expect(bad.status).toBe(400);
    const { errors } = (await bad.json()) as { errors: { field: string }[] };
    expect(errors.map((e) => e.field).sort()).toEqual([
      "email",
      "lang",
      "lastName",
      "location.country",
      "location.lat",
      "recruiterId",
    ]);
    expect((await post("/candidates", { firstName: "A", lastName: "B", mail: "a@b.co" })).status).toBe(200);
    const duplicate = await post("/candidates", { firstName: "C", lastName: "D", mail: "A@B.co" });
    expect(duplicate.status).toBe(409);
    expect(((await duplicate.json()) as { message: string }).message).toMatch(/already exists/);
    expect((await post("/candidates", { firstName: "A", lastName: "B" }, "nope")).status).toBe(401);
  });

  it("serves the sandbox options, flags and faults", () => {
    const vendor = createTaleezSandbox(tz);
    expect(vendor.options()).toEqual({ baseUrl: `${tz.url}/0`, recruiterId: RECRUITER, jobId: JOB });
    expect(vendor.cliFlags()).toEqual([
      "--base-url",
      `${tz.url}/0`,
      "--recruiter-id",
      "15886",
      "--job-id",
      "9",
    ]);
    expect(vendor.env()).toEqual({ TALEEZ_API_SECRET: tz.secret });
    expect(vendor.faults.create.path.test("/0/candidates")).toBe(true);
    expect(vendor.faults.cvUpload?.path.test("/0/candidates/10482301/documents")).toBe(true);
  });
});
