import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OAuth2ClientCredentials, OAuth2EmailPasswordBody } from "../../src/core/auth/oauth2.js";
import { AuthError } from "../../src/core/errors.js";
import { HttpClient } from "../../src/core/http/client.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { capturingLogger, collectError, findLeaks, registerSecret } from "../support/leaks.js";

const CLIENT_ID = "gh-client-id-778899";
const CLIENT_SECRET = "gh-client-secret-XYZ-0123456789";
const PASSWORD = "correct horse battery staple";
registerSecret(CLIENT_ID, CLIENT_SECRET, PASSWORD);

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A vendor (or a proxy in front of it) that refuses every request and echoes it back in the error body,
 * in the forms seen in the wild: headers as received, partly masked, the body form-encoded and base64'd.
 */
function echoingVendor(): Server {
  return createServer((req, res) => {
    void readText(req).then((text) => {
      const authorization = req.headers.authorization ?? "";
      let fields: Record<string, string> = {};
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed !== null && typeof parsed === "object")
          fields = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
      } catch {
        fields = Object.fromEntries(new URLSearchParams(text));
      }
      const formEncoded = new URLSearchParams(fields).toString();
      const basicValue = authorization.replace(/^Basic /, "");
      const echo = [
        `received Authorization: ${authorization}`,
        `masked: Basic ${basicValue.slice(0, 12)}********${basicValue.slice(-20)}`,
        `truncated: Basic ${basicValue.slice(0, Math.floor(basicValue.length * 0.7))}`,
        `body: ${formEncoded}`,
        `body (percent): ${encodeURIComponent(fields["password"] ?? "")}`,
        `body (base64): ${Buffer.from(text).toString("base64")}`,
        `body (base64url, offset): ${Buffer.from(`xx${text}`).toString("base64url")}`,
        `password hint: ${(fields["password"] ?? "").slice(0, 10)}*****`,
        `password tail: ****${(fields["password"] ?? "").slice(-12)}`,
      ].join("\n");
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: "invalid_client",
          message: echo,
          request: { headers: req.headers, body: text },
        }),
      );
    });
  });
}

describe("secrets echoed back by a vendor in an error body", () => {
  const server = echoingVendor();
  let baseUrl = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  /** Every form a user could print the error in, plus the log lines. */
  const printed = (error: unknown, lines: readonly string[]): string[] => {
    collectError(error);
    return error instanceof Error
      ? [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 8 }), ...lines]
      : [inspect(error), ...lines];
  };

  it("Greenhouse: the client secret in a Basic header, raw, partly masked or cut, never comes out", async () => {
    const logger = capturingLogger();
    const auth = new OAuth2ClientCredentials({
      tokenUrl: `${baseUrl}/token`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
    const http = new HttpClient({
      vendor: "Greenhouse",
      baseUrl,
      auth,
      logger,
      clock: createVirtualClock(),
    });
    const error = await http
      .request({ operation: "list candidates", method: "GET", path: "/v3/candidates" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    const texts = printed(
      error,
      logger.lines.map((l) => `${l.message} ${JSON.stringify(l.fields ?? {})}`),
    );
    // The error still says what the vendor said, with the secrets masked.
    expect((error as Error).message).toContain("The token endpoint refused (401");
    expect((error as Error).message).toContain("[REDACTED]");
    const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64");
    for (const text of texts) {
      expect(text).not.toContain(CLIENT_SECRET);
      expect(text).not.toContain(basic.slice(8, 40));
      expect(text).not.toContain(basic.slice(-20));
    }
    expect(findLeaks(texts)).toEqual([]);
  });

  it("Breezy: the password form-encoded (correct+horse+...), percent-encoded, base64'd or partly masked never comes out", async () => {
    const logger = capturingLogger();
    const auth = new OAuth2EmailPasswordBody({
      accessTokenUrl: `${baseUrl}/v3/signin`,
      email: "recruiter@example.com",
      password: PASSWORD,
    });
    const http = new HttpClient({ vendor: "Breezy HR", baseUrl, auth, logger, clock: createVirtualClock() });
    const error = await http
      .request({ operation: "list companies", method: "GET", path: "/v3/companies" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    const texts = printed(
      error,
      logger.lines.map((l) => `${l.message} ${JSON.stringify(l.fields ?? {})}`),
    );
    for (const text of texts) {
      expect(text).not.toContain("correct+horse+battery+staple");
      expect(text).not.toContain("correct%20horse%20battery%20staple");
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain("correct ho*****");
      expect(text).not.toContain("battery staple");
    }
    expect(findLeaks(texts)).toEqual([]);
  });
});
