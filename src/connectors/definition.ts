import type { z } from "zod";
import type { VendorAuth } from "../core/auth/base.js";
import type { Clock } from "../core/clock.js";
import type { CvResult } from "../core/cv.js";
import type { HttpClient } from "../core/http/client.js";
import type { RateLimitPolicy } from "../core/http/rate-limiter.js";
import type { PlannedRequest } from "../core/http/types.js";
import type { Logger } from "../core/logger.js";
import type { LooseDate } from "../core/text.js";
import type { HrflowProfile } from "../hrflow/schema.js";
import type { PushRecord } from "./push-record.js";

/** What a push did to the candidate. `partial`: the vendor accepted it only in part (see the steps). */
export type PushAction = "created" | "updated" | "unchanged" | "partial";

/** One step of a push as reported in the result. */
export interface StepReport {
  /** `candidate`, `cv`, `application:123`, `work-history`, ... */
  step: string;
  /** `unsupported`: the vendor or the credential does not allow it (said, not hidden). */
  status: "done" | "skipped" | "failed" | "unsupported" | "planned";
  detail?: string | undefined;
  vendorId?: string | undefined;
}

/** What happened to the CV. */
export interface CvReport {
  status: "uploaded" | "inline" | "link" | "absent" | "failed" | "already-uploaded" | "not-supported";
  fileName?: string | undefined;
  contentType?: string | undefined;
  reason?: string | undefined;
}

/** What a connector's push returns to the pipeline. */
export interface PushOutcome {
  action: PushAction;
  /** The vendor's candidate id; `undefined` when the vendor gives none (Flatchr) and no lookup found it. */
  vendorId: string | undefined;
  cv: CvReport;
}

/** The `result` of a workflow response. */
export interface PushProfileResult extends PushOutcome {
  connector: string;
  profileKey: string;
  vendorId: string | undefined;
  steps: StepReport[];
  warnings: string[];
  /** Dry runs only: the requests that would have been sent (secrets masked). */
  plannedRequests?: PlannedRequest[];
}

/** Everything a connector's push step may use. */
export interface PushContext<Options, Payload> {
  readonly connector: string;
  readonly profile: HrflowProfile;
  readonly options: Options;
  /** The validated vendor payload (from the default mapping or the user's format). */
  readonly payload: Payload;
  /** HTTP client for the vendor's API (auth, retries, rate limits, dry-run recording). */
  readonly http: HttpClient;
  readonly auth: VendorAuth;
  /** The ledger entry of this profile for this target; write each step as it completes. */
  readonly record: PushRecord;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly dryRun: boolean;
  /** The CV (downloaded with guards on first call; cached). */
  cv(): Promise<CvResult>;
  /** A client for another host of the same vendor (Flatchr's careers host), sharing auth and limits. */
  client(baseUrl: string): HttpClient;
  /** Adds a step to the result. */
  report(step: StepReport): void;
  /** Adds a warning to the result and the log. */
  warn(message: string): void;
}

/** Extra inputs of a mapping, passed in to keep it pure. */
export interface MappingExtras {
  /** The CV, for vendors that take it inside the create body (Flatchr, Greenhouse v1). */
  cv: CvResult | undefined;
  today: LooseDate;
  /**
   * Where the mapping says what it cut or left out (a text longer than the vendor field holds, a phone
   * number it could not normalise); the pipeline adds them to the result's `warnings`. The mapping stays
   * pure: this array is its only output besides the payload. Undefined: nothing is reported.
   */
  warnings?: string[] | undefined;
}

/** An environment variable a connector reads in the CLI. */
export interface EnvVarDoc {
  name: string;
  description: string;
  required: boolean;
  secret: boolean;
}

/** An endpoint a connector calls, for the docs. */
export interface EndpointDoc {
  name: string;
  method: string;
  url: string;
  docs: string;
}

/** One row of the profile-to-vendor field mapping table in the docs. */
export interface FieldMappingRow {
  vendorField: string;
  profileField: string;
  rule: string;
}

/** Everything that defines a connector; the pipeline, the CLI and the docs are built from it. */
export interface ConnectorDefinition<Options = unknown, Payload = unknown> {
  /** Machine name (`smartrecruiters`), used in CLI commands, docs paths and the ledger. */
  name: string;
  /** Display name (`SmartRecruiters`). */
  displayName: string;
  /** The exported object's name (`SmartRecruiters`, `Breezyhr`). */
  exportName: string;
  /** One paragraph: what the push does. */
  description: string;
  /** The vendor's API documentation. */
  docsUrl: string;
  /** Production base URL. */
  defaultBaseUrl: string;
  auth: {
    /** Accepted auth class names (for docs and messages). */
    classes: readonly string[];
    /** Whether an auth instance is accepted. */
    accepts(auth: VendorAuth): boolean;
    /** Environment variables the CLI reads to build the auth. */
    env: readonly EnvVarDoc[];
    /**
     * Builds the auth from environment variables (CLI); throws ConfigError naming missing variables.
     * `baseUrl` is the vendor base URL in use (e.g. to derive a sign-in URL in the sandbox).
     */
    fromEnv(env: Readonly<Record<string, string | undefined>>, context: { baseUrl: string }): VendorAuth;
    /** What to check when credentials are refused. */
    hint: string;
  };
  /** Vendor options (seed names in camelCase), each with a description and default. */
  optionsSchema: z.ZodObject;
  /** Validated vendor payload. */
  payloadSchema: z.ZodType<Payload>;
  endpoints: readonly EndpointDoc[];
  fieldMapping: readonly FieldMappingRow[];
  /** Rate limit per credential; a function when it depends on the credential (Greenhouse v1 vs v3). */
  rateLimit: RateLimitPolicy | ((auth: VendorAuth) => RateLimitPolicy);
  /**
   * Adapts the user's auth to what goes on the wire (Flatchr: a bare key becomes `Bearer <key>`;
   * Greenhouse v1: an API key becomes `Basic base64(key:)`). Identity when absent.
   */
  wireAuth?(auth: VendorAuth): VendorAuth;
  /** Vendors that signal a refused token with something else than 401 (Breezy: 400 `invalidAccessToken`). */
  isAuthRefused?: (status: number, body: unknown) => boolean;
  /** `inline`: the CV goes inside the create payload, so it is fetched before mapping. */
  cvMode: "upload" | "inline" | "none";
  /** The pure mapping: profile to payload. Throws MappingError naming the field. */
  map(profile: HrflowProfile, options: Options, extras: MappingExtras): Payload;
  /** Sends the payload: look up, create or update, upload the CV, link jobs; records each step. */
  push(context: PushContext<Options, Payload>): Promise<PushOutcome>;
  /** Non-secret scope within the account that identifies "the same candidate" (e.g. a Breezy position). */
  targetScope?(options: Options): string;
  /** Examples for the docs. */
  examples: { library: string; cli: string };
}
