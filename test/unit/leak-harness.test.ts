import { describe, expect, it } from "vitest";
import { getLoggerWithBasicConfig } from "../../src/core/logger.js";
import { redactingLogger } from "../../src/core/logger.js";
import { createRedactor } from "../../src/core/redact.js";
import { collect, drainCollected, findLeaks, knownSecrets, registerSecret } from "../support/leaks.js";

describe("the secret-leak harness", () => {
  it("finds a registered secret in collected text and names only its first characters", () => {
    registerSecret("harness-probe-secret");
    const leaks = findLeaks(["ok", "Authorization: Bearer harness-probe-secret"]);
    expect(leaks).toEqual([{ secret: "har…", excerpt: "Authorization: Bearer <SECRET>" }]);
    expect(knownSecrets()).toContain("sr-sandbox-token");
  });

  it("sees what a basic logger writes to stderr, and the library's redaction keeps it clean", () => {
    registerSecret("logger-probe-secret");
    drainCollected();
    const logger = redactingLogger(
      getLoggerWithBasicConfig({ level: "info" }),
      createRedactor(() => ["logger-probe-secret"]),
    );
    logger.info("calling with logger-probe-secret", { header: "logger-probe-secret" });
    const written = drainCollected();
    expect(written.join("\n")).toContain("calling with [REDACTED]");
    expect(findLeaks(written)).toEqual([]);
    collect("nothing secret here");
  });

  it("finds a secret in every encoded form, at any base64 offset, and partly masked", () => {
    const secret = "harness probe pässword 42";
    registerSecret(secret);
    const forms = [
      encodeURIComponent(secret),
      encodeURIComponent(secret).toLowerCase(),
      new URLSearchParams({ p: secret }).toString(),
      JSON.stringify({ secret }),
      JSON.stringify(secret).replace(/ä/g, "\\u00e4"),
      ...["", "u", "us", "user:"].flatMap((prefix) => [
        Buffer.from(`${prefix}${secret}`).toString("base64"),
        Buffer.from(`${prefix}${secret}:`).toString("base64url"),
      ]),
      `hint ${secret.slice(0, 12)}****`,
      `tail ****${secret.slice(-12)}`,
      `Basic ${Buffer.from(`someone:${secret}`).toString("base64").slice(0, 36)}`,
    ];
    for (const text of forms) expect(findLeaks([text]), text).toHaveLength(1);
    expect(
      findLeaks(["harness probe", "password", Buffer.from('{"password":"x"}').toString("base64")]),
    ).toEqual([]);
  });
});
