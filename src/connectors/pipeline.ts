import { createHash } from "node:crypto";
import { z } from "zod";
import { VendorAuth } from "../core/auth/base.js";
import type { Clock } from "../core/clock.js";
import { fetchCv, type CvLookup, type CvResult } from "../core/cv.js";
import {
  BusyError,
  ConfigError,
  isAmbiguousCreateError,
  isAuthError,
  isConfigError,
  isConnectorsError,
  isHrflowError,
  isMappingError,
  MappingError,
  type ConfigIssue,
  type ConnectorsError,
} from "../core/errors.js";
import { HttpClient } from "../core/http/client.js";
import type { RetryOverrides } from "../core/http/retry.js";
import type { PlannedRequest } from "../core/http/types.js";
import { redactingLogger, type Logger } from "../core/logger.js";
import { createRedactor } from "../core/redact.js";
import { createRuntime, type Runtime } from "../core/runtime.js";
import type { FailureKind, LedgerEntry, LedgerError, LedgerKey } from "../core/store/types.js";
import { Hrflow } from "../hrflow/client.js";
import { cvAttachmentWithAnyUrl, resumeAttachment } from "../hrflow/fields.js";
import { formatPath, parseHrflowProfile, type HrflowProfile } from "../hrflow/schema.js";
import type {
  ConnectorDefinition,
  DryRunMode,
  PushContext,
  PushProfileResult,
  StepReport,
} from "./definition.js";
import { PushRecord } from "./push-record.js";
import { runPlan } from "./runner.js";

/** A logic: returns the profile (possibly changed), or null/undefined to discard it. */
export type LogicFn = (profile: HrflowProfile) => unknown;
/** A format: returns the vendor payload, validated before anything is sent. */
export type FormatFn = (profile: HrflowProfile) => unknown;

/** The profile to push: by key or by reference, in a source. */
export type ProfileRef =
  { key: string; source: { key: string } } | { reference: string; source: { key: string } };

/** Options every `pushProfile` takes. */
export interface CommonPushOptions<A extends VendorAuth = VendorAuth> {
  /** The client used to pull the profile. */
  hrflowClient: Hrflow;
  /** The profile to push. */
  profile: ProfileRef;
  /** The vendor credentials. */
  auth: A;
  /** Filters applied before formatting: functions, or names looked up in `localScope` then `globalScope`. @default [] */
  logics?: ReadonlyArray<LogicFn | string>;
  /** Where logic and format names are looked up (plain property lookup; never eval). */
  localScope?: Readonly<Record<string, unknown>>;
  globalScope?: Readonly<Record<string, unknown>>;
  /** Replaces the default mapping; its output is validated against the vendor payload schema. */
  format?: FormatFn;
  /** Name of a format function in `localScope`/`globalScope`. */
  formatFunctionName?: string;
  /** Vendor API base URL. @default the vendor's production URL */
  baseUrl?: string;
  /** Transport for vendor calls. @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Build and validate every request, send nothing that writes, and return the plan: `true` or `"ledger"`
   * plans from the push ledger alone; `"vendor"` also reads the vendor (GET requests only) to plan exactly
   * what a real push would do. @default false
   */
  dryRun?: boolean | DryRunMode;
  logger?: Logger;
  /**
   * The runtime that owns the ledger, rate limits, claims and clock; share one across pushes
   * (`createRuntime({ store: createSqliteStore(path) })`). @default a runtime of this push alone (in memory)
   */
  runtime?: Runtime;
  /** Per-attempt timeout of vendor calls. @default 30000 */
  timeoutMs?: number;
  retry?: RetryOverrides;
  /**
   * Allow CV downloads over `http://` and from loopback addresses (127/8, `::1`, `::ffff:127.x.y.z`) or
   * `localhost` (the sandbox). Link-local and private ranges stay refused. Never in production.
   * @default false
   */
  allowInsecureCvUrls?: boolean;
  /** Largest CV accepted, in bytes. @default 15 MiB */
  maxCvBytes?: number;
  /** Time budget of the whole CV download (every redirect, the connection, the body). @default 20000 */
  cvTimeoutMs?: number;
  /** Redirects followed at most by the CV download, each checked like the first URL. @default 3 */
  maxCvRedirects?: number;
  /** The resolver of the CV download (every address it answers is checked). @default the system resolver */
  cvLookup?: CvLookup;
  /** Certificate authorities trusted for the CV download instead of Node's bundled ones. @default Node's */
  cvCa?: string | Buffer | readonly (string | Buffer)[];
  /** Largest vendor API answer read, in bytes (`ResponseTooLargeError` past it). @default 10 MiB */
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

/** The response of `pushProfile`, shaped like the seed's workflow response. */
export interface WorkflowResponse {
  status_code: number;
  headers: { "Content-Type": "application/json" };
  message: string;
  result?: PushProfileResult;
  error?: Record<string, unknown>;
}

const HEADERS = { "Content-Type": "application/json" } as const;

const isFn = (v: unknown): v is (...args: never[]) => unknown => typeof v === "function";
const NonEmpty = z.string({ error: "is required" }).trim().min(1, { error: "must not be empty" });
const Scope = z.record(z.string(), z.unknown(), { error: "must be an object" });

const CommonSchema = z.object({
  hrflowClient: z.instanceof(Hrflow, {
    error: "must be an Hrflow client: new Hrflow({ apiSecret, apiUser })",
  }),
  profile: z.union(
    [
      z.object({ key: NonEmpty, source: z.object({ key: NonEmpty }) }),
      z.object({ reference: NonEmpty, source: z.object({ key: NonEmpty }) }),
    ],
    { error: "must be { key, source: { key } } or { reference, source: { key } }" },
  ),
  auth: z.instanceof(VendorAuth, {
    error: "is required: an auth instance such as new XSmartTokenAuth({ value })",
  }),
  logics: z
    .array(z.union([z.custom<LogicFn>(isFn), z.string()]), { error: "must be a list of functions or names" })
    .optional(),
  localScope: Scope.optional(),
  globalScope: Scope.optional(),
  format: z.custom<FormatFn>(isFn, { error: "must be a function" }).optional(),
  formatFunctionName: NonEmpty.optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  fetch: z.custom<typeof fetch>(isFn, { error: "must be a fetch function" }).optional(),
  dryRun: z
    .union([z.boolean(), z.enum(["ledger", "vendor"])], {
      error: 'must be true, false, "ledger" or "vendor"',
    })
    .optional(),
  logger: z
    .custom<Logger>(
      (v) =>
        v !== null &&
        typeof v === "object" &&
        ["debug", "info", "warn", "error"].every((m) => isFn((v as Record<string, unknown>)[m])),
      { error: "must have debug, info, warn and error methods" },
    )
    .optional(),
  runtime: z
    .custom<Runtime>(
      (v) =>
        v !== null &&
        typeof v === "object" &&
        ["claim", "memo", "close"].every((m) => isFn((v as Record<string, unknown>)[m])),
      { error: "must be a runtime from createRuntime()" },
    )
    .optional(),
  timeoutMs: z.number().int().positive({ error: "must be a positive number of milliseconds" }).optional(),
  retry: z
    .object({
      maxAttempts: z.number().int().min(1).max(20).optional(),
      baseDelayMs: z.number().min(0).optional(),
      maxDelayMs: z.number().min(0).optional(),
      maxRetryAfterMs: z.number().min(0).optional(),
      maxElapsedMs: z.number().min(0).optional(),
      minDelayMs: z.number().min(0).optional(),
    })
    .strict()
    .optional(),
  allowInsecureCvUrls: z.boolean().optional(),
  maxCvBytes: z.number().int().positive().optional(),
  cvTimeoutMs: z.number().int().positive().optional(),
  maxCvRedirects: z.number().int().min(0).max(20).optional(),
  cvLookup: z
    .custom<CvLookup>(isFn, { error: "must be a function (hostname) => Promise<addresses>" })
    .optional(),
  cvCa: z
    .union([z.string(), z.instanceof(Buffer), z.array(z.union([z.string(), z.instanceof(Buffer)]))], {
      error: "must be PEM text, a Buffer, or a list of them",
    })
    .optional(),
  maxResponseBytes: z.number().int().positive().optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

/** Turns zod issues into ConfigError issues with the option paths the caller wrote. */
export function toConfigIssues(error: z.ZodError, prefix = ""): ConfigIssue[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === "invalid_type" && issue.input === undefined) message = "is required";
    else if (issue.code === "unrecognized_keys") message = `unknown option(s): ${issue.keys.join(", ")}`;
    return { path: prefix + formatPath(issue.path), message };
  });
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  return candidates.find(
    (c) => c.toLowerCase() === lower || c.toLowerCase().replace(/_/g, "") === lower.replace(/[_-]/g, ""),
  );
}

function resolveFn(
  name: string,
  path: string,
  options: {
    localScope?: Readonly<Record<string, unknown>> | undefined;
    globalScope?: Readonly<Record<string, unknown>> | undefined;
  },
  issues: ConfigIssue[],
): ((p: HrflowProfile) => unknown) | undefined {
  for (const scope of [options.localScope, options.globalScope]) {
    if (scope && Object.prototype.hasOwnProperty.call(scope, name)) {
      const fn = scope[name];
      if (isFn(fn)) return fn as (p: HrflowProfile) => unknown;
      issues.push({ path, message: `"${name}" is not a function in the scope` });
      return undefined;
    }
  }
  issues.push({ path, message: `no function named "${name}" in localScope or globalScope` });
  return undefined;
}

/** The vendor options as plain JSON (they hold ids and names, never secrets), for replays. */
function jsonSafe(value: unknown): Record<string, unknown> {
  const parsed: unknown = JSON.parse(JSON.stringify(value ?? {}));
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {};
}

function todayOf(clock: Clock): { year: number; month: number; day: number } {
  const d = new Date(clock.now());
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Validates a payload (from the mapping or a user format) against the vendor schema. */
export function validatePayload<P>(
  schema: z.ZodType<P>,
  payload: unknown,
  context: { connector: string; profileKey: string; source: string },
): P {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const fieldOf = (issue: z.core.$ZodIssue): string => {
    const path = formatPath(issue.path);
    return path ? `payload.${path}` : "payload";
  };
  const [first, ...rest] = parsed.error.issues;
  const field = first ? fieldOf(first) : "payload";
  const more =
    rest.length > 0
      ? ` (also: ${rest
          .slice(0, 4)
          .map((i) => `${fieldOf(i)}: ${i.message}`)
          .join("; ")})`
      : "";
  throw new MappingError(
    field,
    `${first?.message ?? "invalid"}${more}; produced by ${context.source}`,
    context,
  );
}

/** Splits options into common and vendor parts, validating both; one ConfigError lists every problem. */
function validateOptions<O>(
  def: ConnectorDefinition<O>,
  raw: unknown,
): { common: z.output<typeof CommonSchema>; vendor: O } {
  if (raw === null || typeof raw !== "object") {
    throw new ConfigError([{ path: "", message: "pushProfile expects an options object" }], {
      connector: def.name,
    });
  }
  const input = raw as Record<string, unknown>;
  const commonKeys = Object.keys(CommonSchema.shape);
  const vendorKeys = Object.keys(def.optionsSchema.shape);
  const commonInput: Record<string, unknown> = {};
  const vendorInput: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (commonKeys.includes(key)) commonInput[key] = value;
    else if (vendorKeys.includes(key)) vendorInput[key] = value;
    else if (value !== undefined) {
      const hint = closest(key, [...commonKeys, ...vendorKeys]);
      issues.push({ path: key, message: `unknown option${hint ? ` (did you mean "${hint}"?)` : ""}` });
    }
  }
  const common = CommonSchema.safeParse(commonInput);
  if (!common.success) issues.push(...toConfigIssues(common.error));
  const vendor = def.optionsSchema.safeParse(vendorInput);
  if (!vendor.success) issues.push(...toConfigIssues(vendor.error));
  if (common.success && !def.auth.accepts(common.data.auth)) {
    issues.push({
      path: "auth",
      message: `${def.displayName} expects ${def.auth.classes.join(" or ")}, got ${common.data.auth.kind}`,
    });
  }
  if (common.success && common.data.format && common.data.formatFunctionName) {
    issues.push({ path: "format", message: "give either format or formatFunctionName, not both" });
  }
  if (issues.length > 0 || !common.success || !vendor.success) {
    throw new ConfigError(issues, { connector: def.name, summary: `Invalid ${def.displayName} options` });
  }
  return { common: common.data, vendor: vendor.data as O };
}

/**
 * Checks the options of a push as {@link runPushProfile} would, without pushing: one ConfigError lists
 * every problem. Returns the vendor options as the schema reads them (defaults applied), as the ledger keeps
 * them. A batch checks each target once before its first push.
 */
export function checkPushOptions<O>(def: ConnectorDefinition<O>, rawOptions: unknown): O {
  return validateOptions(def, rawOptions).vendor;
}

/** How a failure is classified in the ledger, which decides what `replay` does with it. */
export function failureKind(error: unknown): FailureKind {
  if (isConfigError(error)) return "config";
  if (isAuthError(error)) return "auth";
  if (isMappingError(error)) return "mapping";
  if (isAmbiguousCreateError(error) && error.needsResolve) return "in-doubt";
  if (isHrflowError(error)) {
    if (error.code === 401 || error.code === 403) return "auth";
    if (error.notFound) return "config";
  }
  return "retryable";
}

/** The error as the ledger keeps it: name, redacted message, kind. */
function describeError(error: unknown, redact: (text: string) => string): LedgerError {
  return isConnectorsError(error)
    ? { name: error.name, message: error.message, kind: failureKind(error) }
    : {
        name: "Error",
        message: redact(error instanceof Error ? error.message : String(error)),
        kind: "retryable",
      };
}

/** Short hashes of each payload field: a dry run compares them with the ledger's without keeping the profile. */
export function payloadFingerprint(payload: unknown): Record<string, string> {
  const fields =
    payload !== null && typeof payload === "object" && !Array.isArray(payload)
      ? Object.entries(payload)
      : [["payload", payload] as const];
  const out: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (value === undefined) continue;
    out[name] = createHash("sha256").update(JSON.stringify(value)).digest("base64url").slice(0, 16);
  }
  return out;
}

/** A new ledger entry for a key. */
function freshEntry(key: LedgerKey, sourceKey: string, baseUrl: string, nowIso: string): LedgerEntry {
  return {
    ...key,
    sourceKey,
    baseUrl,
    options: {},
    vendorId: undefined,
    outcome: "pending",
    steps: {},
    attempts: 0,
    lastError: undefined,
    fingerprint: undefined,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
}

/**
 * The ledger target of a connector's account: the base URL, a fingerprint of the credential and the scope
 * the connector derives from its options (a Breezy position). Pushes of one profile to the same target are
 * the same ledger entry.
 */
export function ledgerTarget<O>(
  def: ConnectorDefinition<O>,
  input: { auth: VendorAuth; baseUrl?: string | undefined; options: O },
): string {
  const baseUrl = (input.baseUrl ?? def.defaultBaseUrl).replace(/\/+$/, "");
  return [baseUrl, input.auth.accountId(), def.targetScope?.(input.options)].filter(Boolean).join("|");
}

/**
 * What a caller that holds the profile already passes to {@link runPushProfile}: a batch reads whole pages
 * of profiles from HrFlow and does not pull each one again.
 */
export interface PushInputs {
  /** The profile as HrFlow returned it (parsed); used instead of pulling `profile` again. */
  profile?: HrflowProfile | undefined;
}

/**
 * The push-profile pipeline behind every connector: validate options, pull the profile, apply logics,
 * map or format, validate the payload, claim the (connector, target, profile), then run the connector's
 * plan with the ledger (or plan it, in a dry run).
 */
export async function runPushProfile<O, P>(
  def: ConnectorDefinition<O, P>,
  rawOptions: unknown,
  inputs: PushInputs = {},
): Promise<WorkflowResponse> {
  const { common, vendor } = validateOptions(def, rawOptions);
  // Without a runtime, this call gets its own: its ledger, limits and claims last for this push only.
  const runtime = common.runtime ?? createRuntime();
  try {
    return await pushWith(def, common, vendor, runtime, inputs);
  } finally {
    if (!common.runtime) await runtime.close();
  }
}

async function pushWith<O, P>(
  def: ConnectorDefinition<O, P>,
  common: z.output<typeof CommonSchema>,
  vendor: O,
  runtime: Runtime,
  inputs: PushInputs,
): Promise<WorkflowResponse> {
  const clock = runtime.clock;
  const auth = common.auth;
  const redact = createRedactor(() => [...auth.secrets(), ...common.hrflowClient.secrets()]);
  const logger = redactingLogger(common.logger ?? runtime.logger, redact);
  const profileRef = common.profile;
  const refLabel = "key" in profileRef ? profileRef.key : profileRef.reference;
  const context = { connector: def.name, profileKey: refLabel };
  const dryRun: false | DryRunMode = common.dryRun === true ? "ledger" : (common.dryRun ?? false);
  const store = runtime.store.ledger;
  const nowIso = (): string => new Date(clock.now()).toISOString();

  // Resolve logic and format names before any request, so a typo costs nothing.
  const issues: ConfigIssue[] = [];
  const logics = (common.logics ?? []).map((logic, i) =>
    typeof logic === "string" ? resolveFn(logic, `logics[${i}]`, common, issues) : logic,
  );
  const format = common.formatFunctionName
    ? resolveFn(common.formatFunctionName, "formatFunctionName", common, issues)
    : common.format;
  if (issues.length > 0)
    throw new ConfigError(issues, { ...context, summary: `Invalid ${def.displayName} options` });

  const baseUrl = (common.baseUrl ?? def.defaultBaseUrl).replace(/\/+$/, "");
  const target = ledgerTarget(def, { auth, baseUrl, options: vendor });
  const keyOf = (profileKey: string): LedgerKey => ({ connector: def.name, target, profileKey });
  const options = jsonSafe(vendor);

  /** A failure before the push could start (HrFlow down, a refused mapping): recorded so replay sees it. */
  const recordEarlyFailure = async (profileKey: string, error: unknown): Promise<void> => {
    if (dryRun) return;
    const key = keyOf(profileKey);
    const held = await runtime.claim(key, { wait: false });
    if (!held) return;
    try {
      const entry = (await store.get(key)) ?? freshEntry(key, profileRef.source.key, baseUrl, nowIso());
      entry.attempts += 1;
      entry.options = options;
      entry.outcome = "failed";
      entry.lastError = describeError(error, redact);
      entry.updatedAt = nowIso();
      await store.put(entry, held.current());
    } finally {
      await held.release();
    }
  };

  let profileKey = "key" in profileRef ? profileRef.key : `ref:${profileRef.reference}`;
  let stage = "pull";
  try {
    if (!inputs.profile)
      logger.info(`Pulling profile ${refLabel} from source ${profileRef.source.key}`, {
        connector: def.name,
        event: "pull",
      });
    let profile =
      inputs.profile ??
      (await common.hrflowClient.getProfile(
        "key" in profileRef
          ? { sourceKey: profileRef.source.key, key: profileRef.key }
          : { sourceKey: profileRef.source.key, reference: profileRef.reference },
      ));
    profileKey = profile.key ?? refLabel;
    context.profileKey = profileKey;

    for (const [i, logic] of logics.entries()) {
      if (!logic) continue;
      const out: unknown = await logic(profile);
      if (out === null || out === undefined) {
        logger.info(`Profile ${profileKey} discarded by logics[${i}]`, { connector: def.name });
        return { status_code: 200, headers: { ...HEADERS }, message: "Profile discarded by logics" };
      }
      profile = parseHrflowProfile(out, context, common.hrflowClient.profileLimits);
    }
    const pulled = profile;

    const steps: StepReport[] = [];
    const warnings: string[] = [];
    const warn = (message: string): void => {
      const clean = redact(message);
      if (warnings.includes(clean)) return;
      warnings.push(clean);
      logger.warn(message, { connector: def.name, profileKey, event: "warning" });
    };

    let cvPromise: Promise<CvResult> | undefined;
    const loadCv = (): Promise<CvResult> => {
      cvPromise ??= (async (): Promise<CvResult> => {
        // A CV attachment whose URL is unusable (no dot in the host, an IP literal, another scheme) is a failed
        // CV with its reason, never "no CV".
        const attachment = resumeAttachment(pulled) ?? cvAttachmentWithAnyUrl(pulled);
        const url = attachment?.public_url?.trim();
        if (!attachment || !url) return { status: "absent" };
        logger.debug("Downloading the CV", { connector: def.name, event: "cv-download" });
        const result = await fetchCv(
          {
            url,
            fileName: attachment.original_file_name ?? attachment.file_name,
            extension: attachment.extension,
          },
          {
            allowInsecureHosts: common.allowInsecureCvUrls,
            maxBytes: common.maxCvBytes,
            timeoutMs: common.cvTimeoutMs,
            maxRedirects: common.maxCvRedirects,
            lookup: common.cvLookup,
            ca: common.cvCa,
            clock,
            redact,
          },
        );
        if (result.status === "failed") warn(`CV not fetched: ${result.reason}`);
        return result;
      })();
      return cvPromise;
    };

    stage = "map";
    const extras = {
      cv: def.cvMode === "inline" ? await loadCv() : undefined,
      today: todayOf(clock),
      allowInsecureCvUrls: common.allowInsecureCvUrls ?? false,
      warnings: [] as string[],
    };
    const payload = format
      ? validatePayload(def.payloadSchema, await format(pulled), {
          ...context,
          source: "the format function",
        })
      : validatePayload(def.payloadSchema, def.map(pulled, vendor, extras), {
          ...context,
          source: "the default mapping",
        });
    const fingerprint = payloadFingerprint(payload);
    // What the mapping cut or left out (texts longer than a vendor field, phones it could not normalise).
    for (const warning of extras.warnings) warn(warning);

    stage = "push";
    const key = keyOf(profileKey);
    const held = dryRun ? undefined : await runtime.claim(key, { signal: common.signal });
    if (!dryRun && !held) {
      throw new BusyError(
        `another push of this profile to this ${def.displayName} target is still running; nothing was sent. Push again once it has finished`,
        context,
      );
    }
    const signals = [common.signal, held?.lost].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    const existing = await store.get(key);
    const entry = existing ?? freshEntry(key, profileRef.source.key, baseUrl, nowIso());
    entry.attempts += 1;
    entry.outcome = "pending";
    entry.sourceKey = profileRef.source.key;
    entry.baseUrl = baseUrl;
    entry.options = options;
    const record = new PushRecord(store, entry, {
      persist: !dryRun,
      clock,
      claim: () => held?.current(),
    });
    const planned: PlannedRequest[] | undefined = dryRun ? [] : undefined;
    try {
      if (!dryRun) await record.save();
      if (!dryRun && "reference" in profileRef) await store.forget(keyOf(`ref:${profileRef.reference}`));

      const wireAuth = def.wireAuth?.(auth) ?? auth;
      const policy = typeof def.rateLimit === "function" ? def.rateLimit(auth) : def.rateLimit;
      const limiter = runtime.rateLimits.limiterFor(`${def.name}|${baseUrl}|${auth.accountId()}`, policy);
      const makeClient = (url: string): HttpClient =>
        new HttpClient({
          vendor: def.displayName,
          baseUrl: url,
          fetch: common.fetch ?? runtime.fetch,
          auth: wireAuth,
          logger,
          clock,
          timeoutMs: common.timeoutMs,
          retry: common.retry,
          limiter,
          redactor: redact,
          context,
          isAuthRefused: def.isAuthRefused,
          errorMessage: def.errorMessage,
          authHint: def.auth.hint,
          dryRun: planned,
          readVendor: dryRun === "vendor",
          signal,
          maxResponseBytes: common.maxResponseBytes,
        });
      const http = makeClient(baseUrl);
      const pushContext: PushContext<O, P> = {
        connector: def.name,
        profile: pulled,
        options: vendor,
        payload,
        http,
        auth: wireAuth,
        logger,
        clock,
        dryRun,
        cv: loadCv,
        client: makeClient,
        memo: (name, compute) => runtime.memo(`${def.name}|${baseUrl}|${auth.accountId()}|${name}`, compute),
        report: (step) => steps.push(step),
        warn,
      };
      const plan = await def.plan(pushContext);
      const outcome = await runPlan(plan, {
        ctx: pushContext,
        record,
        runtime,
        vendor: def.displayName,
        fingerprint,
        signal,
        report: (step) =>
          steps.push(dryRun && step.status === "done" ? { ...step, status: "planned" } : step),
        warn,
        resolveHint: `hrflow-connectors ledger resolve ${def.name} ${profileKey} --vendor-id <id>`,
      });
      const { incomplete } = outcome;
      if (!dryRun)
        await record.finish(incomplete ? "partial" : outcome.action, incomplete ? {} : { fingerprint });
      logger.info(
        `Profile ${profileKey} ${outcome.action} in ${def.displayName}${outcome.vendorId ? ` (id ${outcome.vendorId})` : ""}`,
        { connector: def.name },
      );
      const result: PushProfileResult = {
        connector: def.name,
        profileKey,
        action: outcome.action,
        vendorId: outcome.vendorId,
        cv: outcome.cv,
        steps,
        warnings,
      };
      if (outcome.recreated !== undefined) result.recreated = outcome.recreated;
      if (planned && dryRun) {
        result.plannedFrom = dryRun;
        result.plannedRequests = planned;
        return { status_code: 200, headers: { ...HEADERS }, message: "Dry run: nothing was sent", result };
      }
      if (incomplete) {
        const failed = steps
          .filter((s) => s.status === "failed")
          .map((s) => `${s.step}: ${s.detail ?? "failed"}`);
        const message = `Profile partially pushed${failed.length > 0 ? ` (${failed.join("; ")})` : ""}`;
        return { status_code: 202, headers: { ...HEADERS }, message: redact(message), result };
      }
      const message =
        outcome.recreated !== undefined && outcome.action === "created"
          ? `Profile successfully pushed (re-created: the earlier candidate ${outcome.recreated || "(no id)"} no longer exists in ${def.displayName})`
          : outcome.action === "unchanged"
            ? "Profile already up to date"
            : "Profile successfully pushed";
      return {
        status_code: outcome.action === "unchanged" ? 200 : 201,
        headers: { ...HEADERS },
        message,
        result,
      };
    } catch (error) {
      if (!dryRun) {
        const described = describeError(error, redact);
        await record
          .finish(described.kind === "in-doubt" ? "in-doubt" : "failed", { error: described })
          .catch(() => undefined);
      }
      throw error;
    } finally {
      await held?.release();
    }
  } catch (error) {
    if (stage !== "push" && isConnectorsError(error))
      await recordEarlyFailure(profileKey, error).catch(() => undefined);
    if (isConnectorsError(error)) throw error.addContext(context);
    throw error;
  }
}

/**
 * Turns an error into a workflow response for CATCH workflows: the status code fits the error
 * (400 config, 422 mapping, 401 auth, 429 rate limit, 502/504 vendor failures, 500 otherwise).
 */
export function toWorkflowResponse(error: unknown): WorkflowResponse {
  if (isConnectorsError(error)) {
    const e: ConnectorsError = error;
    return { status_code: e.statusCode, headers: { ...HEADERS }, message: e.message, error: e.toJSON() };
  }
  return { status_code: 500, headers: { ...HEADERS }, message: "Unexpected error", error: { name: "Error" } };
}
