import { fingerprint, InputChecker, SECRET, VendorAuth } from "./base.js";

/** Options of {@link XAPIKeyAuth}. */
export interface XAPIKeyAuthOptions {
  /** Header name. @default "X-API-KEY" */
  name?: string;
  /** The API key. */
  value: string;
}

/** Sends an API key in a header (`X-API-KEY` unless another name is given). */
export class XAPIKeyAuth extends VendorAuth {
  readonly kind: string = "XAPIKeyAuth";
  /** The header name. */
  readonly name: string;
  readonly #value: string;

  constructor(options: XAPIKeyAuthOptions) {
    super();
    const check = new InputChecker("XAPIKeyAuth");
    const name = check.text("name", options.name ?? "X-API-KEY") ?? "X-API-KEY";
    if (!/^[A-Za-z0-9-]+$/.test(name)) check.add({ path: "name", message: "must be a valid header name" });
    const value = check.text("value", options.value);
    check.done();
    this.name = name;
    this.#value = value ?? "";
  }

  headers(): Promise<Record<string, string>> {
    return Promise.resolve({ [this.name]: this.#value });
  }
  headerNames(): readonly string[] {
    return [this.name];
  }
  secrets(): readonly string[] {
    return [this.#value];
  }
  accountId(): string {
    return `key:${fingerprint(this.#value)}`;
  }
  /** The raw key, for connectors that must also send it elsewhere (Flatchr's `token` body field). */
  protected get secretValue(): string {
    return this.#value;
  }
  protected describe(): Record<string, string> {
    return { name: this.name, value: SECRET };
  }
}

/** Options of the single-header auths. */
export interface HeaderValueOptions {
  /** The secret sent in the header. */
  value: string;
}

/**
 * Sends `Authorization: <value>` verbatim (pass `Bearer ...` or `Basic ...` yourself). Connectors that
 * need a scheme add it to a bare key: Flatchr sends `Bearer <key>`, Greenhouse v1 builds `Basic base64(key:)`.
 */
export class AuthorizationAuth extends XAPIKeyAuth {
  override readonly kind = "AuthorizationAuth";
  constructor(options: HeaderValueOptions) {
    super({ name: "Authorization", value: options.value });
  }
  /** The header value as given (for connectors that inspect the scheme). */
  revealValue(): string {
    return this.secretValue;
  }
}

/** Sends SmartRecruiters' `X-SmartToken: <api key>`. */
export class XSmartTokenAuth extends XAPIKeyAuth {
  override readonly kind = "XSmartTokenAuth";
  constructor(options: HeaderValueOptions) {
    super({ name: "X-SmartToken", value: options.value });
  }
}

/** Sends Taleez' `X-taleez-api-secret: <secret>`. */
export class XTaleezAuth extends XAPIKeyAuth {
  override readonly kind = "XTaleezAuth";
  constructor(options: HeaderValueOptions) {
    super({ name: "X-taleez-api-secret", value: options.value });
  }
}
