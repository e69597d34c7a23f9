import { SECRET, VendorAuth } from "../../core/auth/base.js";
import { OAuth2ClientCredentials } from "../../core/auth/oauth2.js";
import { AuthorizationAuth, XAPIKeyAuth } from "../../core/auth/static.js";

/** Which Harvest API a credential reaches. */
export type HarvestVersion = "v3" | "v1";

/** Auth classes the Greenhouse connector accepts. */
export const GREENHOUSE_AUTH_CLASSES = [
  "OAuth2ClientCredentials",
  "AuthorizationAuth",
  "XAPIKeyAuth",
] as const;

/** True for the auth instances the connector accepts (not the other single-header auths). */
export function isGreenhouseAuth(auth: VendorAuth): boolean {
  return (
    auth instanceof OAuth2ClientCredentials ||
    auth instanceof AuthorizationAuth ||
    (auth instanceof XAPIKeyAuth && auth.kind === "XAPIKeyAuth")
  );
}

/**
 * The Harvest version a credential belongs to:
 * - `OAuth2ClientCredentials` (client credentials, or a pre-minted token): v3;
 * - `AuthorizationAuth` with a `Bearer ...` value: a pre-minted v3 token, sent as given;
 * - `AuthorizationAuth` with a `Basic ...` value, or any other value, and `XAPIKeyAuth`: a legacy v1 key.
 */
export function harvestVersion(auth: VendorAuth): HarvestVersion {
  if (auth instanceof OAuth2ClientCredentials) return "v3";
  if (auth instanceof AuthorizationAuth && /^bearer\s+\S/i.test(auth.revealValue())) return "v3";
  return "v1";
}

/**
 * Harvest v1 auth from a bare API key: `Authorization: Basic base64(key + ":")` (the key is the user name,
 * the password is empty). The header is built once from the untouched key; the original project appended
 * the colon to the key itself, once per profile, so the second profile was sent with `key::`.
 */
export class GreenhouseV1KeyAuth extends VendorAuth {
  readonly kind = "GreenhouseV1KeyAuth";
  readonly #key: VendorAuth;
  readonly #readKey: () => Promise<string>;
  #header: Promise<string> | undefined;

  constructor(key: VendorAuth, readKey: () => Promise<string>) {
    super();
    this.#key = key;
    this.#readKey = readKey;
  }

  async headers(): Promise<Record<string, string>> {
    this.#header ??= this.#readKey().then(
      (key) => `Basic ${Buffer.from(`${key}:`, "utf8").toString("base64")}`,
    );
    return { Authorization: await this.#header };
  }
  headerNames(): readonly string[] {
    return ["Authorization"];
  }
  secrets(): readonly string[] {
    // The redactor also masks base64(secret + ":"), so the Basic value is covered by the key.
    return this.#key.secrets();
  }
  accountId(): string {
    return this.#key.accountId();
  }
  protected describe(): Record<string, string> {
    return { key: SECRET };
  }
}

/**
 * What goes on the wire for a credential: v1 API keys become `Basic base64(key:)` (built once per push from
 * the untouched key); `Basic ...` values, bearer tokens and OAuth2 pass through.
 */
export function greenhouseWireAuth(auth: VendorAuth): VendorAuth {
  if (harvestVersion(auth) === "v3") return auth;
  if (auth instanceof AuthorizationAuth) {
    const value = auth.revealValue();
    if (/^basic\s+\S/i.test(value)) return auth;
    return new GreenhouseV1KeyAuth(auth, () => Promise.resolve(value));
  }
  if (auth instanceof XAPIKeyAuth) {
    const keyAuth = auth;
    return new GreenhouseV1KeyAuth(auth, async () => {
      const headers = await keyAuth.headers();
      return headers[keyAuth.name] ?? "";
    });
  }
  return auth;
}
