import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nextLink } from "../../src/connectors/greenhouse/push.js";
import { Greenhouse } from "../../src/connectors/greenhouse/index.js";
import { createRuntime } from "../../src/core/runtime.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { GreenhouseAuthFake, GreenhouseFake } from "../../src/testing/greenhouse-fake.js";
import { startSandbox, type Sandbox } from "../../src/testing/sandbox.js";
import { hrflowKey } from "../../src/testing/profiles.js";
import { registerSecret } from "../support/leaks.js";
import { runPush } from "../support/push.js";

/** The fakes' own contract: what Greenhouse answers, independently of the connector. */
describe("Greenhouse fakes", () => {
  let clockMs = Date.UTC(2026, 10, 2, 10);
  const auth = new GreenhouseAuthFake({ now: () => clockMs });
  const gh = new GreenhouseFake({ auth, v3RateLimit: { limit: 5, windowMs: 30_000 } });
  let token = "";

  beforeAll(async () => {
    await auth.listen();
    await gh.listen();
  });
  afterAll(async () => {
    registerSecret(...auth.issued.map((t) => t.token));
    await gh.close();
    await auth.close();
  });

  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
  const mint = (form: Record<string, string>, authorization = basic(auth.clientId, auth.clientSecret)) =>
    fetch(auth.tokenUrl, {
      method: "POST",
      headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
  const v3 = (path: string, init: { method?: string; body?: unknown; bearer?: string } = {}) =>
    fetch(`${gh.url}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${init.bearer ?? token}`, "content-type": "application/json" },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });

  beforeEach(async () => {
    clockMs += 60_000; // a fresh rate-limit window for each test
    const response = await mint({ grant_type: "client_credentials", sub: "4080" });
    token = ((await response.json()) as { access_token: string }).access_token;
  });

  it("token endpoint: Basic client auth, form body, the measured error shapes", async () => {
    const ok = await mint({ grant_type: "client_credentials" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    const none = await fetch(auth.tokenUrl, { method: "POST", body: "grant_type=client_credentials" });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ message: "Unauthorized", errorId: expect.any(String) });
    const wrong = await mint({ grant_type: "client_credentials" }, basic(auth.clientId, "nope"));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "invalid_client" });
    expect((await mint({})).status).toBe(400);
    expect((await mint({ grant_type: "password" })).status).toBe(400);
    const badSub = await mint({ grant_type: "client_credentials", sub: "999" });
    expect(badSub.status).toBe(400);
    auth.expiryField = "expires_at";
    expect(await (await mint({ grant_type: "client_credentials" })).json()).toMatchObject({
      expires_at: new Date(clockMs + 3_600_000).toISOString(),
    });
    auth.expiryField = "expires_in";
  });

  it("v3: refuses missing, unknown and expired tokens with 401 and the documented body", async () => {
    for (const bearer of ["", "not-a-token"]) {
      const response = await v3("/v3/candidates", { bearer });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        message: "Unauthorized",
        errors: ["Token could not be decoded. Please ensure your token is from a trusted source."],
      });
    }
    clockMs += 3_600_000;
    expect((await v3("/v3/candidates")).status).toBe(401);
  });

  it("v3: validates the candidate body strictly, with 422 errors keyed by field", async () => {
    const response = await v3("/v3/candidates", {
      method: "POST",
      body: {
        first_name: "A",
        email_addresses: [{ value: "a@b.co", type: "home" }],
        social_media_addresses: [{ value: "https://x.com/a", type: "twitter" }],
        applications: [{ job_id: 4012345 }],
        employments: [],
        application: { job_id: 1 },
      },
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { message: string; errors: Record<string, string>[] };
    expect(body.message).toBe("Unprocessable Content");
    const fields = body.errors.flatMap((e) => Object.keys(e));
    expect(fields).toEqual(
      expect.arrayContaining([
        "last_name",
        "email_addresses[0].type",
        "social_media_addresses[0].type",
        "applications",
        "employments",
        "application.job_id",
      ]),
    );
    expect(gh.candidates.size).toBe(0);
  });

  it("v3: one nested application at create, then one POST per job; attachments take content xor url", async () => {
    const created = await v3("/v3/candidates", {
      method: "POST",
      body: {
        first_name: "Ada",
        last_name: "Lovelace",
        email_addresses: [{ value: "ada@example.com", type: "personal" }],
        application: { job_id: 4012345 },
      },
    });
    expect(created.status).toBe(201);
    const { candidate, application } = (await created.json()) as {
      candidate: { id: number };
      application: { id: number; job_id: number };
    };
    expect(application.job_id).toBe(4012345);
    const again = await v3("/v3/applications", {
      method: "POST",
      body: { candidate_id: candidate.id, job_id: 4012345 },
    });
    expect(again.status).toBe(422);
    const extra = await v3("/v3/applications", {
      method: "POST",
      body: { candidate_id: candidate.id, job_id: 4012346, note: "x" },
    });
    expect(extra.status).toBe(422);
    const both = await v3("/v3/attachments", {
      method: "POST",
      body: {
        application_id: application.id,
        filename: "cv.pdf",
        type: "resume",
        content: "JVBERg==",
        url: "https://x.example/cv.pdf",
      },
    });
    expect(both.status).toBe(422);
    const noExt = await v3("/v3/attachments", {
      method: "POST",
      body: { application_id: application.id, filename: "cv", type: "resume", content: "JVBERg==" },
    });
    expect(noExt.status).toBe(422);
    clockMs += 60_000; // a new window (this fake allows 5 requests per 30 s)
    const ok = await v3("/v3/attachments", {
      method: "POST",
      body: { application_id: application.id, filename: "cv.pdf", type: "resume", content: "JVBERg==" },
    });
    expect(ok.status).toBe(201);
    expect(gh.attachmentsOf(candidate.id)[0]).toMatchObject({
      filename: "cv.pdf",
      contentType: "application/pdf",
    });
    expect(Buffer.from(gh.attachmentsOf(candidate.id)[0]?.bytes ?? []).toString()).toBe("%PDF");
    // Lists: bare arrays; a cursor must travel alone.
    const list = await v3(`/v3/applications?candidate_ids=${candidate.id}&per_page=1`);
    expect(Array.isArray(await list.json())).toBe(true);
    expect((await v3("/v3/candidates?per_page=600")).status).toBe(422);
  });

  it("v3: cursor pagination with Link rel=next, the cursor alone in the query", async () => {
    for (let i = 0; i < 3; i++)
      gh.addCandidate({
        first_name: "P",
        last_name: `${i}`,
        email_addresses: [{ value: "page@example.com", type: "work" }],
      });
    const first = await v3("/v3/candidates?email=page@example.com&per_page=2");
    expect(((await first.json()) as unknown[]).length).toBe(2);
    const next = nextLink(first.headers.get("link"));
    expect(next).toMatch(/\?cursor=[\w-]+$/);
    const mixed = await v3(`${new URL(next ?? "").pathname}${new URL(next ?? "").search}&per_page=2`);
    expect(mixed.status).toBe(422);
    expect(await mixed.json()).toMatchObject({
      errors: ["When passing a cursor, do not include other query params."],
    });
    const second = await v3(`${new URL(next ?? "").pathname}${new URL(next ?? "").search}`);
    expect(((await second.json()) as unknown[]).length).toBe(1);
    expect(second.headers.get("link")).toBeNull();
  });

  it("v3: rate-limit headers on every answer, 429 with Retry-After over the 30-second window", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await v3("/v3/candidates?email=nobody@example.com");
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last?.headers.get("x-ratelimit-limit")).toBe("5");
    expect(last?.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(last?.headers.get("x-ratelimit-reset"))).toBeGreaterThan(clockMs / 1000);
  });

  it("v1: Basic key: only (not key::), On-Behalf-Of on writes, 422 {message, errors[{message, field}]}", async () => {
    const v1 = (path: string, authorization: string, init: { body?: unknown; onBehalfOf?: string } = {}) =>
      fetch(`${gh.url}${path}`, {
        method: init.body === undefined ? "GET" : "POST",
        headers: {
          authorization,
          "content-type": "application/json",
          ...(init.onBehalfOf ? { "on-behalf-of": init.onBehalfOf } : {}),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
    const key = "gh-apikey-sbx-7b3e";
    const good = `Basic ${Buffer.from(`${key}:`).toString("base64")}`;
    expect((await v1("/v1/candidates", good)).status).toBe(200);
    expect((await v1("/v1/candidates", `Basic ${Buffer.from(`${key}::`).toString("base64")}`)).status).toBe(
      401,
    );
    const body = {
      first_name: "Grace",
      last_name: "Hopper",
      educations: [{ school_name: "Yale" }],
      applications: [
        { job_id: 4012345, attachments: [{ filename: "cv.pdf", type: "resume", content: "JVBERg==" }] },
      ],
    };
    const noOnBehalf = await v1("/v1/candidates", good, { body });
    expect(noOnBehalf.status).toBe(422);
    expect(await noOnBehalf.json()).toMatchObject({ errors: [{ field: "On-Behalf-Of" }] });
    const invalid = await v1("/v1/candidates", good, { body, onBehalfOf: "4080" });
    expect(invalid.status).toBe(422);
    const errors = (await invalid.json()) as { message: string; errors: { field: string }[] };
    expect(errors.message).toBe("Validation error");
    expect(errors.errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(["educations[0].school_name", "applications[0].attachments[0].content_type"]),
    );
    const noApplication = await v1("/v1/candidates", good, {
      body: { first_name: "G", last_name: "H" },
      onBehalfOf: "4080",
    });
    expect(await noApplication.json()).toMatchObject({ errors: [{ field: "applications" }] });
  });
});

describe("Greenhouse in the sandbox", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.close());

  it("pushes through the sandbox's mounted fakes, refreshes expired tokens, and never duplicates", async () => {
    const vendor = sandbox.vendor("greenhouse");
    const clock = createVirtualClock();
    const runtime = createRuntime({ clock });
    const auth = Greenhouse.definition.auth.fromEnv(vendor.env(), { baseUrl: "" });
    const push = () =>
      runPush(Greenhouse.pushProfile, {
        hrflowClient: sandbox.hrflowClient,
        auth,
        profile: { key: hrflowKey("amelie"), source: { key: sandbox.sourceKey } },
        runtime,
        allowInsecureCvUrls: true,
        ...(vendor.options() as { baseUrl: string; jobId: number[] }),
      });
    const first = await push();
    expect(first.error).toBeUndefined();
    expect(first.response?.result?.action).toBe("created");
    vendor.expireTokens?.();
    const second = await push();
    expect(second.error).toBeUndefined();
    expect(second.response?.result?.action).toBe("unchanged");
    const listed = vendor.candidates();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ email: "amelie.poulain+jobs@example.fr", cv: "CV Amélie Poulain.pdf" });
    const fake = vendor.fakes.find((f): f is GreenhouseFake => f instanceof GreenhouseFake);
    registerSecret(...(fake?.authServer.issued.map((t) => t.token) ?? []));
    expect(fake?.authServer.issued).toHaveLength(2);
  });
});
