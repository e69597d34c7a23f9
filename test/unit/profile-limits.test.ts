import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MappingError } from "../../src/core/errors.js";
import { Hrflow } from "../../src/hrflow/client.js";
import { DEFAULT_PROFILE_LIMITS, parseHrflowProfile } from "../../src/hrflow/schema.js";
import { HrflowFake } from "../../src/testing/hrflow-fake.js";
import { hrflowKey } from "../../src/testing/profiles.js";
import { collectError } from "../support/leaks.js";

const refused = (fn: () => unknown): MappingError => {
  try {
    fn();
  } catch (error) {
    collectError(error);
    if (error instanceof MappingError) return error;
    throw error;
  }
  throw new Error("expected a MappingError");
};

describe("profile limits", () => {
  it("documents its defaults", () => {
    expect(DEFAULT_PROFILE_LIMITS).toEqual({
      maxExperiences: 100,
      maxEducations: 50,
      maxSkills: 500,
      maxAttachments: 20,
      maxUrls: 50,
      maxListItems: 1000,
      maxTextLength: 100_000,
      maxCvTextLength: 200_000,
      maxDepth: 16,
    });
  });

  it("refuses each list past its bound with a MappingError naming the field and the limit", () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ experiences: Array.from({ length: 101 }, () => ({})) }, "experiences", "maxExperiences"],
      [{ educations: Array.from({ length: 51 }, () => ({})) }, "educations", "maxEducations"],
      [{ skills: Array.from({ length: 501 }, () => ({ name: "x" })) }, "skills", "maxSkills"],
      [{ attachments: Array.from({ length: 21 }, () => ({})) }, "attachments", "maxAttachments"],
      [{ info: { urls: Array.from({ length: 51 }, () => ({})) } }, "info.urls", "maxUrls"],
      [{ tags: Array.from({ length: 1001 }, () => ({})) }, "tags", "maxListItems"],
      [
        { experiences: [{ skills: Array.from({ length: 1001 }, () => ({})) }] },
        "experiences[0].skills",
        "maxListItems",
      ],
    ];
    for (const [profile, field, limit] of cases) {
      const error = refused(() => parseHrflowProfile(profile, { profileKey: "p1" }));
      expect(error.field).toBe(field);
      expect(error.message).toContain(`profileLimits.${limit}`);
      expect(error.message).toContain("profile p1");
    }
  });

  it("refuses text past its bound, naming the field, never quoting it", () => {
    const long = "é".repeat(100_001);
    const error = refused(() => parseHrflowProfile({ experiences: [{ description: long }] }));
    expect(error.field).toBe("experiences[0].description");
    expect(error.message).toContain("100001 characters, more than the 100000");
    expect(error.message).not.toContain("éé");
    expect(() => parseHrflowProfile({ text: "a".repeat(150_000) })).not.toThrow();
    expect(refused(() => parseHrflowProfile({ text: "a".repeat(200_001) })).field).toBe("text");
    // Unknown fields are kept as sent, but bounded like the others.
    expect(refused(() => parseHrflowProfile({ extra: { note: "b".repeat(100_001) } })).field).toBe(
      "extra.note",
    );
  });

  it("refuses deep nesting and objects with too many fields", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 40; i++) deep = { a: deep };
    expect(refused(() => parseHrflowProfile({ metadatas: [{ name: "m", value: deep }] })).message).toContain(
      "profileLimits.maxDepth",
    );
    const wide = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`f${i}`, 1]));
    expect(refused(() => parseHrflowProfile({ info: wide })).field).toBe("info");
  });

  it("takes raised limits", () => {
    const profile = { experiences: Array.from({ length: 150 }, () => ({ title: "Dev" })) };
    expect(parseHrflowProfile(profile, {}, { maxExperiences: 200 }).experiences).toHaveLength(150);
  });

  describe("through the HrFlow client", () => {
    const fake = new HrflowFake();
    beforeAll(async () => {
      await fake.listen();
      fake.addProfile("huge", {
        key: hrflowKey("huge"),
        info: { full_name: "Huge Profile" },
        experiences: Array.from({ length: 250_000 }, () => ({ title: "x" })),
      });
    });
    afterAll(() => fake.close());

    it("refuses a profile with 250,000 experiences before anything is pushed", async () => {
      const client = new Hrflow({ apiSecret: fake.apiSecret, apiUser: fake.apiUser, baseUrl: fake.baseUrl });
      const error = await client
        .getProfile({ sourceKey: "huge", key: hrflowKey("huge") })
        .catch((e: unknown) => e);
      collectError(error);
      expect(error).toBeInstanceOf(MappingError);
      expect(error).toMatchObject({ field: "experiences" });
      expect((error as Error).message).toContain("250000 entries, more than the 100 a push accepts");
      const raised = new Hrflow({
        apiSecret: fake.apiSecret,
        apiUser: fake.apiUser,
        baseUrl: fake.baseUrl,
        profileLimits: { maxExperiences: 300_000 },
      });
      expect(raised.profileLimits.maxExperiences).toBe(300_000);
      const profile = await raised.getProfile({ sourceKey: "huge", key: hrflowKey("huge") });
      expect(profile.experiences).toHaveLength(250_000);
    });
  });
});
