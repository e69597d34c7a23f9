import { randomUUID } from "node:crypto";
import { OAuth2ClientCredentials } from "../core/auth/oauth2.js";
import type { SandboxVendor } from "./sandbox.js";
import { FakeServer, type FakeLimits, type FakeRequest, type FakeResponse } from "./fake-server.js";
import { BodyChecker, EMAIL, isRecord, WindowCounter, type BodyProblem } from "./fake-helpers.js";

/**
 * Fakes of Greenhouse Harvest: the OAuth2 token endpoint (`auth.greenhouse.io`), Harvest v3 (current) and
 * Harvest v1 (legacy) on one organisation, so a candidate created through one API is found through the
 * other. Written from vendor-apis.md §4 and §4b, independently of the connector's own schemas.
 */

/** A Greenhouse user (the acting user of a v3 token's `sub`, or v1's On-Behalf-Of). */
export interface FakeGhUser {
  id: number;
  /** Site Admins may call every list endpoint; other users get 403 there. */
  siteAdmin: boolean;
}

/** Default legacy v1 key of the fake. */
export const GREENHOUSE_SANDBOX_API_KEY = "gh-apikey-sbx-7b3e";

/** Every scope a Harvest v3 push can use. */
export const GREENHOUSE_PUSH_SCOPES: readonly string[] = [
  "harvest:candidates:list",
  "harvest:candidates:create",
  "harvest:applications:list",
  "harvest:applications:create",
  "harvest:attachments:list",
  "harvest:attachments:create",
  "harvest:candidate_employments:create",
  "harvest:candidate_educations:create",
];

/** Options of {@link GreenhouseAuthFake}. */
export interface GreenhouseAuthFakeOptions {
  /** @default "gh-client-sbx-4d1a" */
  clientId?: string;
  /** @default "gh-secret-sbx-8e2f9c" */
  clientSecret?: string;
  /** Scopes set on the credential (Greenhouse fixes them in the UI; no `scope` parameter). @default all push scopes */
  scopes?: readonly string[];
  /** Which expiry field the token answer carries (the sources disagree). @default "expires_in" */
  expiryField?: "expires_in" | "expires_at";
  /** Token lifetime in seconds. @default 3600 */
  lifetimeS?: number;
  /** Users of the organisation. @default 4080 (Site Admin), 4081 (not) */
  users?: readonly FakeGhUser[];
  /** Pre-minted bearer tokens accepted as is (partner setups). @default ["gh-partner-sbx-5c1d"] */
  preMintedTokens?: readonly string[];
  /** Time source (token expiry, rate-limit windows). @default Date.now */
  now?: () => number;
  /** Mount name. @default "greenhouse-auth" */
  name?: string;
}

/** What a valid bearer token stands for. */
export interface FakeGhPrincipal {
  /** The rate-limit bucket (the credential). */
  bucket: string;
  sub: number | undefined;
  scopes: ReadonlySet<string>;
}

interface IssuedToken {
  token: string;
  sub: number | undefined;
  expiresAtMs: number;
  revoked: boolean;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * Fake `POST https://auth.greenhouse.io/token`: client id and secret as HTTP Basic, form body
 * `grant_type=client_credentials` and an optional numeric `sub`; answers `{token_type, access_token,
 * expires_in | expires_at}` with a JWT, and the measured error shapes (401 `invalid_client`, 400 for a
 * bad grant or sub).
 */
export class GreenhouseAuthFake extends FakeServer {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: Map<number, FakeGhUser>;
  readonly now: () => number;
  scopes: Set<string>;
  expiryField: "expires_in" | "expires_at";
  lifetimeS: number;
  readonly preMintedTokens: Set<string>;
  /** Every token minted, in order (tests count re-mints). */
  readonly issued: IssuedToken[] = [];
  readonly #counter: WindowCounter;

  constructor(options: GreenhouseAuthFakeOptions = {}) {
    super(options.name ?? "greenhouse-auth");
    this.clientId = options.clientId ?? "gh-client-sbx-4d1a";
    this.clientSecret = options.clientSecret ?? "gh-secret-sbx-8e2f9c";
    this.scopes = new Set(options.scopes ?? GREENHOUSE_PUSH_SCOPES);
    this.expiryField = options.expiryField ?? "expires_in";
    this.lifetimeS = options.lifetimeS ?? 3600;
    this.users = new Map(
      (
        options.users ?? [
          { id: 4080, siteAdmin: true },
          { id: 4081, siteAdmin: false },
        ]
      ).map((u) => [u.id, u]),
    );
    this.preMintedTokens = new Set(options.preMintedTokens ?? ["gh-partner-sbx-5c1d"]);
    this.now = options.now ?? Date.now;
    // The token endpoint is metered on its own 60-second window.
    this.#counter = new WindowCounter(100, 60_000);
    this.route("POST", "/token", (req) => this.#token(req));
  }

  /** The token endpoint URL (for `OAuth2ClientCredentials({ tokenUrl })` and GREENHOUSE_TOKEN_URL). */
  get tokenUrl(): string {
    return `${this.url}/token`;
  }

  /** Makes every token minted so far invalid (the next call with one gets 401). */
  expireTokens(): void {
    for (const token of this.issued) token.revoked = true;
  }

  /** Checks `Authorization: Bearer <jwt>`; undefined when missing, unknown, expired or revoked. */
  verify(authorization: string | undefined): FakeGhPrincipal | undefined {
    const match = /^Bearer (\S+)$/.exec(authorization ?? "");
    const token = match?.[1];
    if (!token) return undefined;
    if (this.preMintedTokens.has(token))
      return { bucket: `partner:${token.slice(0, 8)}`, sub: undefined, scopes: this.scopes };
    const issued = this.issued.find((t) => t.token === token);
    if (!issued || issued.revoked || this.now() >= issued.expiresAtMs) return undefined;
    return { bucket: `client:${this.clientId}`, sub: issued.sub, scopes: this.scopes };
  }

  #token(req: FakeRequest): FakeResponse {
    const limit = this.#counter.hit(this.now());
    const answer = (status: number, body: unknown): FakeResponse => ({
      status,
      body,
      headers: limit.headers,
    });
    const basic = /^Basic (\S+)$/.exec(req.headers["authorization"] ?? "");
    if (!basic?.[1]) return answer(401, { message: "Unauthorized", errorId: randomUUID() });
    const decoded = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const id = colon === -1 ? decoded : decoded.slice(0, colon);
    const secret = colon === -1 ? "" : decoded.slice(colon + 1);
    if (id !== this.clientId || secret !== this.clientSecret) return answer(401, { error: "invalid_client" });

    // The guide sends a form body; the reference page puts grant_type in the query and sub in JSON. Both work.
    const body = isRecord(req.body) ? req.body : {};
    const grantType = body["grant_type"] ?? req.query.get("grant_type") ?? undefined;
    if (grantType === undefined) return answer(400, { message: "grant_type is required" });
    if (grantType !== "client_credentials")
      return answer(400, {
        message: `grant_type ${JSON.stringify(grantType)} is not allowed for this client`,
      });
    const rawSub = body["sub"];
    let sub: number | undefined;
    if (rawSub !== undefined && rawSub !== "") {
      const text = typeof rawSub === "string" || typeof rawSub === "number" ? String(rawSub) : "";
      sub = Number(text);
      if (!/^\d+$/.test(text) || !this.users.has(sub))
        return answer(400, { message: `sub=${text || "?"} is not a user of this organization` });
    }
    const now = this.now();
    const expiresAtMs = now + this.lifetimeS * 1000;
    const token = [
      b64url({ alg: "RS256", typ: "JWT" }),
      b64url({
        iss: "https://auth.greenhouse.io",
        sub: sub ?? "integration",
        exp: Math.floor(expiresAtMs / 1000),
        jti: randomUUID(),
      }),
      Buffer.from(randomUUID()).toString("base64url"),
    ].join(".");
    this.issued.push({ token, sub, expiresAtMs, revoked: false });
    const expiry =
      this.expiryField === "expires_in"
        ? { expires_in: this.lifetimeS }
        : { expires_at: new Date(expiresAtMs).toISOString() };
    return answer(200, { token_type: "Bearer", access_token: token, ...expiry });
  }
}

// ---------------------------------------------------------------------------------------------------
// Harvest state

/** A candidate as the fake stores it (person fields as received). */
export interface FakeGhCandidate {
  id: number;
  /** Person fields as sent (first_name, email_addresses, tags, ...). */
  body: Record<string, unknown>;
  /** The API that created it. */
  createdWith: "v1" | "v3";
  createdAt: string;
  /** GETs (by id or list) that still miss it: asynchronous creation (v1 truncated answers). */
  hiddenReads: number;
}

/** An application as the fake stores it (one candidate, one job). */
export interface FakeGhApplication {
  id: number;
  candidateId: number;
  jobId: number;
  createdAt: string;
}

/** An attachment as the fake stores it: name, content type and the decoded bytes. */
export interface FakeGhAttachment {
  id: number;
  candidateId: number;
  applicationId: number | undefined;
  filename: string;
  type: string;
  contentType: string;
  /** Decoded `content`; undefined when sent as `url`. */
  bytes: Uint8Array | undefined;
  url: string | undefined;
  createdAt: string;
}

/** An employment as the fake stores it (v3 `POST /v3/candidate_employments`, or inline in v1). */
export interface FakeGhEmployment {
  id: number;
  candidateId: number;
  company_name: string;
  title: string;
  start_date: string;
  end_date: string | null;
}

/** Options of {@link GreenhouseFake}. */
export interface GreenhouseFakeOptions {
  /** The token endpoint's fake (shares users and tokens). @default a new GreenhouseAuthFake */
  auth?: GreenhouseAuthFake;
  /** Legacy v1 API keys that still work. @default ["gh-apikey-sbx-7b3e"] */
  apiKeys?: readonly string[];
  /** Job ids that exist. @default [4012345, 4012346, 4012347] */
  jobs?: readonly number[];
  /** Requests per window for v3 (a fixed 30 s window). @default { limit: 75, windowMs: 30000 } */
  v3RateLimit?: { limit: number; windowMs: number };
  /** Requests per window for v1. @default { limit: 50, windowMs: 10000 } */
  v1RateLimit?: { limit: number; windowMs: number };
  /**
   * Shape of the `POST /v3/candidates` answer: `wrapped` `{candidate, application}` or `flat` (the
   * candidate at the top level, with `application_ids`). @default "wrapped"
   */
  createShape?: "wrapped" | "flat";
  /**
   * How the v3 `email` list filter matches (its exactness is not documented): `exact` (case-insensitive) or
   * `contains` (a substring, so clients must re-check `email_addresses[].value`). @default "exact"
   */
  emailFilter?: "exact" | "contains";
  /** Mount name. @default "greenhouse" */
  name?: string;
}

const V3_CANDIDATE_KEYS = [
  "first_name",
  "last_name",
  "preferred_name",
  "company",
  "title",
  "email_addresses",
  "phone_numbers",
  "addresses",
  "website_addresses",
  "social_media_addresses",
  "tags",
  "custom_fields",
  "can_email",
  "is_private",
  "private",
  "time_zone",
  "application",
];
const V1_CANDIDATE_KEYS = [
  "first_name",
  "last_name",
  "company",
  "title",
  "is_private",
  "phone_numbers",
  "addresses",
  "email_addresses",
  "website_addresses",
  "social_media_addresses",
  "educations",
  "employments",
  "tags",
  "custom_fields",
  "recruiter",
  "coordinator",
  "activity_feed_notes",
  "applications",
];
const TYPED_COLLECTIONS: Record<string, readonly string[]> = {
  email_addresses: ["personal", "work", "other"],
  phone_numbers: ["home", "work", "mobile", "skype", "other"],
  addresses: ["home", "work", "other"],
  website_addresses: ["personal", "company", "portfolio", "blog", "other"],
};
const V3_ATTACHMENT_TYPES = [
  "resume",
  "cover_letter",
  "take_home_test",
  "offer_packet",
  "offer_letter",
  "signed_offer_letter",
  "midfunnel_agreement",
  "automated_agreement",
  "form_attachment",
  "other",
];
const V1_APPLICATION_ATTACHMENT_TYPES = [
  "resume",
  "cover_letter",
  "other",
  "take_home_test",
  "offer_letter",
  "signed_offer_letter",
];
const V1_CANDIDATE_ATTACHMENT_TYPES = ["resume", "cover_letter", "admin_only"];
/** Content types Harvest v1 accepts for attachments (a whitelist). */
const V1_CONTENT_TYPES = [
  "application/pdf",
  "application/msword",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.oasis.opendocument.text",
  "application/rtf",
  "text/plain",
  "text/html",
  "text/rtf",
];
const EXTENSION_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  odt: "application/vnd.oasis.opendocument.text",
  rtf: "application/rtf",
  txt: "text/plain",
  html: "text/html",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  tif: "image/tiff",
  tiff: "image/tiff",
};
/** Extensions the organisation blocks. */
const BLOCKED_EXTENSIONS = new Set(["exe", "bat", "cmd", "sh", "js", "msi", "scr"]);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const v3Error = (status: number, message: string, errors?: unknown[]): FakeResponse => ({
  status,
  body: errors === undefined ? { message } : { message, errors },
});
const v3Invalid = (problems: readonly BodyProblem[]): FakeResponse =>
  v3Error(
    422,
    "Unprocessable Content",
    problems.map((p) => ({ [p.field]: p.message })),
  );
const v1Error = (status: number, message: string): FakeResponse => ({ status, body: { message } });
const v1Invalid = (problems: readonly BodyProblem[]): FakeResponse => ({
  status: 422,
  body: {
    message: "Validation error",
    errors: problems.map((p) => ({ message: p.message, field: p.field })),
  },
});

function extensionOf(filename: string): string | undefined {
  const match = /\.([A-Za-z0-9]{1,5})$/.exec(filename);
  return match?.[1]?.toLowerCase();
}

/**
 * Fake Harvest API, v3 and v1 on one organisation.
 *
 * v3: Bearer JWTs from {@link GreenhouseAuthFake} (401 `{"message":"Unauthorized","errors":[...]}` when
 * missing, expired or revoked); scopes per endpoint and Site Admin `sub` for lists (403); bare-array lists
 * with cursor pagination (`Link` rel="next", the cursor alone in the query, `per_page` <= 500); strict
 * bodies with 422 `{"message":"Unprocessable Content","errors":[{"field":"msg"}]}`; one nested application
 * per candidate create, further ones through `POST /v3/applications`; attachments on applications with
 * exactly one of base64 `content` or `url`; employments and educations as their own resources.
 *
 * v1: Basic `base64(key:)` (401 otherwise), `On-Behalf-Of` required on writes, `POST /v1/candidates` with
 * every application and inline attachments, 422 `{"message":"Validation error","errors":[{message,field}]}`,
 * optional truncated (ids only) answers followed by 404s until the record is ready.
 *
 * Both: `X-RateLimit-Limit/Remaining/Reset` on every response, 429 with `Retry-After` over the limit.
 */
export class GreenhouseFake extends FakeServer {
  readonly authServer: GreenhouseAuthFake;
  readonly apiKeys: Set<string>;
  readonly jobs: Set<number>;
  readonly candidates = new Map<number, FakeGhCandidate>();
  readonly applications = new Map<number, FakeGhApplication>();
  readonly attachments: FakeGhAttachment[] = [];
  readonly employments: FakeGhEmployment[] = [];
  readonly educations: Record<string, unknown>[] = [];
  createShape: "wrapped" | "flat";
  emailFilter: "exact" | "contains";
  readonly #v3Limit: { limit: number; windowMs: number };
  readonly #v1Limit: { limit: number; windowMs: number };
  readonly #counters = new Map<string, WindowCounter>();
  #nextId = 70_000_001;
  #truncate: { times: number; hiddenReads: number } = { times: 0, hiddenReads: 0 };

  constructor(options: GreenhouseFakeOptions = {}) {
    super(options.name ?? "greenhouse");
    this.authServer = options.auth ?? new GreenhouseAuthFake();
    this.apiKeys = new Set(options.apiKeys ?? [GREENHOUSE_SANDBOX_API_KEY]);
    this.jobs = new Set(options.jobs ?? [4012345, 4012346, 4012347]);
    this.#v3Limit = options.v3RateLimit ?? { limit: 75, windowMs: 30_000 };
    this.#v1Limit = options.v1RateLimit ?? { limit: 50, windowMs: 10_000 };
    this.createShape = options.createShape ?? "wrapped";
    this.emailFilter = options.emailFilter ?? "exact";

    this.route(
      "GET",
      "/v3/candidates",
      this.#v3("harvest:candidates:list", true, (req) => this.#v3ListCandidates(req)),
    );
    this.route(
      "POST",
      "/v3/candidates",
      this.#v3("harvest:candidates:create", false, (req) => this.#v3CreateCandidate(req)),
    );
    this.route(
      "GET",
      "/v3/applications",
      this.#v3("harvest:applications:list", true, (req) => this.#v3ListApplications(req)),
    );
    this.route(
      "POST",
      "/v3/applications",
      this.#v3("harvest:applications:create", false, (req) => this.#v3CreateApplication(req)),
    );
    this.route(
      "GET",
      "/v3/attachments",
      this.#v3("harvest:attachments:list", true, (req) => this.#v3ListAttachments(req)),
    );
    this.route(
      "POST",
      "/v3/attachments",
      this.#v3("harvest:attachments:create", false, (req) => this.#v3CreateAttachment(req)),
    );
    this.route(
      "POST",
      "/v3/candidate_employments",
      this.#v3("harvest:candidate_employments:create", false, (req) => this.#v3CreateEmployment(req)),
    );
    this.route(
      "POST",
      "/v3/candidate_educations",
      this.#v3("harvest:candidate_educations:create", false, (req) => this.#v3CreateEducation(req)),
    );

    this.route(
      "GET",
      "/v1/candidates",
      this.#v1(false, (req) => this.#v1ListCandidates(req)),
    );
    this.route(
      "GET",
      "/v1/candidates/:id",
      this.#v1(false, (req) => this.#v1GetCandidate(req)),
    );
    this.route(
      "POST",
      "/v1/candidates",
      this.#v1(true, (req) => this.#v1CreateCandidate(req)),
    );
    this.route(
      "POST",
      "/v1/candidates/:id/applications",
      this.#v1(true, (req) => this.#v1AddApplication(req)),
    );
    this.route(
      "POST",
      "/v1/candidates/:id/attachments",
      this.#v1(true, (req) => this.#v1AddAttachment(req)),
    );
  }

  /** The fake's clock (shared with the token endpoint). */
  get now(): () => number {
    return this.authServer.now;
  }

  /**
   * The next `times` candidate creates answer with a truncated body: v3 cuts the JSON text in the middle
   * (the candidate is created); v1 answers only the ids, and the candidate is then missing from the next
   * `hiddenReads` reads (GET by id: 404; lists: absent), as during Greenhouse's asynchronous creation.
   */
  truncateCreates(times = 1, hiddenReads = 2): void {
    this.#truncate = { times, hiddenReads };
  }

  /** Stores a candidate directly (an existing record), with applications to these jobs. */
  addCandidate(
    body: Record<string, unknown>,
    jobIds: readonly number[] = [],
    createdWith: "v1" | "v3" = "v3",
  ): FakeGhCandidate {
    const candidate = this.#store(body, createdWith, 0);
    for (const jobId of jobIds) this.#apply(candidate.id, jobId);
    return candidate;
  }

  /** Candidates holding this email (case-insensitive), hidden ones included. */
  findByEmail(email: string): FakeGhCandidate[] {
    return [...this.candidates.values()].filter((c) => this.#hasEmail(c, email));
  }

  applicationsOf(candidateId: number): FakeGhApplication[] {
    return [...this.applications.values()].filter((a) => a.candidateId === candidateId);
  }

  attachmentsOf(candidateId: number): FakeGhAttachment[] {
    return this.attachments.filter((a) => a.candidateId === candidateId);
  }

  /**
   * Greenhouse's documented limits as a sliding window: Harvest v1, 50 requests per 10 s per API key, 429
   * with `Retry-After`. Harvest v3 announces its own budget in `X-RateLimit-*` headers over a fixed window,
   * which this fake always enforces (`v3RateLimit`), so no extra limit applies to `/v3/`. Overrides replace
   * single figures.
   */
  enforceVendorLimits(overrides: Partial<FakeLimits> = {}): this {
    return this.limit({
      requests: this.#v1Limit.limit,
      perMs: this.#v1Limit.windowMs,
      paths: /^\/v1\//,
      retryAfter: true,
      credential: (req) => req.headers["authorization"] ?? "(none)",
      refusal: () => ({ status: 429, body: { message: "Too Many Requests" } }),
      ...overrides,
    });
  }

  employmentsOf(candidateId: number): FakeGhEmployment[] {
    return this.employments.filter((e) => e.candidateId === candidateId);
  }

  // -------------------------------------------------------------------------------------------------
  // Plumbing: auth, rate limits

  #id(): number {
    return this.#nextId++;
  }

  #iso(): string {
    return new Date(this.now()).toISOString();
  }

  #limit(bucket: string, policy: { limit: number; windowMs: number }): ReturnType<WindowCounter["hit"]> {
    let counter = this.#counters.get(bucket);
    if (!counter) {
      counter = new WindowCounter(policy.limit, policy.windowMs);
      this.#counters.set(bucket, counter);
    }
    return counter.hit(this.now());
  }

  #throttled(headers: Record<string, string>): FakeResponse {
    const resetMs = Number(headers["x-ratelimit-reset"] ?? "0") * 1000;
    const retryAfterS = Math.max(1, Math.ceil((resetMs - this.now()) / 1000));
    return {
      status: 429,
      body: { message: "Too Many Requests" },
      headers: { ...headers, "retry-after": String(retryAfterS) },
    };
  }

  #v3(
    scope: string,
    list: boolean,
    handle: (req: FakeRequest, principal: FakeGhPrincipal) => FakeResponse,
  ): (req: FakeRequest) => FakeResponse {
    return (req) => {
      const principal = this.authServer.verify(req.headers["authorization"]);
      if (!principal)
        return v3Error(401, "Unauthorized", [
          "Token could not be decoded. Please ensure your token is from a trusted source.",
        ]);
      const limit = this.#limit(`v3:${principal.bucket}`, this.#v3Limit);
      if (limit.over) return this.#throttled(limit.headers);
      const withLimit = (response: FakeResponse): FakeResponse => ({
        ...response,
        headers: { ...limit.headers, ...response.headers },
      });
      if (!principal.scopes.has(scope)) return withLimit(v3Error(403, "Forbidden"));
      // Every list endpoint requires a Site Admin; a token without sub acts as the integration user.
      if (list && principal.sub !== undefined && !this.authServer.users.get(principal.sub)?.siteAdmin)
        return withLimit(v3Error(403, "Forbidden"));
      return withLimit(handle(req, principal));
    };
  }

  #v1(write: boolean, handle: (req: FakeRequest) => FakeResponse): (req: FakeRequest) => FakeResponse {
    return (req) => {
      const basic = /^Basic (\S+)$/.exec(req.headers["authorization"] ?? "");
      const decoded = basic?.[1] ? Buffer.from(basic[1], "base64").toString("utf8") : "";
      // The key is the user name and the password is empty: exactly `key:` (not `key::`).
      const key = decoded.endsWith(":") ? decoded.slice(0, -1) : undefined;
      if (key === undefined || key.includes(":") || !this.apiKeys.has(key))
        return v1Error(401, "Invalid Basic Auth credentials");
      const limit = this.#limit(`v1:${key}`, this.#v1Limit);
      if (limit.over) return this.#throttled(limit.headers);
      const withLimit = (response: FakeResponse): FakeResponse => ({
        ...response,
        headers: { ...limit.headers, ...response.headers },
      });
      if (write) {
        const onBehalfOf = req.headers["on-behalf-of"];
        if (onBehalfOf === undefined || onBehalfOf.trim() === "")
          return withLimit(
            v1Invalid([{ field: "On-Behalf-Of", message: "The On-Behalf-Of header is required" }]),
          );
        if (!/^\d+$/.test(onBehalfOf) || !this.authServer.users.has(Number(onBehalfOf)))
          return withLimit(
            v1Invalid([
              { field: "On-Behalf-Of", message: `User ${onBehalfOf} does not exist in this organization` },
            ]),
          );
      }
      return withLimit(handle(req));
    };
  }

  // -------------------------------------------------------------------------------------------------
  // Shared state helpers

  #store(body: Record<string, unknown>, createdWith: "v1" | "v3", hiddenReads: number): FakeGhCandidate {
    const candidate: FakeGhCandidate = {
      id: this.#id(),
      body,
      createdWith,
      createdAt: this.#iso(),
      hiddenReads,
    };
    this.candidates.set(candidate.id, candidate);
    return candidate;
  }

  #apply(candidateId: number, jobId: number): FakeGhApplication {
    const application: FakeGhApplication = { id: this.#id(), candidateId, jobId, createdAt: this.#iso() };
    this.applications.set(application.id, application);
    return application;
  }

  #hasEmail(candidate: FakeGhCandidate, email: string): boolean {
    const list = candidate.body["email_addresses"];
    return (
      Array.isArray(list) &&
      list.some(
        (e) =>
          isRecord(e) && typeof e["value"] === "string" && e["value"].toLowerCase() === email.toLowerCase(),
      )
    );
  }

  #matchesEmailFilter(candidate: FakeGhCandidate, email: string): boolean {
    if (this.emailFilter === "exact") return this.#hasEmail(candidate, email);
    const list = candidate.body["email_addresses"];
    return (
      Array.isArray(list) &&
      list.some(
        (e) =>
          isRecord(e) &&
          typeof e["value"] === "string" &&
          e["value"].toLowerCase().includes(email.toLowerCase()),
      )
    );
  }

  /** False while a truncated create's record is still "being created" (and counts the read). */
  #readable(candidate: FakeGhCandidate): boolean {
    if (candidate.hiddenReads <= 0) return true;
    candidate.hiddenReads -= 1;
    return false;
  }

  #attach(
    candidateId: number,
    applicationId: number | undefined,
    a: Record<string, unknown>,
    contentType: string | undefined,
  ): FakeGhAttachment {
    const filename = String(a["filename"]);
    const content = typeof a["content"] === "string" ? a["content"] : undefined;
    const type = String(a["type"]);
    // Uploading a resume (or cover letter) turns the earlier one of that application into `other`.
    if (type === "resume" || type === "cover_letter")
      for (const old of this.attachments)
        if (old.candidateId === candidateId && old.applicationId === applicationId && old.type === type)
          old.type = "other";
    const attachment: FakeGhAttachment = {
      id: this.#id(),
      candidateId,
      applicationId,
      filename,
      type,
      contentType: contentType ?? EXTENSION_TYPES[extensionOf(filename) ?? ""] ?? "application/octet-stream",
      bytes: content === undefined ? undefined : new Uint8Array(Buffer.from(content, "base64")),
      url: typeof a["url"] === "string" ? a["url"] : undefined,
      createdAt: this.#iso(),
    };
    this.attachments.push(attachment);
    return attachment;
  }

  /** Person fields shared by v1 and v3 bodies. */
  #checkPerson(check: BodyChecker, body: Record<string, unknown>): void {
    check.string(body, "first_name", { required: true, max: 255 });
    check.string(body, "last_name", { required: true, max: 255 });
    for (const key of ["company", "title", "preferred_name"]) check.string(body, key, { max: 255 });
    for (const [key, types] of Object.entries(TYPED_COLLECTIONS)) {
      const list = body[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        check.add(key, "must be an array");
        continue;
      }
      list.forEach((item, i) => {
        const prefix = `${key}[${i}].`;
        if (!isRecord(item)) {
          check.add(`${key}[${i}]`, "must be an object {value, type}");
          return;
        }
        check.onlyKeys(item, ["value", "type"], prefix);
        check.string(item, "value", {
          required: true,
          prefix,
          pattern: key === "email_addresses" ? EMAIL : undefined,
        });
        if (key === "website_addresses") check.url(item, "value", prefix);
        if (typeof item["type"] !== "string" || !types.includes(item["type"]))
          check.add(`${prefix}type`, `must be one of ${types.join(", ")}`);
      });
    }
    const social = body["social_media_addresses"];
    if (social !== undefined) {
      if (!Array.isArray(social)) check.add("social_media_addresses", "must be an array");
      else
        social.forEach((item, i) => {
          const prefix = `social_media_addresses[${i}].`;
          if (!isRecord(item)) {
            check.add(`social_media_addresses[${i}]`, "must be an object {value}");
            return;
          }
          // No type on social media addresses.
          check.onlyKeys(item, ["value"], prefix);
          check.string(item, "value", { required: true, prefix });
        });
    }
    const tags = body["tags"];
    if (tags !== undefined) {
      if (!Array.isArray(tags)) check.add("tags", "must be an array of tag names");
      else
        tags.forEach((tag, i) => {
          if (typeof tag !== "string" || tag.trim() === "")
            check.add(`tags[${i}]`, "must be a non-empty string");
        });
    }
    if (body["custom_fields"] !== undefined && !Array.isArray(body["custom_fields"]))
      check.add("custom_fields", "must be an array of {name_key | custom_field_id, value}");
    for (const key of ["can_email", "is_private", "private"]) check.boolean(body, key);
  }

  #checkJob(check: BodyChecker, body: Record<string, unknown>, key: string, prefix: string): void {
    check.integer(body, key, { required: true, min: 1, prefix });
    const jobId = body[key];
    if (typeof jobId === "number" && Number.isInteger(jobId) && !this.jobs.has(jobId))
      check.add(`${prefix}${key}`, `Job ${jobId} does not exist`);
  }

  /** `content` (base64) xor `url`. */
  #checkFile(check: BodyChecker, a: Record<string, unknown>, prefix: string): void {
    const hasContent = a["content"] !== undefined;
    const hasUrl = a["url"] !== undefined;
    if (hasContent === hasUrl) check.add(`${prefix}content`, "exactly one of content or url is required");
    if (hasContent) {
      const content = a["content"];
      if (typeof content !== "string" || content === "" || !BASE64.test(content))
        check.add(`${prefix}content`, "must be the file's bytes, base64-encoded");
    }
    if (hasUrl) check.url(a, "url", prefix);
    check.string(a, "filename", { required: true, max: 255, prefix });
    const filename = a["filename"];
    if (typeof filename === "string") {
      const ext = extensionOf(filename);
      if (!ext) check.add(`${prefix}filename`, "must include the file extension");
      else if (BLOCKED_EXTENSIONS.has(ext)) check.add(`${prefix}filename`, `.${ext} files are not allowed`);
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Harvest v3

  #v3CandidateView(c: FakeGhCandidate): Record<string, unknown> {
    const { application: _application, ...person } = c.body;
    return {
      id: c.id,
      first_name: null,
      last_name: null,
      preferred_name: null,
      company: null,
      title: null,
      created_at: c.createdAt,
      updated_at: c.createdAt,
      last_activity_at: c.createdAt,
      private: false,
      can_email: true,
      time_zone: null,
      tags: [],
      email_addresses: [],
      phone_numbers: [],
      addresses: [],
      website_addresses: [],
      social_media_addresses: [],
      linked_user_ids: [],
      custom_fields: {},
      ...person,
    };
  }

  #v3ApplicationView(a: FakeGhApplication): Record<string, unknown> {
    return {
      id: a.id,
      candidate_id: a.candidateId,
      job_id: a.jobId,
      job_post_id: null,
      stage_id: 5001,
      stage_name: "Application Review",
      status: "in_process",
      prospect: false,
      prospective_job_ids: [],
      source_id: null,
      referrer_id: null,
      recruiter_id: null,
      coordinator_id: null,
      created_at: a.createdAt,
      updated_at: a.createdAt,
      last_activity_at: a.createdAt,
      answers: [],
      custom_fields: {},
    };
  }

  #v3AttachmentView(a: FakeGhAttachment): Record<string, unknown> {
    return {
      id: a.id,
      application_id: a.applicationId ?? null,
      candidate_id: a.candidateId,
      filename: a.filename,
      type: a.type,
      url: `${this.url}/files/${a.id}?X-Amz-Expires=604800`,
      created_at: a.createdAt,
      updated_at: a.createdAt,
    };
  }

  /**
   * A v3 list: filters and `per_page` on the first page only, then `?cursor=` alone. Ordered by id
   * descending; `Link: <...>; rel="next"` while more remain.
   */
  #v3List(
    req: FakeRequest,
    allowed: readonly string[],
    items: (filters: URLSearchParams) => { id: number; view: Record<string, unknown> }[],
  ): FakeResponse {
    let filters = req.query;
    let offset = 0;
    const cursor = req.query.get("cursor");
    if (cursor !== null) {
      if ([...req.query.keys()].length > 1)
        return v3Error(422, "Unprocessable Content", [
          "When passing a cursor, do not include other query params.",
        ]);
      try {
        const state: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
        if (!isRecord(state) || typeof state["q"] !== "string" || typeof state["o"] !== "number")
          throw new Error("bad");
        filters = new URLSearchParams(state["q"]);
        offset = state["o"];
      } catch {
        return v3Error(422, "Unprocessable Content", [{ cursor: "is invalid" }]);
      }
    } else {
      for (const key of filters.keys())
        if (!allowed.includes(key) && key !== "per_page")
          return v3Error(422, "Unprocessable Content", [{ [key]: "is not a permitted filter" }]);
    }
    const perPage = Number(filters.get("per_page") ?? "100");
    if (!Number.isInteger(perPage) || perPage < 1)
      return v3Error(422, "Unprocessable Content", [
        { per_page: `\`${filters.get("per_page") ?? ""}\` number is less than: 1` },
      ]);
    if (perPage > 500)
      return v3Error(422, "Unprocessable Content", [
        { per_page: `\`${perPage}\` number is greater than: 500` },
      ]);
    const ids = filters.get("ids");
    if (ids !== null && ids.split(",").length > 50)
      return v3Error(422, "Unprocessable Content", [{ ids: "at most 50 ids" }]);
    const all = items(filters).sort((a, b) => b.id - a.id);
    const page = all.slice(offset, offset + perPage);
    const headers: Record<string, string> = {};
    if (offset + perPage < all.length) {
      const next = Buffer.from(JSON.stringify({ q: filters.toString(), o: offset + perPage })).toString(
        "base64url",
      );
      headers["link"] = `<${this.url}${req.path}?cursor=${next}>; rel="next"`;
    }
    return { status: 200, body: page.map((i) => i.view), headers };
  }

  #idFilter(filters: URLSearchParams, key: string): Set<number> | undefined {
    const value = filters.get(key);
    return value === null ? undefined : new Set(value.split(",").map((v) => Number(v.trim())));
  }

  #v3ListCandidates(req: FakeRequest): FakeResponse {
    return this.#v3List(req, ["ids", "email", "created_at", "updated_at"], (filters) => {
      const ids = this.#idFilter(filters, "ids");
      const email = filters.get("email");
      return [...this.candidates.values()]
        .filter((c) => (ids ? ids.has(c.id) : true) && (email === null || this.#matchesEmailFilter(c, email)))
        .filter((c) => this.#readable(c))
        .map((c) => ({ id: c.id, view: this.#v3CandidateView(c) }));
    });
  }

  #v3CreateCandidate(req: FakeRequest): FakeResponse {
    const body = req.body;
    if (!isRecord(body)) return v3Invalid([{ field: "(body)", message: "must be a JSON object" }]);
    const check = new BodyChecker();
    if (body["applications"] !== undefined)
      check.add(
        "applications",
        "is not a v3 field: nest one `application`, then POST /v3/applications for more jobs",
      );
    for (const key of ["employments", "educations"])
      if (body[key] !== undefined)
        check.add(key, `is not a candidate field in v3: POST /v3/candidate_${key}`);
    check.onlyKeys(
      Object.fromEntries(
        Object.entries(body).filter(([k]) => !["applications", "employments", "educations"].includes(k)),
      ),
      V3_CANDIDATE_KEYS,
    );
    this.#checkPerson(check, body);
    const application = body["application"];
    if (application !== undefined) {
      if (!isRecord(application)) check.add("application", "must be an object");
      else {
        check.onlyKeys(
          application,
          ["job_id", "source_id", "recruiter_id", "coordinator_id", "initial_stage_id", "referrer_id"],
          "application.",
        );
        this.#checkJob(check, application, "job_id", "application.");
        for (const key of ["source_id", "recruiter_id", "coordinator_id", "initial_stage_id", "referrer_id"])
          check.integer(application, key, { prefix: "application." });
      }
    }
    if (check.problems.length > 0) return v3Invalid(check.problems);

    const { application: _nested, ...person } = body;
    const candidate = this.#store(person, "v3", 0);
    const app = isRecord(application) ? this.#apply(candidate.id, Number(application["job_id"])) : undefined;
    const answer =
      this.createShape === "wrapped"
        ? {
            candidate: this.#v3CandidateView(candidate),
            application: app ? this.#v3ApplicationView(app) : null,
          }
        : { ...this.#v3CandidateView(candidate), application_ids: app ? [app.id] : [] };
    if (this.#truncate.times > 0) {
      this.#truncate.times -= 1;
      const text = JSON.stringify(answer);
      return {
        status: 201,
        raw: text.slice(0, Math.floor(text.length / 2)),
        headers: { "content-type": "application/json" },
      };
    }
    return { status: 201, body: answer };
  }

  #v3ListApplications(req: FakeRequest): FakeResponse {
    return this.#v3List(
      req,
      ["ids", "candidate_ids", "job_ids", "status", "created_at", "updated_at"],
      (filters) => {
        const ids = this.#idFilter(filters, "ids");
        const candidates = this.#idFilter(filters, "candidate_ids");
        const jobs = this.#idFilter(filters, "job_ids");
        return [...this.applications.values()]
          .filter(
            (a) =>
              (!ids || ids.has(a.id)) &&
              (!candidates || candidates.has(a.candidateId)) &&
              (!jobs || jobs.has(a.jobId)),
          )
          .map((a) => ({ id: a.id, view: this.#v3ApplicationView(a) }));
      },
    );
  }

  #v3CreateApplication(req: FakeRequest): FakeResponse {
    const body = req.body;
    if (!isRecord(body)) return v3Invalid([{ field: "(body)", message: "must be a JSON object" }]);
    const check = new BodyChecker();
    const common = [
      "candidate_id",
      "source_id",
      "referrer_id",
      "recruiter_id",
      "coordinator_id",
      "created_at",
      "custom_fields",
    ];
    const prospect = body["prospect"] === true;
    // oneOf: the candidate arm (one job) or the prospect arm; additionalProperties: false on both.
    if (prospect)
      check.onlyKeys(body, [
        ...common,
        "prospect",
        "job_ids",
        "prospect_pool_id",
        "prospect_pool_stage_id",
        "prospect_owner_id",
        "prospective_department_id",
        "prospective_office_id",
      ]);
    else {
      check.onlyKeys(body, [...common, "job_id", "initial_stage_id"]);
      this.#checkJob(check, body, "job_id", "");
    }
    check.integer(body, "candidate_id", { required: true, min: 1 });
    const candidateId = body["candidate_id"];
    const candidate = typeof candidateId === "number" ? this.candidates.get(candidateId) : undefined;
    if (typeof candidateId === "number" && !candidate)
      check.add("candidate_id", `Candidate ${candidateId} does not exist`);
    if (check.problems.length > 0 || !candidate) return v3Invalid(check.problems);
    if (prospect) {
      const app = this.#apply(candidate.id, 0);
      return { status: 201, body: { ...this.#v3ApplicationView(app), job_id: null, prospect: true } };
    }
    const jobId = Number(body["job_id"]);
    if (this.applicationsOf(candidate.id).some((a) => a.jobId === jobId))
      return v3Invalid([{ field: "job_id", message: "The candidate has already applied to this job" }]);
    return { status: 201, body: this.#v3ApplicationView(this.#apply(candidate.id, jobId)) };
  }

  #v3ListAttachments(req: FakeRequest): FakeResponse {
    return this.#v3List(
      req,
      ["ids", "candidate_ids", "application_ids", "created_at", "updated_at"],
      (filters) => {
        const candidates = this.#idFilter(filters, "candidate_ids");
        const applications = this.#idFilter(filters, "application_ids");
        return this.attachments
          .filter(
            (a) =>
              (!candidates || candidates.has(a.candidateId)) &&
              (!applications || (a.applicationId !== undefined && applications.has(a.applicationId))),
          )
          .map((a) => ({ id: a.id, view: this.#v3AttachmentView(a) }));
      },
    );
  }

  #v3CreateAttachment(req: FakeRequest): FakeResponse {
    const body = req.body;
    if (!isRecord(body)) return v3Invalid([{ field: "(body)", message: "must be a JSON object" }]);
    const check = new BodyChecker();
    // `content_type` is not in the v3 parameter list, but the captured page may have dropped it: tolerated.
    check.onlyKeys(body, [
      "application_id",
      "filename",
      "type",
      "content",
      "url",
      "visibility",
      "content_type",
    ]);
    check.integer(body, "application_id", { required: true, min: 1 });
    this.#checkFile(check, body, "");
    if (typeof body["type"] !== "string" || !V3_ATTACHMENT_TYPES.includes(body["type"]))
      check.add("type", `is required, one of ${V3_ATTACHMENT_TYPES.join(", ")}`);
    if (
      body["visibility"] !== undefined &&
      !["public", "admin_only", "private"].includes(
        typeof body["visibility"] === "string" ? body["visibility"] : "",
      )
    )
      check.add("visibility", "must be public, admin_only or private");
    const application =
      typeof body["application_id"] === "number" ? this.applications.get(body["application_id"]) : undefined;
    if (typeof body["application_id"] === "number" && !application)
      check.add("application_id", `Application ${body["application_id"]} does not exist`);
    if (check.problems.length > 0 || !application) return v3Invalid(check.problems);
    const contentType = typeof body["content_type"] === "string" ? body["content_type"] : undefined;
    const attachment = this.#attach(application.candidateId, application.id, body, contentType);
    return { status: 201, body: this.#v3AttachmentView(attachment) };
  }

  #v3Candidate(check: BodyChecker, body: Record<string, unknown>): FakeGhCandidate | undefined {
    check.integer(body, "candidate_id", { required: true, min: 1 });
    const id = body["candidate_id"];
    const candidate = typeof id === "number" ? this.candidates.get(id) : undefined;
    if (typeof id === "number" && !candidate) check.add("candidate_id", `Candidate ${id} does not exist`);
    return candidate;
  }

  #v3CreateEmployment(req: FakeRequest): FakeResponse {
    const body = req.body;
    if (!isRecord(body)) return v3Invalid([{ field: "(body)", message: "must be a JSON object" }]);
    const check = new BodyChecker();
    check.onlyKeys(body, ["candidate_id", "company_name", "title", "start_date", "end_date", "latest"]);
    const candidate = this.#v3Candidate(check, body);
    check.string(body, "company_name", { required: true, max: 255 });
    check.string(body, "title", { required: true, max: 255 });
    check.string(body, "start_date", { required: true, pattern: ISO_DATE });
    if (body["end_date"] !== null) check.string(body, "end_date", { pattern: ISO_DATE });
    check.boolean(body, "latest");
    if (check.problems.length > 0 || !candidate) return v3Invalid(check.problems);
    const employment: FakeGhEmployment = {
      id: this.#id(),
      candidateId: candidate.id,
      company_name: String(body["company_name"]),
      title: String(body["title"]),
      start_date: String(body["start_date"]),
      end_date: typeof body["end_date"] === "string" ? body["end_date"] : null,
    };
    this.employments.push(employment);
    const { candidateId, ...rest } = employment;
    return {
      status: 201,
      body: { ...rest, candidate_id: candidateId, latest: employment.end_date === null },
    };
  }

  #v3CreateEducation(req: FakeRequest): FakeResponse {
    const body = req.body;
    if (!isRecord(body)) return v3Invalid([{ field: "(body)", message: "must be a JSON object" }]);
    const check = new BodyChecker();
    const optionIds = [
      "school_name_custom_field_option_id",
      "degree_custom_field_option_id",
      "discipline_custom_field_option_id",
    ];
    for (const key of ["school_name", "degree", "discipline"])
      if (body[key] !== undefined)
        check.add(
          key,
          `free text is not accepted: send ${key.replace(/_name$/, "")}${key === "school_name" ? "_name" : ""}_custom_field_option_id`,
        );
    check.onlyKeys(
      Object.fromEntries(
        Object.entries(body).filter(([k]) => !["school_name", "degree", "discipline"].includes(k)),
      ),
      ["candidate_id", ...optionIds, "start_month", "start_year", "end_month", "end_year"],
    );
    const candidate = this.#v3Candidate(check, body);
    for (const key of optionIds) check.integer(body, key, { min: 1 });
    for (const key of ["start_month", "end_month"]) check.integer(body, key, { min: 1, max: 12 });
    for (const key of ["start_year", "end_year"]) check.integer(body, key, { min: 1900, max: 2100 });
    if (check.problems.length > 0 || !candidate) return v3Invalid(check.problems);
    const education = { id: this.#id(), ...body };
    this.educations.push(education);
    return { status: 201, body: education };
  }

  // -------------------------------------------------------------------------------------------------
  // Harvest v1 (legacy)

  #v1CandidateView(c: FakeGhCandidate): Record<string, unknown> {
    const applications = this.applicationsOf(c.id);
    const { applications: _apps, employments: _employments, educations: _educations, ...person } = c.body;
    return {
      id: c.id,
      first_name: null,
      last_name: null,
      company: null,
      title: null,
      created_at: c.createdAt,
      updated_at: c.createdAt,
      last_activity: c.createdAt,
      is_private: false,
      photo_url: null,
      phone_numbers: [],
      addresses: [],
      email_addresses: [],
      website_addresses: [],
      social_media_addresses: [],
      recruiter: null,
      coordinator: null,
      can_email: true,
      tags: [],
      custom_fields: {},
      keyed_custom_fields: {},
      ...person,
      attachments: this.attachmentsOf(c.id).map((a) => ({
        filename: a.filename,
        url: `${this.url}/files/${a.id}?Expires=604800`,
        type: a.type,
        created_at: a.createdAt,
      })),
      application_ids: applications.map((a) => a.id),
      applications: applications.map((a) => ({
        id: a.id,
        candidate_id: c.id,
        prospect: false,
        applied_at: a.createdAt,
        rejected_at: null,
        last_activity_at: a.createdAt,
        status: "active",
        current_stage: { id: 5001, name: "Application Review" },
        jobs: [{ id: a.jobId, name: `Job ${a.jobId}` }],
      })),
      educations: [],
      employments: this.employmentsOf(c.id).map(({ candidateId: _c, ...e }) => e),
    };
  }

  #v1ListCandidates(req: FakeRequest): FakeResponse {
    const perPage = Number(req.query.get("per_page") ?? "100");
    const page = Number(req.query.get("page") ?? "1");
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 500)
      return v1Invalid([{ field: "per_page", message: "must be between 1 and 500" }]);
    if (!Number.isInteger(page) || page < 1)
      return v1Invalid([{ field: "page", message: "must be a positive integer" }]);
    const email = req.query.get("email");
    const all = [...this.candidates.values()]
      .filter((c) => email === null || this.#hasEmail(c, email))
      .filter((c) => this.#readable(c))
      .sort((a, b) => a.id - b.id);
    const lastPage = Math.max(1, Math.ceil(all.length / perPage));
    const links: string[] = [];
    const pageUrl = (n: number): string => {
      const params = new URLSearchParams(req.query);
      params.set("page", String(n));
      return `${this.url}${req.path}?${params.toString()}`;
    };
    if (page < lastPage) links.push(`<${pageUrl(page + 1)}>; rel="next"`);
    if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`);
    if (req.query.get("skip_count") !== "true") links.push(`<${pageUrl(lastPage)}>; rel="last"`);
    return {
      status: 200,
      body: all.slice((page - 1) * perPage, page * perPage).map((c) => this.#v1CandidateView(c)),
      headers: { link: links.join(", ") },
    };
  }

  #v1GetCandidate(req: FakeRequest): FakeResponse {
    const candidate = this.candidates.get(Number(req.params["id"]));
    if (!candidate || !this.#readable(candidate)) return v1Error(404, "Resource not found");
    return { status: 200, body: this.#v1CandidateView(candidate) };
  }

  #checkV1Attachment(check: BodyChecker, a: unknown, prefix: string, types: readonly string[]): void {
    if (!isRecord(a)) {
      check.add(prefix.replace(/\.$/, ""), "must be an object");
      return;
    }
    check.onlyKeys(a, ["filename", "type", "content", "url", "content_type", "visibility"], prefix);
    this.#checkFile(check, a, prefix);
    if (typeof a["type"] !== "string" || !types.includes(a["type"]))
      check.add(`${prefix}type`, `is required, one of ${types.join(", ")}`);
    if (a["content"] !== undefined) {
      const contentType = a["content_type"];
      if (typeof contentType !== "string")
        check.add(`${prefix}content_type`, "is required when sending content");
      else if (!V1_CONTENT_TYPES.includes(contentType) && !contentType.startsWith("image/"))
        check.add(`${prefix}content_type`, `${contentType} is not an allowed content type`);
    }
    if (
      a["visibility"] !== undefined &&
      !["public", "private", "admin_only"].includes(
        typeof a["visibility"] === "string" ? a["visibility"] : "",
      )
    )
      check.add(`${prefix}visibility`, "must be public, private or admin_only");
  }

  #checkV1Application(check: BodyChecker, app: unknown, prefix: string): void {
    if (!isRecord(app)) {
      check.add(prefix.replace(/\.$/, ""), "must be an object");
      return;
    }
    check.onlyKeys(
      app,
      [
        "job_id",
        "source_id",
        "initial_stage_id",
        "referrer",
        "recruiter_id",
        "coordinator_id",
        "attachments",
      ],
      prefix,
    );
    this.#checkJob(check, app, "job_id", prefix);
    for (const key of ["source_id", "initial_stage_id", "recruiter_id", "coordinator_id"])
      check.integer(app, key, { prefix });
    const referrer = app["referrer"];
    if (
      referrer !== undefined &&
      (!isRecord(referrer) || !["id", "email", "outside"].includes(String(referrer["type"])))
    )
      check.add(`${prefix}referrer`, "must be {type: id | email | outside, value}");
    const attachments = app["attachments"];
    if (attachments !== undefined) {
      if (!Array.isArray(attachments)) check.add(`${prefix}attachments`, "must be an array");
      else
        attachments.forEach((a, i) => {
          this.#checkV1Attachment(check, a, `${prefix}attachments[${i}].`, V1_APPLICATION_ATTACHMENT_TYPES);
        });
    }
  }

  #v1CreateCandidate(req: FakeRequest): FakeResponse {
    const body = req.body;
    if (!isRecord(body)) return v1Invalid([{ field: "(body)", message: "must be a JSON object" }]);
    const check = new BodyChecker();
    check.onlyKeys(body, V1_CANDIDATE_KEYS);
    this.#checkPerson(check, body);
    const educations = body["educations"];
    if (educations !== undefined) {
      if (!Array.isArray(educations)) check.add("educations", "must be an array");
      else
        educations.forEach((e, i) => {
          const prefix = `educations[${i}].`;
          if (!isRecord(e)) {
            check.add(`educations[${i}]`, "must be an object");
            return;
          }
          // Ids from GET /v1/schools, /degrees, /disciplines: free-text names are refused.
          check.onlyKeys(
            e,
            [
              "school_id",
              "discipline_id",
              "degree_id",
              "start_date",
              "end_date",
              "start_month",
              "start_year",
              "end_month",
              "end_year",
            ],
            prefix,
          );
          for (const key of ["school_id", "discipline_id", "degree_id"])
            check.integer(e, key, { min: 1, prefix });
          for (const key of ["start_month", "end_month"]) check.integer(e, key, { min: 1, max: 12, prefix });
          for (const key of ["start_year", "end_year"])
            check.integer(e, key, { min: 1900, max: 2100, prefix });
          for (const key of ["start_date", "end_date"]) check.string(e, key, { pattern: ISO_DATE, prefix });
        });
    }
    const employments = body["employments"];
    if (employments !== undefined) {
      if (!Array.isArray(employments)) check.add("employments", "must be an array");
      else
        employments.forEach((e, i) => {
          const prefix = `employments[${i}].`;
          if (!isRecord(e)) {
            check.add(`employments[${i}]`, "must be an object");
            return;
          }
          check.onlyKeys(e, ["company_name", "title", "start_date", "end_date"], prefix);
          check.string(e, "company_name", { required: true, max: 255, prefix });
          check.string(e, "title", { required: true, max: 255, prefix });
          check.string(e, "start_date", { required: true, pattern: ISO_DATE, prefix });
          // Empty end_date means a current job.
          if (e["end_date"] !== null && e["end_date"] !== "")
            check.string(e, "end_date", { pattern: ISO_DATE, prefix });
        });
    }
    for (const key of ["recruiter", "coordinator"]) {
      const who = body[key];
      if (who !== undefined && (!isRecord(who) || (who["id"] === undefined && who["email"] === undefined)))
        check.add(key, "must be {id} or {email}");
    }
    const applications = body["applications"];
    if (!Array.isArray(applications) || applications.length === 0)
      check.add("applications", "is required: at least one application {job_id}");
    else
      applications.forEach((app, i) => {
        this.#checkV1Application(check, app, `applications[${i}].`);
      });
    if (check.problems.length > 0 || !Array.isArray(applications)) return v1Invalid(check.problems);

    const truncated = this.#truncate.times > 0;
    if (truncated) this.#truncate.times -= 1;
    const { applications: _apps, employments: _employments, educations: _educations, ...person } = body;
    const candidate = this.#store(person, "v1", truncated ? this.#truncate.hiddenReads : 0);
    for (const raw of Array.isArray(employments) ? employments : []) {
      if (!isRecord(raw)) continue;
      this.employments.push({
        id: this.#id(),
        candidateId: candidate.id,
        company_name: String(raw["company_name"]),
        title: String(raw["title"]),
        start_date: String(raw["start_date"]),
        end_date: typeof raw["end_date"] === "string" && raw["end_date"] !== "" ? raw["end_date"] : null,
      });
    }
    const applicationIds: number[] = [];
    for (const raw of applications) {
      if (!isRecord(raw)) continue;
      const app = this.#apply(candidate.id, Number(raw["job_id"]));
      applicationIds.push(app.id);
      const attachments = raw["attachments"];
      for (const a of Array.isArray(attachments) ? attachments : [])
        if (isRecord(a))
          this.#attach(
            candidate.id,
            app.id,
            a,
            typeof a["content_type"] === "string" ? a["content_type"] : undefined,
          );
    }
    // Asynchronous creation: only the ids come back, and the record is not readable for a while.
    if (truncated) return { status: 201, body: { id: candidate.id, application_ids: applicationIds } };
    return { status: 201, body: this.#v1CandidateView(candidate) };
  }

  #v1Existing(req: FakeRequest): FakeGhCandidate | undefined {
    const candidate = this.candidates.get(Number(req.params["id"]));
    return candidate && candidate.hiddenReads <= 0 ? candidate : undefined;
  }

  #v1AddApplication(req: FakeRequest): FakeResponse {
    const candidate = this.#v1Existing(req);
    if (!candidate) return v1Error(404, "Resource not found");
    const check = new BodyChecker();
    this.#checkV1Application(check, req.body, "");
    if (check.problems.length > 0 || !isRecord(req.body)) return v1Invalid(check.problems);
    const body = req.body;
    const jobId = Number(body["job_id"]);
    if (this.applicationsOf(candidate.id).some((a) => a.jobId === jobId))
      return v1Invalid([{ field: "job_id", message: "The candidate has already applied to this job" }]);
    const app = this.#apply(candidate.id, jobId);
    const attachments = body["attachments"];
    for (const a of Array.isArray(attachments) ? attachments : [])
      if (isRecord(a))
        this.#attach(
          candidate.id,
          app.id,
          a,
          typeof a["content_type"] === "string" ? a["content_type"] : undefined,
        );
    return {
      status: 201,
      body: {
        id: app.id,
        candidate_id: candidate.id,
        prospect: false,
        applied_at: app.createdAt,
        status: "active",
        current_stage: { id: 5001, name: "Application Review" },
        jobs: [{ id: jobId, name: `Job ${jobId}` }],
      },
    };
  }

  #v1AddAttachment(req: FakeRequest): FakeResponse {
    const candidate = this.#v1Existing(req);
    if (!candidate) return v1Error(404, "Resource not found");
    const check = new BodyChecker();
    this.#checkV1Attachment(check, req.body, "", V1_CANDIDATE_ATTACHMENT_TYPES);
    if (check.problems.length > 0 || !isRecord(req.body)) return v1Invalid(check.problems);
    const body = req.body;
    const attachment = this.#attach(
      candidate.id,
      undefined,
      body,
      typeof body["content_type"] === "string" ? body["content_type"] : undefined,
    );
    return {
      status: 201,
      body: {
        filename: attachment.filename,
        url: `${this.url}/files/${attachment.id}?Expires=604800`,
        type: attachment.type,
        content_type: attachment.contentType,
      },
    };
  }
}

/** The Greenhouse part of the sandbox: Harvest v3 with OAuth2 client credentials, acting as a Site Admin. */
export function createGreenhouseSandbox(
  // A roomier window than the vendor's example (75 per 30 s) so the demo is not spent waiting; the
  // connector reads the window from the headers either way, and the tests exercise the real limits.
  fake = new GreenhouseFake({ v3RateLimit: { limit: 400, windowMs: 30_000 } }),
): SandboxVendor {
  const auth = fake.authServer;
  const admin = [...auth.users.values()].find((u) => u.siteAdmin)?.id;
  const jobs = [...fake.jobs].slice(0, 2);
  return {
    connector: "greenhouse",
    fakes: [auth, fake],
    env: () => ({
      GREENHOUSE_CLIENT_ID: auth.clientId,
      GREENHOUSE_CLIENT_SECRET: auth.clientSecret,
      GREENHOUSE_TOKEN_URL: auth.tokenUrl,
      ...(admin === undefined ? {} : { GREENHOUSE_SUB: String(admin) }),
    }),
    auth: () =>
      new OAuth2ClientCredentials({
        clientId: auth.clientId,
        clientSecret: auth.clientSecret,
        tokenUrl: auth.tokenUrl,
        ...(admin === undefined ? {} : { sub: admin }),
      }),
    options: () => ({ baseUrl: fake.url, jobId: jobs }),
    cliFlags: () => ["--base-url", fake.url, ...jobs.flatMap((job) => ["--job-id", String(job)])],
    faults: {
      create: { fake, method: "POST", path: /^\/v3\/candidates$/ },
      cvUpload: { fake, method: "POST", path: /^\/v3\/attachments$/ },
    },
    expireTokens: () => {
      auth.expireTokens();
    },
    otherSecrets: () => [...auth.preMintedTokens, ...fake.apiKeys],
    candidates: () =>
      [...fake.candidates.values()].map((c) => {
        const emails = c.body["email_addresses"];
        const first = Array.isArray(emails) && isRecord(emails[0]) ? emails[0]["value"] : undefined;
        const tags = c.body["tags"];
        return {
          vendorId: String(c.id),
          name: `${String(c.body["first_name"])} ${String(c.body["last_name"])}`,
          email: typeof first === "string" ? first : undefined,
          cv: fake.attachmentsOf(c.id).find((a) => a.type === "resume")?.filename,
          details: `applications to jobs ${
            fake
              .applicationsOf(c.id)
              .map((a) => a.jobId)
              .join(", ") || "none"
          }, ${fake.employmentsOf(c.id).length} employments, ${Array.isArray(tags) ? tags.length : 0} tags (Harvest ${c.createdWith})`,
        };
      }),
  };
}
