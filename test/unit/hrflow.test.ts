import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError, HrflowError } from "../../src/core/errors.js";
import { Hrflow } from "../../src/hrflow/client.js";
import { EventParser, verifyWebhookSignature } from "../../src/hrflow/event-parser.js";
import { HrflowFake } from "../../src/testing/hrflow-fake.js";
import { SAMPLE_SOURCE_KEY, hrflowKey, sampleProfiles } from "../../src/testing/profiles.js";
import { collectError } from "../support/leaks.js";

describe("Hrflow client against the fake HrFlow", () => {
  const fake = new HrflowFake();
  let client: Hrflow;
  beforeAll(async () => {
    await fake.listen();
    fake.seedSamples();
    for (let i = 0; i < 45; i++)
      fake.addProfile("bulk-source", { key: hrflowKey(`bulk-${i}`), info: { full_name: `Person ${i}` } });
    client = new Hrflow({ apiSecret: fake.apiSecret, apiUser: fake.apiUser, baseUrl: fake.baseUrl });
  });
  afterAll(() => fake.close());

  it("gets a profile by key and by reference, with headers and exact query", async () => {
    const byKey = await client.getProfile({ sourceKey: SAMPLE_SOURCE_KEY, key: hrflowKey("amelie") });
    expect(byKey.info.first_name).toBe("Amélie");
    expect(byKey.info.urls).toHaveLength(4);
    expect(byKey.info.location?.fields?.city).toBe("Paris");
    const request = fake.requests.at(-1);
    expect(request?.headers).toMatchObject({ "x-api-key": fake.apiSecret, "x-user-email": fake.apiUser });
    expect(Object.fromEntries(request?.query ?? [])).toEqual({
      source_key: SAMPLE_SOURCE_KEY,
      key: hrflowKey("amelie"),
    });
    const byRef = await client.getProfile({ sourceKey: SAMPLE_SOURCE_KEY, reference: "ref-taro" });
    expect(byRef.key).toBe(hrflowKey("taro"));
  });

  it("raises HrflowError from the envelope code, telling a missing profile", async () => {
    const error = await client
      .getProfile({ sourceKey: SAMPLE_SOURCE_KEY, key: hrflowKey("nobody") })
      .catch((e: unknown) => e);
    collectError(error);
    expect(error).toBeInstanceOf(HrflowError);
    expect(error).toMatchObject({ code: 404, notFound: true });
    expect((error as Error).message).toBe(
      'Get profile: HrFlow answered 404 "Unable to find object: profile"',
    );
    const noSource = await client.getProfile({ sourceKey: "missing", key: "k" }).catch((e: unknown) => e);
    expect(noSource).toMatchObject({ code: 400, notFound: true });
  });

  it("raises AuthError on a wrong secret, without the secret", async () => {
    const bad = new Hrflow({
      apiSecret: "wrong-hrflow-secret",
      apiUser: fake.apiUser,
      baseUrl: fake.baseUrl,
    });
    const error = await bad
      .getProfile({ sourceKey: SAMPLE_SOURCE_KEY, key: hrflowKey("amelie") })
      .catch((e: unknown) => e);
    collectError(error);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain("HRFLOW_API_SECRET");
    expect(JSON.stringify(error)).not.toContain("wrong-hrflow-secret");
  });

  it("pages through a source until maxPage", async () => {
    const seen: string[] = [];
    for await (const profile of client.iterateProfiles({ sourceKeys: ["bulk-source"], limit: 20 }))
      seen.push(profile.info.full_name ?? "");
    expect(seen).toHaveLength(45);
    expect(new Set(seen).size).toBe(45);
    const pages = fake.requests
      .filter((r) => r.path === "/v1/profiles/searching")
      .map((r) => r.query.get("page"));
    expect(pages).toEqual(["1", "2", "3"]);
    expect(fake.requests.at(-1)?.query.get("source_keys")).toBe('["bulk-source"]');
  });

  it("never shows its secret", () => {
    expect(`${String(client)} ${JSON.stringify(client)}`).not.toContain(fake.apiSecret);
  });
});

describe("EventParser", () => {
  it("reads the shapes HrFlow sends and filters by source", () => {
    expect(
      new EventParser({ request: { profile: { key: "k1", source: { key: "s1" } } } }).getProfile(),
    ).toEqual({ key: "k1", source: { key: "s1" } });
    expect(
      new EventParser({
        request: { type: "profile.storing.success", profile: { key: "k1", source_key: "s1" } },
      }).getProfile(["s1"]),
    ).toEqual({
      key: "k1",
      source: { key: "s1" },
    });
    expect(new EventParser({ request: { profile_key: "k2", source_key: "s2" } }).getProfile()).toEqual({
      key: "k2",
      source: { key: "s2" },
    });
    expect(
      new EventParser({ request: { profile: { reference: "r", source: { key: "s" } } } }).getProfile(),
    ).toEqual({ reference: "r", source: { key: "s" } });
    expect(
      new EventParser({ request: { profile: { key: "k1", source: { key: "s1" } } } }).getProfile(["other"]),
    ).toBeUndefined();
    expect(new EventParser({ request: { job: { key: "j" } } }).getProfile()).toBeUndefined();
    expect(new EventParser({ request: "garbage" }).getProfile()).toBeUndefined();
    expect(new EventParser({ request: { type: "profile.parsing.success" } }).eventType).toBe(
      "profile.parsing.success",
    );
  });

  it("verifies both webhook signature variants and refuses a forged one", () => {
    const secret = "whsec-123456";
    const payload = JSON.stringify({
      type: "profile.storing.success",
      profile: { key: "k", source_key: "s" },
    });
    const b64url = (b: Buffer | string) =>
      Buffer.from(b).toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const encodedPayload = b64url(payload);
    const variantA = `${b64url(createHmac("sha256", secret).update(payload).digest("hex"))}.${encodedPayload}`;
    const variantB = `${b64url(createHmac("sha256", secret).update(encodedPayload).digest())}.${encodedPayload}`;
    expect(verifyWebhookSignature(variantA, secret)).toEqual(JSON.parse(payload));
    expect(verifyWebhookSignature(variantB, secret)).toEqual(JSON.parse(payload));
    expect(verifyWebhookSignature(variantA, "other-secret")).toBeUndefined();
    expect(
      verifyWebhookSignature(`${variantA.split(".")[0] ?? ""}.${b64url('{"type":"x"}')}`, secret),
    ).toBeUndefined();
    expect(verifyWebhookSignature("nonsense", secret)).toBeUndefined();
  });

  it("keeps the sample profiles realistic", () => {
    expect(sampleProfiles().map((s) => s.name)).toEqual([
      "amelie",
      "taro",
      "sergio",
      "layla",
      "messy",
      "maximilian",
    ]);
  });
});
