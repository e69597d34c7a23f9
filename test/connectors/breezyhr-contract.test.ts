import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Breezyhr } from "../../src/connectors/breezyhr/index.js";
import { breezyHeadline, mapBreezyCandidate } from "../../src/connectors/breezyhr/mapping.js";
import { OAuth2EmailPasswordBody } from "../../src/core/auth/oauth2.js";
import { MappingError } from "../../src/core/errors.js";
import { createRuntime } from "../../src/core/runtime.js";
import { Hrflow } from "../../src/hrflow/client.js";
import { parseHrflowProfile } from "../../src/hrflow/schema.js";
import { BreezyhrFake } from "../../src/testing/breezyhr-fake.js";
import { HrflowFake } from "../../src/testing/hrflow-fake.js";
import { SAMPLE_SOURCE_KEY, hrflowKey } from "../../src/testing/profiles.js";
import { runPush } from "../support/push.js";

const TODAY = { year: 2026, month: 11, day: 2 };

describe("Breezy HR mapping", () => {
  const map = (info: Record<string, unknown>, rest: Record<string, unknown> = {}) =>
    mapBreezyCandidate(
      parseHrflowProfile({ key: "k", info, ...rest }),
      { origin: "sourced" },
      {
        cv: undefined,
        today: TODAY,
      },
    );

  it("requires a name and names the field", () => {
    let error: unknown;
    try {
      map({ email: "a@b.co", full_name: "  ", first_name: null });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).field).toBe("info.full_name");
  });

  it("builds the name from first and last names when the full name is missing", () => {
    expect(map({ first_name: "Zoë", last_name: "Ångström" }).name).toBe("Zoë Ångström");
  });

  it("sends no headline on create, omits unknown months and the end of a current job", () => {
    const payload = map(
      { full_name: "A B" },
      {
        experiences: [
          { company: "Old", title: "Intern", date_start: "2010", date_end: "2011" },
          { company: "Now", title: "CTO", date_start: "2024-05-01", date_end: "2030-01-01" },
          { company: "Mid", title: "Lead", date_start: "2015-02", date_end: "2023-12" },
        ],
        educations: [{ school: "MIT", title: "PhD", date_start: "2025-09-01", date_end: "2029-06-30" }],
      },
    );
    // `headline` is a field of Breezy's update only; the update uses the current job's title.
    expect(payload).not.toHaveProperty("headline");
    const profile = parseHrflowProfile({
      info: { full_name: "A B" },
      experiences: [
        { company: "Old", title: "Intern", date_start: "2010", date_end: "2011" },
        { company: "Now", title: "CTO", date_start: "2024-05-01", date_end: "2030-01-01" },
      ],
    });
    expect(breezyHeadline(profile, new Date("2026-11-22T00:00:00Z"))).toBe("CTO");
    expect(payload.work_history).toEqual([
      { company_name: "Old", title: "Intern", start_year: 2010, end_year: 2011 },
      { company_name: "Now", title: "CTO", start_year: 2024, start_month: 5 },
      { company_name: "Mid", title: "Lead", start_year: 2015, start_month: 2, end_year: 2023, end_month: 12 },
    ]);
    // An expected graduation year is kept.
    expect(payload.education).toEqual([
      { school_name: "MIT", field_of_study: "PhD", start_year: 2025, end_year: 2029 },
    ]);
  });

  it("keys social profiles by Breezy network, first link of each wins, unknown networks dropped", () => {
    const payload = map({
      full_name: "A B",
      urls: [
        { type: "linkedin", url: "www.linkedin.com/in/a" },
        { type: "linkedin", url: "https://linkedin.com/in/other" },
        { type: "xing", url: "https://www.xing.com/profile/a" },
        { type: "website", url: "a.example.org" },
        { type: "behance", url: "behance.net/a" },
        { type: "viadeo", url: "https://viadeo.com/a" },
      ],
    });
    expect(payload.social_profiles).toEqual({
      linkedin: "https://www.linkedin.com/in/a",
      globe: "https://a.example.org/",
      behance: "https://behance.net/a",
    });
  });
});

describe("Breezy HR fake contract", () => {
  let bz: BreezyhrFake;
  let token: string;
  beforeEach(async () => {
    bz = new BreezyhrFake({ invalidTokenStatus: 401 });
    await bz.listen();
    const signIn = await fetch(`${bz.url}/signin`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: bz.email, password: bz.password }),
    });
    token = ((await signIn.json()) as { access_token: string }).access_token;
  });
  afterEach(() => bz.close());

  const company = () => bz.companies[0]?._id ?? "";
  const position = () => bz.positions[0]?._id ?? "";
  const call = async (method: string, path: string, body?: unknown, auth: string | null = token) => {
    const headers: Record<string, string> = {};
    if (auth !== null) headers["authorization"] = auth;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${bz.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const create = (body: unknown) =>
    call("POST", `/company/${company()}/position/${position()}/candidates`, body);

  it("answers Breezy's sign-in and token errors", async () => {
    expect(await call("POST", "/signin", { email: bz.email }, null)).toMatchObject({
      status: 400,
      body: { error: { type: "signinPasswordError" } },
    });
    expect(await call("POST", "/signin", { email: bz.email, password: "nope" }, null)).toMatchObject({
      status: 401,
      body: { error: { type: "signinFailure" } },
    });
    expect(await call("GET", "/companies", undefined, null)).toMatchObject({
      status: 400,
      body: { error: { type: "missingAccessToken" } },
    });
    expect(await call("GET", "/companies", undefined, `Bearer ${token}`)).toMatchObject({
      status: 401,
      body: { error: { type: "invalidAccessToken" } },
    });
    expect((await call("GET", "/companies")).status).toBe(200);
    bz.expireTokens();
    expect((await call("GET", "/companies")).status).toBe(401);
  });

  it("refuses what Breezy refuses in a create body", async () => {
    expect(await create({ email_address: "a@b.co" })).toMatchObject({
      status: 400,
      body: { error: { type: "addCandidateMissingName" } },
    });
    const bad = await create({
      name: "A B",
      social_profiles: [{ github: "https://github.com/a" }],
      work_history: [{ title: "Dev", start_year: "2019", start_month: 13 }, { company_name: "Undefined" }],
      education: [{ field_of_study: "CS", start_month: 9, start_year: 2010 }],
      phone_number: "",
      unknown_field: 1,
    });
    expect(bad.status).toBe(400);
    const message = JSON.stringify(bad.body);
    for (const problem of [
      "social_profiles: must be an object keyed by network",
      "work_history[0].company_name: is required",
      "work_history[0].start_year: must be an integer",
      "work_history[0].start_month: must be <= 12",
      "work_history[1].company_name: is a placeholder",
      "education[0].school_name: is required",
      "education[0].start_month: is not a known field",
      "phone_number: must not be empty",
      "unknown_field: is not a known field",
    ])
      expect(message).toContain(problem);
    expect(
      (await create({ name: "A B", social_profiles: { xing: "https://xing.com/a", github: "github.com/a" } }))
        .body,
    ).toMatchObject({
      error: { message: expect.stringMatching(/social_profiles\.xing.*social_profiles\.github/) },
    });
  });

  it("keeps one candidate per position: 409 on the same position, search across positions", async () => {
    const body = { name: "A B", email_address: "a.b+x@example.com" };
    expect((await create(body)).status).toBe(200);
    expect(await create({ ...body, email_address: "A.B+X@example.com" })).toMatchObject({ status: 409 });
    const other = bz.positions[1]?._id ?? "";
    expect((await call("POST", `/company/${company()}/position/${other}/candidates`, body)).status).toBe(200);
    const hits = await call(
      "GET",
      `/company/${company()}/candidates/search?email_address=${encodeURIComponent("a.b+x@example.com")}`,
    );
    expect(hits.body).toHaveLength(2);
    // A raw `+` reads as a space: no match, like on Breezy.
    const raw = await call("GET", `/company/${company()}/candidates/search?email_address=a.b+x@example.com`);
    expect(raw.body).toEqual([]);
  });

  it("counts requests per token and answers 429 beyond the limit", async () => {
    const small = new BreezyhrFake({ requestsPerMinute: 2 });
    await small.listen();
    try {
      const headers = { authorization: small.accessToken };
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) {
        last = await fetch(`${small.url}/companies`, { headers });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(last?.headers.get("x-ratelimit-limit")).toBe("2");
      expect(last?.headers.get("x-ratelimit-remaining")).toBe("0");
    } finally {
      await small.close();
    }
  });

  it("accepts the resume as part `file` or `data` and answers 204", async () => {
    const created = await create({ name: "A B" });
    const id = (created.body as { _id: string })._id;
    const form = new FormData();
    form.append("data", new Blob([new Uint8Array([37, 80, 68, 70])], { type: "application/pdf" }), "cv.pdf");
    const response = await fetch(
      `${bz.url}/company/${company()}/position/${position()}/candidate/${id}/resume`,
      {
        method: "POST",
        headers: { authorization: token },
        body: form,
      },
    );
    expect(response.status).toBe(204);
    expect(bz.candidates.get(id)?.resume).toMatchObject({
      fileName: "cv.pdf",
      contentType: "application/pdf",
      field: "data",
    });
  });
});

describe("Breezy HR push edge cases", () => {
  const hrflow = new HrflowFake();
  let bz: BreezyhrFake;
  beforeEach(async () => {
    await hrflow.listen();
    hrflow.seedSamples();
    bz = new BreezyhrFake();
    await bz.listen();
  });
  afterEach(async () => {
    await bz.close();
    await hrflow.close();
  });
  const options = (name: string, extra: Record<string, unknown> = {}) => ({
    hrflowClient: new Hrflow({
      apiSecret: hrflow.apiSecret,
      apiUser: hrflow.apiUser,
      baseUrl: hrflow.baseUrl,
    }),
    auth: new OAuth2EmailPasswordBody({
      accessTokenUrl: `${bz.url}/signin`,
      email: bz.email,
      password: bz.password,
    }),
    profile: { key: hrflowKey(name), source: { key: SAMPLE_SOURCE_KEY } },
    baseUrl: bz.url,
    positionId: bz.positions[0]?._id ?? "",
    companyId: bz.companies[0]?._id ?? "",
    runtime: createRuntime(),
    allowInsecureCvUrls: true,
    ...extra,
  });

  it("refuses a format with list-shaped social profiles before any request", async () => {
    const { error } = await runPush(
      Breezyhr.pushProfile,
      options("amelie", {
        format: () => ({ name: "A B", social_profiles: [{ github: "https://github.com/a" }] }),
      }),
    );
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).field).toBe("payload.social_profiles");
    expect(bz.requests).toHaveLength(0);
  });

  it("updates without appending entries when Breezy finds the candidate but will not return it", async () => {
    await runPush(Breezyhr.pushProfile, options("amelie"));
    bz.clearFaults();
    bz.fail({
      method: "GET",
      path: /\/candidate\/[^/]+$/,
      status: 404,
      body: { error: { type: "candidateNotFound" } },
    });
    const { response } = await runPush(Breezyhr.pushProfile, options("amelie", { runtime: createRuntime() }));
    expect(response?.result?.action).toBe("updated");
    expect(response?.result?.warnings.join(" ")).toContain("not compared");
    expect(bz.candidates.size).toBe(1);
    expect([...bz.candidates.values()][0]?.workHistory).toHaveLength(2);
    expect(bz.requests.filter((r) => r.method === "POST" && r.path.endsWith("/candidates"))).toHaveLength(0);
  });
});
