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
import type { SandboxVendor } from "../testing/sandbox.js";

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

/** What a push did, as the runner sums it up. */
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
  /**
   * Set when the candidate an earlier push created no longer exists in the vendor (deleted or merged) and
   * this push created it again, with every step: the id of the one that is gone (`""` when it had none).
   */
  recreated?: string | undefined;
  /** Dry runs only: what the plan is based on (`ledger`: the ledger only; `vendor`: the vendor was read too). */
  plannedFrom?: "ledger" | "vendor";
  /** Dry runs only: the requests that would have been sent (secrets masked). */
  plannedRequests?: PlannedRequest[];
}

/** How a dry run plans. `ledger`: from the ledger alone; `vendor`: also reads the vendor (GET only). */
export type DryRunMode = "ledger" | "vendor";

/** Everything a connector's plan may use for one push. */
export interface PushContext<Options, Payload> {
  readonly connector: string;
  readonly profile: HrflowProfile;
  readonly options: Options;
  /** The validated vendor payload (from the default mapping or the user's format). */
  readonly payload: Payload;
  /** HTTP client for the vendor's API (auth, retries, rate limits, dry-run recording). */
  readonly http: HttpClient;
  readonly auth: VendorAuth;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The dry-run mode, or false for a real push. */
  readonly dryRun: false | DryRunMode;
  /** The CV (downloaded with guards on first call; cached). */
  cv(): Promise<CvResult>;
  /** A client for another host of the same vendor (Flatchr's careers host), sharing auth and limits. */
  client(baseUrl: string): HttpClient;
  /** A value computed once per runtime (e.g. a company name resolved to its id); failures are not kept. */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** Adds a line to the result's steps (for details beyond the steps the runner reports itself). */
  report(step: StepReport): void;
  /** Adds a warning to the result and the log. */
  warn(message: string): void;
}

/** A vendor record (the candidate) as the runner knows it. */
export interface VendorRecord<R> {
  /** The vendor's id; undefined when it gives none (Flatchr without a follow-up search). */
  id: string | undefined;
  /** What the vendor returned when the record was read or found (undefined when not read). */
  data: R | undefined;
  /** How it was obtained in this push. */
  origin: "ledger" | "found" | "created";
  /** True when this ledger created it (in this push or an earlier one): its details are ours to complete. */
  ours: boolean;
}

/** A record found by a lookup. */
export interface FoundRecord<R> {
  id: string | undefined;
  data?: R | undefined;
  /** How it was matched, for the result ("matched by email on the position"). */
  how?: string;
}

/** A step done as part of the create (Greenhouse v1 sends applications and the CV inside it). */
export interface StepDone {
  step: string;
  vendorId?: string | undefined;
  detail?: string | undefined;
  /** For the CV: what was sent. */
  cv?: CvReport;
}

/** What a create did. */
export type CreateResult<R> =
  /**
   * Created: its id (undefined when the vendor gives none) and what else the create did. `visible: false`
   * when the vendor has not shown the record yet (an asynchronous creation, an answer without id): a
   * lookup that misses it shortly after is then not read as "deleted". @default visible true
   */
  | { created: FoundRecord<R>; alsoDone?: readonly StepDone[]; detail?: string; visible?: boolean }
  /** The vendor says the record already exists (a 409): it is used as found. */
  | { existing: FoundRecord<R> }
  /** The vendor accepted but holds no record yet (Breezy's 202 partialCandidateCreated): the push is partial. */
  | { incomplete: string };

/** What an update did. */
export interface UpdateResult {
  /** True when something was sent that changed the record. */
  changed: boolean;
  /** For the result: what changed (field names), or why nothing did. */
  detail: string;
}

/** How a connector finds, creates and updates the candidate. */
export interface CandidatePlan<R> {
  /**
   * Reads the record by its id; undefined when the vendor no longer has it (404). Absent when the vendor
   * cannot read a record by id (the runner then confirms a recorded record with `find`).
   */
  read?(id: string): Promise<R | undefined>;
  /**
   * Finds this profile's record by what the vendor can search (an email, a name on a position). Absent
   * when this profile cannot be searched (no email): the ledger alone then recognises it, and a create
   * whose answer was lost stops in doubt for `ledger resolve`.
   */
  find?(): Promise<FoundRecord<R> | undefined>;
  /** Sends the create. Called only when no record exists; never repeated blindly by the runner. */
  create(): Promise<CreateResult<R>>;
  /** Updates an existing record. Absent: an existing record is left as is (`leftAsIs` says why). */
  update?(record: VendorRecord<R>): Promise<UpdateResult>;
  /** Why an existing record is left as is, for the result. */
  leftAsIs?: string;
}

/** One step after the candidate: the CV, an application, a job link, an employment. */
export interface RecordStep {
  /** Ledger and report name: `cv`, `application:123`, `job:9`, `employment:0`. */
  name: string;
  /**
   * `create`: adds something the vendor would hold twice if sent twice (an attachment, an application):
   * recorded in flight before it is sent, never repeated without a lookup. `idempotent`: safe to repeat.
   */
  kind: "create" | "idempotent";
  /**
   * Whether the vendor already holds what this step adds (the id, or a note, when it does). Asked before
   * the step runs on a record this push did not create, and to settle a step left in flight.
   */
  lookup?(): Promise<{ vendorId?: string | undefined; detail: string } | undefined>;
  /** Does the step. */
  perform(): Promise<StepResult>;
  /** Steps of one group (`employments`) stop together when one says the vendor does not support them. */
  group?: string;
  /** This step is the CV (its outcome becomes the result's `cv`). */
  cv?: boolean;
}

/** What a step did. `failed` is reported (the push is partial); errors thrown are failures too. */
export type StepResult =
  /** Done. `alreadyThere`: the vendor held it already (a 409 on a job link): recorded, not counted as a change. */
  | {
      status: "done";
      vendorId?: string | undefined;
      detail?: string | undefined;
      cv?: CvReport;
      alreadyThere?: boolean;
    }
  | { status: "skipped"; detail: string; cv?: CvReport }
  | { status: "unsupported"; detail: string; cv?: CvReport }
  | { status: "failed"; detail: string; cv?: CvReport };

/** A connector's plan for one push: how to handle the candidate, then the steps on it. */
export interface PushPlan<R> {
  candidate: CandidatePlan<R>;
  /** The steps to run on the record (called once the record is known). */
  steps(record: VendorRecord<R>): readonly RecordStep[];
}

/** Extra inputs of a mapping, passed in to keep it pure. */
export interface MappingExtras {
  /** The CV, for vendors that take it inside the create body (Flatchr, Greenhouse v1). */
  cv: CvResult | undefined;
  today: LooseDate;
  /** CV URLs over http:// and on loopback are acceptable (the sandbox). @default false */
  allowInsecureCvUrls?: boolean;
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
  /** Reads the vendor's own error shapes (Breezy: `{error: {type, message}}`) into one message. */
  errorMessage?: (body: unknown) => string | undefined;
  /** `inline`: the CV goes inside the create payload, so it is fetched before mapping. */
  cvMode: "upload" | "inline" | "none";
  /** The pure mapping: profile to payload. Throws MappingError naming the field. */
  map(profile: HrflowProfile, options: Options, extras: MappingExtras): Payload;
  /**
   * The vendor logic of a push: how the candidate is read, found, created and updated, and the steps on
   * it. The runner applies the ledger, claims, write-ahead intents, dry run and reports.
   */
  plan(context: PushContext<Options, Payload>): Promise<PushPlan<unknown>> | PushPlan<unknown>;
  /** Non-secret scope within the account that identifies "the same candidate" (e.g. a Breezy position). */
  targetScope?(options: Options): string;
  /** Examples for the docs. */
  examples: { library: string; cli: string };
  /**
   * Loads this vendor's loopback fake for the sandbox (`startSandbox`, the demo, the CLI's `sandbox`, the
   * test suite's leak harness). Imported only when asked for: the library never loads a fake on its own.
   */
  sandbox?: () => Promise<SandboxVendor>;
}
