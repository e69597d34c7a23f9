import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SmartRecruiters } from "../../src/connectors/smartrecruiters/index.js";
import { toWorkflowResponse } from "../../src/connectors/pipeline.js";
import { XSmartTokenAuth } from "../../src/core/auth/static.js";
import { ConfigError, HrflowError, MappingError, RateLimitError } from "../../src/core/errors.js";
import { createRuntime } from "../../src/core/runtime.js";
import type { HrflowProfile } from "../../src/hrflow/schema.js";
import { hrflowKey } from "../../src/testing/profiles.js";
import { startSandbox, type Sandbox } from "../../src/testing/sandbox.js";
import { runPush } from "../support/push.js";

describe("the push-profile pipeline", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.close());

  const options = (extra: Record<string, unknown> = {}) => ({
    hrflowClient: sandbox.hrflowClient,
    auth: new XSmartTokenAuth({ value: "sr-sandbox-token" }),
    profile: { key: hrflowKey("taro"), source: { key: sandbox.sourceKey } },
    runtime: createRuntime(),
    allowInsecureCvUrls: true,
    ...sandbox.vendor("smartrecruiters").options(),
    ...extra,
  });
  const srCreates = () =>
    sandbox.vendor("smartrecruiters").faults.create.fake.requests.filter((r) => r.method === "POST").length;

  it("applies logics in order; a logic returning null discards the profile with 200 and sends nothing", async () => {
    const seen: string[] = [];
    const before = srCreates();
    const { response } = await runPush(
      SmartRecruiters.pushProfile,
      options({
        logics: [
          (p: HrflowProfile) => {
            seen.push(`first:${p.info.last_name ?? ""}`);
            return p;
          },
          "onlyFrench",
        ],
        localScope: { onlyFrench: (p: HrflowProfile) => (p.text_language === "fr" ? p : null) },
      }),
    );
    expect(response).toEqual({
      status_code: 200,
      headers: { "Content-Type": "application/json" },
      message: "Profile discarded by logics",
    });
    expect(seen).toEqual(["first:田中"]);
    expect(srCreates()).toBe(before);
  });

  it("lets a logic change the profile, and re-reads what it returns", async () => {
    const { response } = await runPush(
      SmartRecruiters.pushProfile,
      options({
        profile: { key: hrflowKey("maximilian"), source: { key: sandbox.sourceKey } },
        logics: [(p: HrflowProfile) => ({ ...p, skills: [{ name: "Added by logic" }] })],
        dryRun: true,
      }),
    );
    const create = response?.result?.plannedRequests?.find((r) => r.method === "POST");
    expect(create?.body).toMatchObject({ tags: ["Added by logic"] });
  });

  it("resolves names in localScope then globalScope, never by eval, and reports unknown names before any request", async () => {
    const requests = sandbox.hrflow.requests.length;
    const { error } = await runPush(
      SmartRecruiters.pushProfile,
      options({ logics: ["process.exit"], formatFunctionName: "nope", globalScope: { nope: 42 } }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { path: "logics[0]", message: 'no function named "process.exit" in localScope or globalScope' },
      { path: "formatFunctionName", message: '"nope" is not a function in the scope' },
    ]);
    expect(sandbox.hrflow.requests.length).toBe(requests);
  });

  it("uses a format function found by name, validated before sending", async () => {
    const { response } = await runPush(
      SmartRecruiters.pushProfile,
      options({
        formatFunctionName: "toSr",
        globalScope: {
          toSr: (p: HrflowProfile) => ({
            firstName: p.info.first_name,
            lastName: "Custom",
            email: "custom@example.com",
          }),
        },
        dryRun: true,
      }),
    );
    expect(response?.result?.plannedRequests?.find((r) => r.method === "POST")?.body).toEqual({
      firstName: "太郎",
      lastName: "Custom",
      email: "custom@example.com",
    });
  });

  it("names the payload field a bad format produced", async () => {
    const { error } = await runPush(
      SmartRecruiters.pushProfile,
      options({ format: () => ({ firstName: "", lastName: "x", email: "nope" }) }),
    );
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).field).toBe("payload.firstName");
    expect((error as Error).message).toContain("payload.email");
    expect((error as Error).message).toContain("produced by the format function");
  });

  it("reports a missing profile as HrflowError with the profile key", async () => {
    const { error } = await runPush(
      SmartRecruiters.pushProfile,
      options({ profile: { key: hrflowKey("ghost"), source: { key: sandbox.sourceKey } } }),
    );
    expect(error).toBeInstanceOf(HrflowError);
    expect((error as Error).message).toBe(
      `[smartrecruiters, profile ${hrflowKey("ghost")}] Get profile: HrFlow answered 404 "Unable to find object: profile"`,
    );
  });

  it("checks options at the boundary: types, the auth class, and the profile reference", async () => {
    const { error } = await runPush(SmartRecruiters.pushProfile, {
      ...options(),
      ...({ auth: { value: "not an auth" }, profile: { key: "" }, dryRun: "yes", timeoutMs: -1 } as object),
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual([
      "auth",
      "dryRun",
      "profile",
      "timeoutMs",
    ]);
  });

  it("turns errors into workflow responses with fitting status codes", () => {
    expect(toWorkflowResponse(new MappingError("info.email", "missing")).status_code).toBe(422);
    expect(toWorkflowResponse(new RateLimitError("slow down", { attempts: 3 }))).toMatchObject({
      status_code: 429,
      error: { name: "RateLimitError", attempts: 3 },
    });
    expect(toWorkflowResponse(new TypeError("x"))).toMatchObject({
      status_code: 500,
      message: "Unexpected error",
    });
  });
});
