import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OAuth2ClientCredentials,
  OAuth2EmailPasswordBody,
  OAuth2PasswordCredentialsBody,
} from "../../src/core/auth/oauth2.js";
import { AuthorizationAuth, XAPIKeyAuth, XSmartTokenAuth, XTaleezAuth } from "../../src/core/auth/static.js";
import { AuthError, ConfigError } from "../../src/core/errors.js";
import { HttpClient } from "../../src/core/http/client.js";
import { FakeServer } from "../../src/testing/fake-server.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { collect, collectError, registerSecret } from "../support/leaks.js";

registerSecret("p4ssw0rd-secret", "client-secret-xyz", "static-key-123", "tok-1", "tok-2", "jwt-1", "jwt-2");

describe("static auths", () => {
  it("validate their input when constructed, listing every problem", () => {
    expect(() => new XSmartTokenAuth({ value: "" })).toThrow(ConfigError);
    expect(() => new XAPIKeyAuth({ name: "bad name", value: "line\nbreak" })).toThrow(
      /name: must be a valid header name[\s\S]*value: must not contain line breaks/,
    );
  });

  it("set exactly their header", async () => {
    expect(await new XSmartTokenAuth({ value: "static-key-123" }).headers()).toEqual({
      "X-SmartToken": "static-key-123",
    });
    expect(await new XTaleezAuth({ value: "static-key-123" }).headers()).toEqual({
      "X-taleez-api-secret": "static-key-123",
    });
    expect(await new AuthorizationAuth({ value: "Bearer static-key-123" }).headers()).toEqual({
      Authorization: "Bearer static-key-123",
    });
    expect(await new XAPIKeyAuth({ name: "X-Custom", value: "static-key-123" }).headers()).toEqual({
      "X-Custom": "static-key-123",
    });
  });

  it("never show their secret through toString, JSON.stringify or inspect", () => {
    for (const auth of [
      new XSmartTokenAuth({ value: "static-key-123" }),
      new AuthorizationAuth({ value: "static-key-123" }),
      new OAuth2EmailPasswordBody({ email: "a@b.co", password: "p4ssw0rd-secret" }),
      new OAuth2ClientCredentials({ clientId: "client-id-abc", clientSecret: "client-secret-xyz", sub: 42 }),
      new OAuth2PasswordCredentialsBody({
        accessTokenUrl: "https://x.io/t",
        clientId: "c",
        clientSecret: "client-secret-xyz",
        username: "u",
        password: "p4ssw0rd-secret",
      }),
    ]) {
      const shown = [String(auth), JSON.stringify(auth), inspect(auth), inspect({ nested: auth })].join("\n");
      collect(shown);
      expect(shown).toContain("[REDACTED]");
      expect(shown).not.toMatch(/static-key-123|p4ssw0rd-secret|client-secret-xyz|client-id-abc/);
    }
  });
});

describe("token auths against a loopback token endpoint", () => {
  const server = new FakeServer("auth");
  let issued = 0;
  const valid = new Set<string>();
  let tokenBody: Record<string, unknown> = {};
  beforeAll(async () => {
    server.route("POST", "/signin", (req) => {
      const body = req.body as Record<string, unknown>;
      if (body["password"] !== "p4ssw0rd-secret")
        return {
          status: 401,
          body: { error: { type: "signinFailure", message: "email or password incorrect." } },
        };
      issued += 1;
      const token = `tok-${issued}`;
      valid.add(token);
      return { status: 200, body: { access_token: token, user: {} } };
    });
    server.route("POST", "/token", (req) => {
      const expected = `Basic ${Buffer.from("client-id-abc:client-secret-xyz").toString("base64")}`;
      if (req.headers["authorization"] !== expected)
        return { status: 401, body: { error: "invalid_client" } };
      const body = req.body as Record<string, string>;
      if (body["grant_type"] !== "client_credentials")
        return { status: 400, body: { message: "bad grant_type" } };
      issued += 1;
      const token = `jwt-${issued}`;
      valid.add(token);
      return {
        status: 200,
        body: { token_type: "Bearer", access_token: token, ...tokenBody, sub: body["sub"] },
      };
    });
    server.route("GET", "/refused", () => ({ status: 401, body: { message: "Unauthorized" } }));
    server.route("GET", "/protected", (req) => {
      const header = req.headers["authorization"] ?? "";
      const token = header.replace(/^Bearer /, "");
      return valid.has(token)
        ? { status: 200, body: { ok: true, header } }
        : { status: 401, body: { message: "Unauthorized" } };
    });
    await server.listen();
  });
  afterAll(() => server.close());

  const client = (auth: ConstructorParameters<typeof HttpClient>[0]["auth"], clock = createVirtualClock()) =>
    new HttpClient({ vendor: "Test", baseUrl: server.url, auth, clock, authHint: "Check TEST_PASSWORD" });

  it("signs in once, reuses the token, and signs in again once when it is refused", async () => {
    issued = 0;
    valid.clear();
    const auth = new OAuth2EmailPasswordBody({
      accessTokenUrl: `${server.url}/signin`,
      email: "a@b.co",
      password: "p4ssw0rd-secret",
    });
    const http = client(auth);
    await Promise.all([
      http.request({ operation: "a", method: "GET", path: "/protected" }),
      http.request({ operation: "b", method: "GET", path: "/protected" }),
    ]);
    await http.request({ operation: "c", method: "GET", path: "/protected" });
    expect(server.requests.filter((r) => r.path === "/signin")).toHaveLength(1);
    expect(server.requests.find((r) => r.path === "/signin")?.body).toEqual({
      email: "a@b.co",
      password: "p4ssw0rd-secret",
    });
    valid.clear(); // the vendor forgets every token
    const response = await http.request<{ header: string }>({
      operation: "d",
      method: "GET",
      path: "/protected",
    });
    expect(response.data.header).toBe("tok-2");
    expect(server.requests.filter((r) => r.path === "/signin")).toHaveLength(2);
  });

  it("gives up with AuthError after one refresh when the fresh token is refused too", async () => {
    const auth = new OAuth2EmailPasswordBody({
      accessTokenUrl: `${server.url}/signin`,
      email: "a@b.co",
      password: "p4ssw0rd-secret",
    });
    const signIns = server.requests.filter((r) => r.path === "/signin").length;
    const error = await client(auth)
      .request({ operation: "read", method: "GET", path: "/refused" })
      .catch((e: unknown) => e);
    collectError(error);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain("Check TEST_PASSWORD");
    expect(server.requests.filter((r) => r.path === "/signin")).toHaveLength(signIns + 2);
    expect(server.requests.filter((r) => r.path === "/refused")).toHaveLength(2);
  });

  it("reports a refused sign-in as AuthError with the hint and without the password", async () => {
    const auth = new OAuth2EmailPasswordBody({
      accessTokenUrl: `${server.url}/signin`,
      email: "a@b.co",
      password: "wrong-password",
    });
    registerSecret("wrong-password");
    const error = await client(auth)
      .request({ operation: "x", method: "GET", path: "/protected" })
      .catch((e: unknown) => e);
    collectError(error);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(
      /Sign-in as a@b\.co refused \(401: "email or password incorrect\."\)\. Check TEST_PASSWORD/,
    );
  });

  it("mints one client-credentials token per sub and re-mints before expiry (expires_in)", async () => {
    issued = 0;
    tokenBody = { expires_in: 3600 };
    const clock = createVirtualClock();
    const auth = new OAuth2ClientCredentials({
      tokenUrl: `${server.url}/token`,
      clientId: "client-id-abc",
      clientSecret: "client-secret-xyz",
      sub: 7,
    });
    const http = client(auth, clock);
    const before = server.requests.filter((r) => r.path === "/token").length;
    await http.request({ operation: "a", method: "GET", path: "/protected" });
    await http.request({ operation: "b", method: "GET", path: "/protected" });
    expect(server.requests.filter((r) => r.path === "/token")).toHaveLength(before + 1);
    expect(server.requests.filter((r) => r.path === "/token").at(-1)?.body).toEqual({
      grant_type: "client_credentials",
      sub: "7",
    });
    clock.advance(3600_000 - 30_000); // inside the 60 s margin
    await http.request({ operation: "c", method: "GET", path: "/protected" });
    expect(server.requests.filter((r) => r.path === "/token")).toHaveLength(before + 2);
    // Another acting user gets its own token; the first stays cached.
    const other = client(auth.withSub(8), clock);
    await other.request({ operation: "d", method: "GET", path: "/protected" });
    await http.request({ operation: "e", method: "GET", path: "/protected" });
    expect(server.requests.filter((r) => r.path === "/token")).toHaveLength(before + 3);
  });

  it("reads expires_at as well", async () => {
    const clock = createVirtualClock();
    tokenBody = { expires_at: new Date(clock.now() + 120_000).toISOString() };
    const auth = new OAuth2ClientCredentials({
      tokenUrl: `${server.url}/token`,
      clientId: "client-id-abc",
      clientSecret: "client-secret-xyz",
    });
    const http = client(auth, clock);
    const before = server.requests.filter((r) => r.path === "/token").length;
    await http.request({ operation: "a", method: "GET", path: "/protected" });
    clock.advance(30_000);
    await http.request({ operation: "b", method: "GET", path: "/protected" });
    expect(server.requests.filter((r) => r.path === "/token")).toHaveLength(before + 1);
    clock.advance(40_000); // 70 s elapsed: within 60 s of expiry
    await http.request({ operation: "c", method: "GET", path: "/protected" });
    expect(server.requests.filter((r) => r.path === "/token")).toHaveLength(before + 2);
  });

  it("refuses to build client credentials without a client or a token", () => {
    expect(() => new OAuth2ClientCredentials({})).toThrow(
      /clientId: is required[\s\S]*clientSecret: is required/,
    );
    expect(
      () => new OAuth2ClientCredentials({ clientId: "a", clientSecret: "b", sub: "not-a-number" }),
    ).toThrow(/sub/);
    expect(new OAuth2ClientCredentials({ accessToken: "pre-minted" }).headerNames()).toEqual([
      "Authorization",
    ]);
  });
});
