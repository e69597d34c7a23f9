import { z } from "zod";
import { fingerprint, InputChecker, SECRET, VendorAuth } from "../core/auth/base.js";
import type { Clock } from "../core/clock.js";
import { HrflowError, HttpError, isConnectorsError } from "../core/errors.js";
import { HttpClient } from "../core/http/client.js";
import type { RetryOverrides } from "../core/http/retry.js";
import type { Logger } from "../core/logger.js";
import {
  parseHrflowProfile,
  resolveProfileLimits,
  type HrflowProfile,
  type ProfileLimitOverrides,
  type ProfileLimits,
} from "./schema.js";

/** HrFlow's `X-API-KEY` + `X-USER-EMAIL` pair. */
class HrflowAuth extends VendorAuth {
  readonly kind = "HrflowAuth";
  readonly #secret: string;
  readonly #user: string;
  constructor(secret: string, user: string) {
    super();
    this.#secret = secret;
    this.#user = user;
  }
  headers(): Promise<Record<string, string>> {
    return Promise.resolve({ "X-API-KEY": this.#secret, "X-USER-EMAIL": this.#user });
  }
  headerNames(): readonly string[] {
    return ["X-API-KEY", "X-USER-EMAIL"];
  }
  secrets(): readonly string[] {
    return [this.#secret];
  }
  accountId(): string {
    return `hrflow:${this.#user}:${fingerprint(this.#secret)}`;
  }
  protected describe(): Record<string, string> {
    return { apiUser: this.#user, apiSecret: SECRET };
  }
}

/** Options of {@link Hrflow}. */
export interface HrflowOptions {
  /** The API secret (`X-API-KEY`). */
  apiSecret: string;
  /** The user email (`X-USER-EMAIL`). */
  apiUser: string;
  // Optional fields also take `undefined`, so that `baseUrl: process.env.HRFLOW_BASE_URL` type-checks under
  // `exactOptionalPropertyTypes`.
  /** @default "https://api.hrflow.ai/v1" */
  baseUrl?: string | undefined;
  /** Transport. @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  /** Per-attempt timeout. @default 30000 */
  timeoutMs?: number | undefined;
  retry?: RetryOverrides | undefined;
  /**
   * Largest HrFlow answer read, in bytes; a larger one is cut off and raises `ResponseTooLargeError`.
   * @default 10485760 (10 MiB)
   */
  maxResponseBytes?: number | undefined;
  /**
   * How much of a profile is accepted (numbers of experiences, educations, skills, attachments, links;
   * text lengths; nesting): past a bound, `getProfile` throws `MappingError` naming the field.
   * @default DEFAULT_PROFILE_LIMITS (100 experiences, 50 educations, 500 skills, 20 attachments, 50 links,
   * 1000 entries in any other list, 100000 characters per text field, 200000 for the CV text, 16 levels)
   */
  profileLimits?: ProfileLimitOverrides | undefined;
}

/** Which profile to get: by key or by reference, in a source. */
export type ProfileLocator = { sourceKey: string; key: string } | { sourceKey: string; reference: string };

/** Parameters of {@link Hrflow.searchProfiles}. */
export interface ProfileSearchParams {
  sourceKeys: readonly string[];
  /** 1-based page. @default 1 */
  page?: number;
  /** @default 30 */
  limit?: number;
  /** @default "created_at" */
  sortBy?: string;
  /** @default "desc" */
  orderBy?: "asc" | "desc";
  /** Only profiles created at or after this time (ISO 8601): HrFlow's `created_at_min`. */
  createdAtMin?: string | undefined;
  /** Only profiles created at or before this time (ISO 8601): HrFlow's `created_at_max`. */
  createdAtMax?: string | undefined;
  /**
   * Only profiles holding every one of these tags (`value` absent: any value): HrFlow's `tags_included`,
   * a JSON list of `{name, value}`.
   */
  tagsIncluded?: readonly { name: string; value?: string | number | boolean }[] | undefined;
}

/** One page of profiles. */
export interface ProfilePage {
  profiles: HrflowProfile[];
  page: number;
  maxPage: number;
  total: number;
}

const EnvelopeSchema = z.looseObject({
  code: z.coerce.number(),
  message: z.string().catch(""),
  data: z.unknown().optional(),
  meta: z.unknown().optional(),
});
const MetaSchema = z.looseObject({
  page: z.coerce.number(),
  maxPage: z.coerce.number(),
  total: z.coerce.number().optional(),
});
const SearchDataSchema = z.looseObject({ profiles: z.array(z.unknown()) });

/** HrFlow answers `{code, message, data}`; a non-JSON body reads as the SDK's generic error. */
function envelope(status: number, body: unknown, action: string): z.infer<typeof EnvelopeSchema> {
  const parsed = EnvelopeSchema.safeParse(body);
  if (!parsed.success) throw new HrflowError(status, "A generic error occurred on the server", { action });
  if (parsed.data.code >= 400) throw new HrflowError(parsed.data.code, parsed.data.message, { action });
  return parsed.data;
}

/**
 * The HrFlow.ai API client: get one profile, search the profiles of a source page by page.
 *
 * @example
 * const hrflow = new Hrflow({ apiSecret: process.env.HRFLOW_API_SECRET!, apiUser: "me@example.com" });
 * const profile = await hrflow.getProfile({ sourceKey: "...", key: "..." });
 */
export class Hrflow {
  readonly baseUrl: string;
  readonly apiUser: string;
  /** The bounds a profile read by this client must fit (see {@link HrflowOptions.profileLimits}). */
  readonly profileLimits: Readonly<ProfileLimits>;
  readonly #http: HttpClient;
  readonly #auth: HrflowAuth;

  constructor(options: HrflowOptions) {
    const check = new InputChecker("Hrflow");
    const secret = check.text("apiSecret", options.apiSecret);
    const user = check.text("apiUser", options.apiUser);
    this.baseUrl = check.url("baseUrl", options.baseUrl, "https://api.hrflow.ai/v1").replace(/\/+$/, "");
    check.done();
    this.apiUser = user ?? "";
    this.profileLimits = Object.freeze(resolveProfileLimits(options.profileLimits));
    this.#auth = new HrflowAuth(secret ?? "", this.apiUser);
    this.#http = new HttpClient({
      vendor: "HrFlow",
      baseUrl: this.baseUrl,
      fetch: options.fetch,
      auth: this.#auth,
      logger: options.logger,
      clock: options.clock,
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      maxResponseBytes: options.maxResponseBytes,
      authHint: "Check HRFLOW_API_SECRET and HRFLOW_API_USER",
    });
  }

  /** Secrets held by this client (for redaction by callers that log). */
  secrets(): readonly string[] {
    return this.#auth.secrets();
  }

  async #get(
    path: string,
    query: Record<string, string | number>,
    action: string,
  ): Promise<z.infer<typeof EnvelopeSchema>> {
    try {
      // HrFlow mirrors the envelope code in the HTTP status; 4xx bodies still carry the envelope.
      const response = await this.#http.request<unknown>({
        operation: action,
        method: "GET",
        path,
        query,
        expect: [200, 201, 202, 400, 404, 409, 422],
      });
      return envelope(response.status, response.data, action);
    } catch (error) {
      if (error instanceof HttpError)
        throw new HrflowError(error.status, error.vendorMessage ?? "no message", { action });
      throw error;
    }
  }

  /**
   * Gets one profile by key or reference (`GET /profile/indexing`).
   * @throws HrflowError when HrFlow answers an error envelope (`notFound` tells a missing profile).
   * @throws MappingError when the profile cannot be read.
   */
  async getProfile(locator: ProfileLocator): Promise<HrflowProfile> {
    const query: Record<string, string> =
      "key" in locator
        ? { source_key: locator.sourceKey, key: locator.key }
        : { source_key: locator.sourceKey, reference: locator.reference };
    const body = await this.#get("/profile/indexing", query, "Get profile");
    const profileKey = "key" in locator ? locator.key : locator.reference;
    try {
      return parseHrflowProfile(body.data, { profileKey }, this.profileLimits);
    } catch (error) {
      throw isConnectorsError(error)
        ? error
        : new HrflowError(502, "unreadable profile", { action: "Get profile" });
    }
  }

  /** One page of the profiles of some sources (`GET /profiles/searching`). */
  async searchProfiles(params: ProfileSearchParams): Promise<ProfilePage> {
    const page = params.page ?? 1;
    const query: Record<string, string | number> = {
      source_keys: JSON.stringify(params.sourceKeys),
      page,
      limit: params.limit ?? 30,
      sort_by: params.sortBy ?? "created_at",
      order_by: params.orderBy ?? "desc",
    };
    if (params.createdAtMin !== undefined) query["created_at_min"] = params.createdAtMin;
    if (params.createdAtMax !== undefined) query["created_at_max"] = params.createdAtMax;
    if (params.tagsIncluded !== undefined && params.tagsIncluded.length > 0)
      query["tags_included"] = JSON.stringify(params.tagsIncluded);
    const body = await this.#get("/profiles/searching", query, "Search profiles");
    const data = SearchDataSchema.safeParse(body.data);
    const meta = MetaSchema.safeParse(body.meta);
    if (!data.success || !meta.success)
      throw new HrflowError(502, "unexpected search answer (no data.profiles or meta)", {
        action: "Search profiles",
      });
    return {
      profiles: data.data.profiles.map((p) => parseHrflowProfile(p, {}, this.profileLimits)),
      page: meta.data.page,
      maxPage: meta.data.maxPage,
      total: meta.data.total ?? data.data.profiles.length,
    };
  }

  /** Every profile of some sources, page after page (stops at `meta.maxPage`). */
  async *iterateProfiles(params: Omit<ProfileSearchParams, "page">): AsyncGenerator<HrflowProfile> {
    for (let page = 1; ; page++) {
      const result = await this.searchProfiles({ ...params, page });
      yield* result.profiles;
      if (result.page >= result.maxPage || result.profiles.length === 0) return;
    }
  }

  /** Non-secret description. */
  toString(): string {
    return `Hrflow(baseUrl=${this.baseUrl}, apiUser=${this.apiUser}, apiSecret=${SECRET})`;
  }
  toJSON(): Record<string, string> {
    return { baseUrl: this.baseUrl, apiUser: this.apiUser, apiSecret: SECRET };
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
