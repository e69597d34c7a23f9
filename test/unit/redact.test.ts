import { describe, expect, it } from "vitest";
import { createRedactor, redactHeaders, redactUrl, redactValue, REDACTED } from "../../src/core/redact.js";

describe("redaction", () => {
  const redact = createRedactor(() => ["s3cr3t-key", "pw-ünïcode", undefined, "ab"]);

  it("masks secrets, their URL-encoded, base64 and Basic forms", () => {
    const basic = Buffer.from("s3cr3t-key:").toString("base64");
    const text = `key=s3cr3t-key url=${encodeURIComponent("pw-ünïcode")} basic=${basic} b64=${Buffer.from("s3cr3t-key").toString("base64")}`;
    const out = redact(text);
    expect(out).not.toContain("s3cr3t-key");
    expect(out).not.toContain(basic);
    expect(out).not.toContain(encodeURIComponent("pw-ünïcode"));
    expect(out.match(/\[REDACTED\]/g)).toHaveLength(4);
  });

  it("leaves short secrets alone rather than garbling text", () => {
    expect(redact("about abc")).toBe("about abc");
  });

  it("masks secret query parameters by name", () => {
    expect(redactUrl("https://x.io/files?token=abc123&page=2", redact)).toBe(
      `https://x.io/files?token=${REDACTED}&page=2`,
    );
    expect(redactUrl("https://user:pass@x.io/p", redact)).toBe("https://x.io/p");
  });

  it("masks secret headers whatever their value", () => {
    expect(
      redactHeaders({ Authorization: "Bearer x", "X-SmartToken": "y", Accept: "s3cr3t-key" }, redact),
    ).toEqual({
      Authorization: REDACTED,
      "X-SmartToken": REDACTED,
      Accept: REDACTED,
    });
  });

  it("masks secret body fields by name, deeply", () => {
    expect(
      redactValue(
        { token: "t0k", nested: [{ client_secret: "c", note: "s3cr3t-key inside" }], password: null },
        redact,
      ),
    ).toEqual({
      token: REDACTED,
      nested: [{ client_secret: REDACTED, note: `${REDACTED} inside` }],
      password: null,
    });
  });
});
