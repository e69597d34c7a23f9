import { describe, expect, it } from "vitest";
import {
  base64Cores,
  createRedactor,
  redactHeaders,
  redactUrl,
  redactValue,
  REDACTED,
} from "../../src/core/redact.js";
import { findLeaks, registerSecret } from "../support/leaks.js";

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

  it("masks secret headers whatever their value: the generic ones and the credential's own", () => {
    const headers = { Authorization: "Bearer x", "X-SmartToken": "y", Accept: "s3cr3t-key" };
    expect(redactHeaders(headers, redact, ["x-smarttoken"])).toEqual({
      Authorization: REDACTED,
      "X-SmartToken": REDACTED,
      Accept: REDACTED,
    });
    // Core knows no vendor's header: without the credential's names, only the value's content is masked.
    expect(redactHeaders(headers, redact)["X-SmartToken"]).toBe("y");
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

  describe("every encoded form of a secret", () => {
    const secret = "correct horse battery staple";
    const unicode = "mot-de-passe-é-ü-日本";
    registerSecret(secret, unicode, "tok_9f8e7d6c5b4a");
    const r = createRedactor(() => [secret, unicode, "tok_9f8e7d6c5b4a"]);
    const clean = (text: string): void => {
      const out = r(text);
      expect(out).toContain(REDACTED);
      expect(findLeaks([out]), out).toEqual([]);
    };

    it("raw, URL-encoded (either hex case), form-encoded with + or %20, fully escaped", () => {
      clean(`password=${secret}`);
      clean(`password=${encodeURIComponent(secret)}`);
      clean(`password=${new URLSearchParams({ p: secret }).toString().slice(2)}`);
      expect(r("password=correct+horse+battery+staple&x=1")).toBe(`password=${REDACTED}&x=1`);
      expect(r("p=correct%20horse%20battery%20staple")).toBe(`p=${REDACTED}`);
      clean(`p=${encodeURIComponent(unicode).toLowerCase()}`);
      clean(`p=${new URLSearchParams({ p: unicode }).toString().slice(2)}`);
    });

    it("JSON-escaped, with and without \\u escapes", () => {
      clean(JSON.stringify({ note: unicode }));
      const ascii = JSON.stringify(unicode).replace(
        /[\u0080-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
      );
      clean(`{"note":${ascii}}`);
    });

    it("base64 and base64url at every offset, alone and in user:secret or secret: pairs: the whole token goes", () => {
      for (const prefix of ["", "a", "ab", "abc", "user:", "me@example.com:", "x"]) {
        for (const suffix of ["", ":", "!", "-and-more"]) {
          for (const encoding of ["base64", "base64url"] as const) {
            const token = Buffer.from(`${prefix}${secret}${suffix}`).toString(encoding);
            expect(r(`Authorization: Basic ${token} end`)).toBe(`Authorization: Basic ${REDACTED} end`);
          }
        }
      }
      expect(base64Cores(secret)).toHaveLength(6);
    });

    it("partly masked forms that leave a recognisable head or tail", () => {
      expect(r("hint: correct ho***** (masked)")).toBe(`hint: ${REDACTED} (masked)`);
      expect(r("tail: ****battery staple")).toBe(`tail: ${REDACTED}`);
      expect(r("cut: correct horse…")).toBe(`cut: ${REDACTED}`);
      const basic = Buffer.from(`someone:${secret}`).toString("base64");
      expect(r(`Basic ${basic.slice(0, 10)}********${basic.slice(-20)}`)).toBe(
        `Basic ${basic.slice(0, 10)}********${REDACTED}`,
      );
      expect(r(`Basic ${basic.slice(0, 32)}`)).toBe(`Basic ${REDACTED}`);
    });

    it("leaves ordinary text, short fragments and public prefixes alone", () => {
      const text =
        "Amélie's password was refused (correct? no). Token format: tok_... ***ple https://x.io/a/b Zm9vYmFy";
      expect(r(text)).toBe(text);
    });
  });
});
