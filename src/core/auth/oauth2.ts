import { z } from "zod";
import { AuthError, HttpError, isConnectorsError } from "../errors.js";
import { fingerprint, InputChecker, SECRET, VendorAuth, type AuthContext } from "./base.js";

const AccessTokenSchema = z.looseObject({ access_token: z.string().min(1) });

const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  // Greenhouse's sources disagree: `expires_in` (seconds) or `expires_at` (ISO-8601). Accept both.
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
  expires_at: z.string().optional(),
});

interface CachedToken {
  value: string;
  header: string;
  /** Epoch ms after which the token must be minted again. */
  expiresAtMs: number;
}

/** Turns a refusal by a token endpoint into an AuthError; other failures pass through. */
function signInFailure(error: unknown, what: string, context: AuthContext): unknown {
  if (error instanceof HttpError && error.status >= 400 && error.status < 500) {
    return new AuthError(
      `${what} refused (${error.status}${error.vendorMessage ? `: "${error.vendorMessage}"` : ""})`,
      {
        ...(context.authHint ? { hint: context.authHint } : {}),
      },
    );
  }
  return isConnectorsError(error) ? error : new AuthError(`${what} failed`, { cause: error });
}

/** Shares one sign-in between concurrent requests. */
class TokenSlot {
  token: CachedToken | undefined;
  pending: Promise<CachedToken> | undefined;

  async get(now: number, marginMs: number, mint: () => Promise<CachedToken>): Promise<CachedToken> {
    if (this.token && now < this.token.expiresAtMs - marginMs) return this.token;
    this.pending ??= mint().finally(() => {
      this.pending = undefined;
    });
    this.token = await this.pending;
    return this.token;
  }

  /** Drops the token if it is the one that was refused; true when a fresh one can be obtained. */
  invalidate(usedHeader: string | undefined): boolean {
    if (this.token && this.token.header === usedHeader) this.token = undefined;
    return true;
  }
}

function authorizationHeader(headers: Readonly<Record<string, string>>): string | undefined {
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === "authorization");
  return entry?.[1];
}

/** Options of {@link OAuth2EmailPasswordBody}. */
export interface OAuth2EmailPasswordBodyOptions {
  /** Sign-in URL. @default "https://api.breezy.hr/v3/signin" */
  accessTokenUrl?: string;
  email: string;
  password: string;
}

/**
 * Signs in with an email and a password (Breezy HR: `POST /v3/signin` with a JSON body) and sends the
 * token raw as `Authorization: <token>`. Signs in once, reuses the token, and signs in again once when
 * the vendor refuses it.
 */
export class OAuth2EmailPasswordBody extends VendorAuth {
  readonly kind = "OAuth2EmailPasswordBody";
  readonly accessTokenUrl: string;
  readonly email: string;
  readonly #password: string;
  readonly #slot = new TokenSlot();

  constructor(options: OAuth2EmailPasswordBodyOptions) {
    super();
    const check = new InputChecker("OAuth2EmailPasswordBody");
    this.accessTokenUrl = check.url(
      "accessTokenUrl",
      options.accessTokenUrl,
      "https://api.breezy.hr/v3/signin",
    );
    this.email = check.text("email", options.email) ?? "";
    if (this.email && !this.email.includes("@"))
      check.add({ path: "email", message: "must be an email address" });
    this.#password = check.text("password", options.password) ?? "";
    check.done();
  }

  async headers(context: AuthContext): Promise<Record<string, string>> {
    const token = await this.#slot.get(context.clock.now(), 0, async () => {
      try {
        const response = await context.send({
          operation: "sign in",
          method: "POST",
          path: this.accessTokenUrl,
          body: { json: { email: this.email, password: this.#password } },
          response: AccessTokenSchema,
          // Signing in twice only creates a second session token: safe to repeat.
          idempotent: true,
        });
        const value = response.data.access_token;
        return { value, header: value, expiresAtMs: Number.POSITIVE_INFINITY };
      } catch (error) {
        throw signInFailure(error, `Sign-in as ${this.email}`, context);
      }
    });
    return { Authorization: token.header };
  }
  headerNames(): readonly string[] {
    return ["Authorization"];
  }
  override invalidate(usedHeaders: Readonly<Record<string, string>>): boolean {
    return this.#slot.invalidate(authorizationHeader(usedHeaders));
  }
  secrets(): readonly string[] {
    return [this.#password, ...(this.#slot.token ? [this.#slot.token.value] : [])];
  }
  accountId(): string {
    return `email:${this.email.toLowerCase()}`;
  }
  protected describe(): Record<string, string> {
    return { accessTokenUrl: this.accessTokenUrl, email: this.email, password: SECRET };
  }
}

/** Options of {@link OAuth2PasswordCredentialsBody}. */
export interface OAuth2PasswordCredentialsBodyOptions {
  accessTokenUrl: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

/**
 * OAuth 2.0 resource-owner password grant: posts `grant_type=password` form-encoded and sends
 * `Authorization: <token_type or Bearer> <token>`, cached until `expires_in` runs out.
 */
export class OAuth2PasswordCredentialsBody extends VendorAuth {
  readonly kind = "OAuth2PasswordCredentialsBody";
  readonly accessTokenUrl: string;
  readonly clientId: string;
  readonly username: string;
  readonly #clientSecret: string;
  readonly #password: string;
  readonly #slot = new TokenSlot();

  constructor(options: OAuth2PasswordCredentialsBodyOptions) {
    super();
    const check = new InputChecker("OAuth2PasswordCredentialsBody");
    this.accessTokenUrl = check.url("accessTokenUrl", options.accessTokenUrl, "https://invalid.example");
    this.clientId = check.text("clientId", options.clientId) ?? "";
    this.#clientSecret = check.text("clientSecret", options.clientSecret) ?? "";
    this.username = check.text("username", options.username) ?? "";
    this.#password = check.text("password", options.password) ?? "";
    check.done();
  }

  async headers(context: AuthContext): Promise<Record<string, string>> {
    const token = await this.#slot.get(context.clock.now(), 30_000, async () => {
      try {
        const response = await context.send({
          operation: "obtain access token",
          method: "POST",
          path: this.accessTokenUrl,
          body: {
            form: {
              grant_type: "password",
              client_id: this.clientId,
              client_secret: this.#clientSecret,
              username: this.username,
              password: this.#password,
            },
          },
          response: TokenResponseSchema,
          idempotent: true,
        });
        return toCachedToken(response.data, context.clock.now());
      } catch (error) {
        throw signInFailure(error, `Password grant for ${this.username}`, context);
      }
    });
    return { Authorization: token.header };
  }
  headerNames(): readonly string[] {
    return ["Authorization"];
  }
  override invalidate(usedHeaders: Readonly<Record<string, string>>): boolean {
    return this.#slot.invalidate(authorizationHeader(usedHeaders));
  }
  secrets(): readonly string[] {
    return [this.#clientSecret, this.#password, ...(this.#slot.token ? [this.#slot.token.value] : [])];
  }
  accountId(): string {
    return `user:${this.username.toLowerCase()}@${fingerprint(this.clientId)}`;
  }
  protected describe(): Record<string, string> {
    return {
      accessTokenUrl: this.accessTokenUrl,
      clientId: this.clientId,
      username: this.username,
      clientSecret: SECRET,
      password: SECRET,
    };
  }
}

const ONE_HOUR_MS = 3_600_000;

function toCachedToken(data: z.infer<typeof TokenResponseSchema>, now: number): CachedToken {
  let expiresAtMs = now + ONE_HOUR_MS;
  if (data.expires_in !== undefined) expiresAtMs = now + Number(data.expires_in) * 1000;
  else if (data.expires_at !== undefined && !Number.isNaN(Date.parse(data.expires_at)))
    expiresAtMs = Date.parse(data.expires_at);
  const scheme =
    data.token_type && /^bearer$/i.test(data.token_type) ? "Bearer" : (data.token_type ?? "Bearer");
  return { value: data.access_token, header: `${scheme} ${data.access_token}`, expiresAtMs };
}

/** Options of {@link OAuth2ClientCredentials}. */
export interface OAuth2ClientCredentialsOptions {
  /** Token endpoint. @default "https://auth.greenhouse.io/token" */
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  /**
   * The acting user (Greenhouse user id), sent as `sub` when minting; replaces Harvest v1's On-Behalf-Of.
   * Dedup lookups need a Site Admin.
   */
  sub?: string | number;
  /** A pre-minted bearer token (partner setups); no client id or secret is then needed. */
  accessToken?: string;
  /** Mint again this long before expiry. @default 60000 */
  expiryMarginMs?: number;
}

/**
 * OAuth 2.0 client credentials (Greenhouse Harvest v3): client id and secret as HTTP Basic, form body
 * `grant_type=client_credentials` (+ `sub`), `Authorization: Bearer <jwt>`. One cached token per `sub`,
 * minted again before it expires, whether the answer gives `expires_in` or `expires_at`.
 */
export class OAuth2ClientCredentials extends VendorAuth {
  readonly kind = "OAuth2ClientCredentials";
  readonly tokenUrl: string;
  readonly sub: string | undefined;
  readonly #clientId: string | undefined;
  readonly #clientSecret: string | undefined;
  readonly #accessToken: string | undefined;
  readonly #marginMs: number;
  #slots = new Map<string, TokenSlot>();

  constructor(options: OAuth2ClientCredentialsOptions) {
    super();
    const check = new InputChecker("OAuth2ClientCredentials");
    this.tokenUrl = check.url("tokenUrl", options.tokenUrl, "https://auth.greenhouse.io/token");
    this.#accessToken = check.text("accessToken", options.accessToken, { optional: true });
    const needClient = this.#accessToken === undefined;
    this.#clientId = check.text("clientId", options.clientId, { optional: !needClient });
    this.#clientSecret = check.text("clientSecret", options.clientSecret, { optional: !needClient });
    if (options.sub !== undefined) {
      const sub = String(options.sub).trim();
      if (!/^\d+$/.test(sub))
        check.add({ path: "sub", message: `must be a numeric Greenhouse user id, got "${sub}"` });
      this.sub = sub;
    } else {
      this.sub = undefined;
    }
    this.#marginMs = options.expiryMarginMs ?? 60_000;
    check.done();
  }

  /** The same credentials acting as another user; shares this instance's token cache. */
  withSub(sub: string | number): OAuth2ClientCredentials {
    const options: OAuth2ClientCredentialsOptions = {
      tokenUrl: this.tokenUrl,
      sub,
      expiryMarginMs: this.#marginMs,
    };
    if (this.#clientId !== undefined) options.clientId = this.#clientId;
    if (this.#clientSecret !== undefined) options.clientSecret = this.#clientSecret;
    if (this.#accessToken !== undefined) options.accessToken = this.#accessToken;
    const copy = new OAuth2ClientCredentials(options);
    copy.#slots = this.#slots;
    return copy;
  }

  #slot(): TokenSlot {
    const key = this.sub ?? "";
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = new TokenSlot();
      this.#slots.set(key, slot);
    }
    return slot;
  }

  async headers(context: AuthContext): Promise<Record<string, string>> {
    if (this.#accessToken !== undefined) return { Authorization: `Bearer ${this.#accessToken}` };
    const token = await this.#slot().get(context.clock.now(), this.#marginMs, async () => {
      const form: Record<string, string> = { grant_type: "client_credentials" };
      if (this.sub !== undefined) form["sub"] = this.sub;
      const basic = Buffer.from(`${this.#clientId ?? ""}:${this.#clientSecret ?? ""}`, "utf8").toString(
        "base64",
      );
      try {
        const response = await context.send({
          operation: "mint access token",
          method: "POST",
          path: this.tokenUrl,
          headers: { Authorization: `Basic ${basic}` },
          body: { form },
          response: TokenResponseSchema,
          idempotent: true,
        });
        return toCachedToken(response.data, context.clock.now());
      } catch (error) {
        throw signInFailure(error, "The token endpoint", context);
      }
    });
    return { Authorization: token.header };
  }
  headerNames(): readonly string[] {
    return ["Authorization"];
  }
  override invalidate(usedHeaders: Readonly<Record<string, string>>): boolean {
    if (this.#accessToken !== undefined) return false;
    return this.#slot().invalidate(authorizationHeader(usedHeaders));
  }
  secrets(): readonly string[] {
    const tokens = [...this.#slots.values()].flatMap((slot) => (slot.token ? [slot.token.value] : []));
    return [this.#clientSecret, this.#clientId, this.#accessToken, ...tokens].filter(
      (s): s is string => s !== undefined,
    );
  }
  accountId(): string {
    const who = this.#clientId ?? this.#accessToken ?? "";
    return `client:${fingerprint(who)}${this.sub ? `/sub:${this.sub}` : ""}`;
  }
  protected describe(): Record<string, string> {
    return {
      tokenUrl: this.tokenUrl,
      ...(this.sub ? { sub: this.sub } : {}),
      ...(this.#clientId ? { clientId: SECRET, clientSecret: SECRET } : { accessToken: SECRET }),
    };
  }
}
