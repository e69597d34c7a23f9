import { z } from "zod";
import { VendorAuth } from "../core/auth/base.js";
import { systemClock, type Clock } from "../core/clock.js";
import { fetchCv, type CvResult } from "../core/cv.js";
import {
  ConfigError,
  isConnectorsError,
  MappingError,
  type ConfigIssue,
  type ConnectorsError,
} from "../core/errors.js";
import { HttpClient } from "../core/http/client.js";
import { rateLimiterFor } from "../core/http/rate-limiter.js";
import type { RetryOverrides } from "../core/http/retry.js";
import type { PlannedRequest } from "../core/http/types.js";
import { defaultProcessStore } from "../core/ledger/memory.js";
import { ledgerId, type LedgerEntry, type LedgerKey, type PushStore } from "../core/ledger/types.js";
import { redactingLogger, silentLogger, type Logger } from "../core/logger.js";
import { createRedactor } from "../core/redact.js";
import { Hrflow } from "../hrflow/client.js";
import { normalizeUrl, profileEmail, resumeAttachment } from "../hrflow/fields.js";
import { formatPath, parseHrflowProfile, type HrflowProfile } from "../hrflow/schema.js";
import type { ConnectorDefinition, PushContext, PushProfileResult, StepReport } from "./definition.js";
import { PushRecord } from "./push-record.js";

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
  /** Build and validate every request, send nothing to the vendor, return the planned requests. @default false */
  dryRun?: boolean;
  logger?: Logger;
  /** The push ledger. @default an in-memory ledger shared by the process */
  store?: PushStore;
  clock?: Clock;
  /** Per-attempt timeout of vendor calls. @default 30000 */
  timeoutMs?: number;
  retry?: RetryOverrides;
  /** Transport for the CV download. @default globalThis.fetch */
  cvFetch?: typeof fetch;
  /** Allow CV downloads from http:// and loopback hosts (the sandbox). Never in production. @default false */
  allowInsecureCvUrls?: boolean;
  /** Largest CV accepted, in bytes. @default 15 MiB */
  maxCvBytes?: number;
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
  dryRun: z.boolean({ error: "must be true or false" }).optional(),
  logger: z
    .custom<Logger>(
      (v) =>
        v !== null &&
        typeof v === "object" &&
        ["debug", "info", "warn", "error"].every((m) => isFn((v as Record<string, unknown>)[m])),
      { error: "must have debug, info, warn and error methods" },
    )
    .optional(),
  store: z
    .custom<PushStore>(
      (v) =>
        v !== null &&
        typeof v === "object" &&
        ["get", "put", "list"].every((m) => isFn((v as Record<string, unknown>)[m])),
      { error: "must be a push store (get, put, list)" },
    )
    .optional(),
  clock: z
    .custom<Clock>(
      (v) =>
        v !== null &&
        typeof v === "object" &&
        isFn((v as Record<string, unknown>)["now"]) &&
        isFn((v as Record<string, unknown>)["sleep"]),
      { error: "must have now() and sleep()" },
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
    })
    .strict()
    .optional(),
  cvFetch: z.custom<typeof fetch>(isFn, { error: "must be a fetch function" }).optional(),
  allowInsecureCvUrls: z.boolean().optional(),
  maxCvBytes: z.number().int().positive().optional(),
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

const locks = new WeakMap<PushStore, Map<string, Promise<unknown>>>();

/** Runs pushes of the same profile to the same target one after the other (webhooks arrive twice). */
async function withLock<T>(store: PushStore, key: LedgerKey, task: () => Promise<T>): Promise<T> {
  let byKey = locks.get(store);
  if (!byKey) {
    byKey = new Map();
    locks.set(store, byKey);
  }
  const id = ledgerId(key);
  const previous = byKey.get(id) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(task);
  byKey.set(id, run);
  try {
    return await run;
  } finally {
    if (byKey.get(id) === run) byKey.delete(id);
  }
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
 * The push-profile pipeline behind every connector: validate options, pull the profile, apply logics,
 * map or format, validate the payload, then push (or plan, in a dry run) with the ledger.
 */
export async function runPushProfile<O, P>(
  def: ConnectorDefinition<O, P>,
  rawOptions: unknown,
): Promise<WorkflowResponse> {
  const { common, vendor } = validateOptions(def, rawOptions);
  const clock = common.clock ?? systemClock;
  const auth = common.auth;
  const redact = createRedactor(() => [...auth.secrets(), ...common.hrflowClient.secrets()]);
  const logger = redactingLogger(common.logger ?? silentLogger, redact);
  const profileRef = common.profile;
  const refLabel = "key" in profileRef ? profileRef.key : profileRef.reference;
  const context = { connector: def.name, profileKey: refLabel };

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

  try {
    logger.info(`Pulling profile ${refLabel} from source ${profileRef.source.key}`, {
      connector: def.name,
      event: "pull",
    });
    let profile = await common.hrflowClient.getProfile(
      "key" in profileRef
        ? { sourceKey: profileRef.source.key, key: profileRef.key }
        : { sourceKey: profileRef.source.key, reference: profileRef.reference },
    );
    const profileKey = profile.key ?? refLabel;
    context.profileKey = profileKey;

    for (const [i, logic] of logics.entries()) {
      if (!logic) continue;
      const out: unknown = await logic(profile);
      if (out === null || out === undefined) {
        logger.info(`Profile ${profileKey} discarded by logics[${i}]`, { connector: def.name });
        return { status_code: 200, headers: { ...HEADERS }, message: "Profile discarded by logics" };
      }
      profile = parseHrflowProfile(out, context);
    }

    const steps: StepReport[] = [];
    const warnings: string[] = [];
    const warn = (message: string): void => {
      warnings.push(redact(message));
      logger.warn(message, { connector: def.name, profileKey, event: "warning" });
    };

    let cvPromise: Promise<CvResult> | undefined;
    const loadCv = (): Promise<CvResult> => {
      cvPromise ??= (async (): Promise<CvResult> => {
        const attachment = resumeAttachment(profile);
        const url = normalizeUrl(attachment?.public_url);
        if (!attachment || !url) return { status: "absent" };
        logger.debug("Downloading the CV", { connector: def.name, event: "cv-download" });
        const result = await fetchCv(
          {
            url: attachment.public_url?.trim() ?? url,
            fileName: attachment.original_file_name ?? attachment.file_name,
            extension: attachment.extension,
          },
          {
            fetch: common.cvFetch,
            allowInsecureHosts: common.allowInsecureCvUrls,
            maxBytes: common.maxCvBytes,
            clock,
            redact,
          },
        );
        if (result.status === "failed") warn(`CV not fetched: ${result.reason}`);
        return result;
      })();
      return cvPromise;
    };

    const extras = {
      cv: def.cvMode === "inline" ? await loadCv() : undefined,
      today: todayOf(clock),
      warnings: [] as string[],
    };
    const payload = format
      ? validatePayload(def.payloadSchema, await format(profile), {
          ...context,
          source: "the format function",
        })
      : validatePayload(def.payloadSchema, def.map(profile, vendor, extras), {
          ...context,
          source: "the default mapping",
        });
    // What the mapping cut or left out (texts longer than a vendor field, phones it could not normalise).
    for (const warning of extras.warnings) warn(warning);

    const baseUrl = (common.baseUrl ?? def.defaultBaseUrl).replace(/\/+$/, "");
    const store = common.store ?? defaultProcessStore();
    const scope = def.targetScope?.(vendor);
    const key: LedgerKey = {
      connector: def.name,
      target: [baseUrl, auth.accountId(), scope].filter(Boolean).join("|"),
      profileKey,
    };
    const planned: PlannedRequest[] | undefined = common.dryRun ? [] : undefined;
    const dryRun = planned !== undefined;

    return await withLock(store, key, async () => {
      const now = (): Date => new Date(clock.now());
      const existing = await store.get(key);
      const entry: LedgerEntry = existing ?? {
        ...key,
        sourceKey: profileRef.source.key,
        email: undefined,
        vendorId: undefined,
        outcome: "pending",
        steps: {},
        attempts: 0,
        lastError: undefined,
        createdAt: now().toISOString(),
        updatedAt: now().toISOString(),
      };
      entry.attempts += 1;
      entry.outcome = "pending";
      entry.sourceKey = profileRef.source.key;
      entry.baseUrl = baseUrl;
      entry.options = jsonSafe(vendor);
      const record = new PushRecord(store, entry, { persist: !dryRun, now });
      if (!dryRun) await store.put(entry);
      await record.setEmail(profileEmail(profile));

      const wireAuth = def.wireAuth?.(auth) ?? auth;
      const policy = typeof def.rateLimit === "function" ? def.rateLimit(auth) : def.rateLimit;
      const makeClient = (url: string): HttpClient =>
        new HttpClient({
          vendor: def.displayName,
          baseUrl: url,
          fetch: common.fetch,
          auth: wireAuth,
          logger,
          clock,
          timeoutMs: common.timeoutMs,
          retry: common.retry,
          limiter: rateLimiterFor(`${baseUrl}|${auth.accountId()}`, def.name, policy, clock),
          redactor: redact,
          context,
          isAuthRefused: def.isAuthRefused,
          authHint: def.auth.hint,
          dryRun: planned,
          signal: common.signal,
        });
      const pushContext: PushContext<O, P> = {
        connector: def.name,
        profile,
        options: vendor,
        payload,
        http: makeClient(baseUrl),
        auth: wireAuth,
        record,
        logger,
        clock,
        dryRun,
        cv: loadCv,
        client: makeClient,
        report: (step) =>
          steps.push(dryRun && step.status === "done" ? { ...step, status: "planned" } : step),
        warn,
      };
      try {
        const outcome = await def.push(pushContext);
        // The candidate is there but something after it (CV, an application) failed: loud, and replayable.
        const incomplete =
          outcome.action === "partial" ||
          outcome.cv.status === "failed" ||
          steps.some((s) => s.status === "failed");
        if (!dryRun) await record.finish(incomplete ? "partial" : outcome.action);
        logger.info(
          `Profile ${profileKey} ${outcome.action} in ${def.displayName}${outcome.vendorId ? ` (id ${outcome.vendorId})` : ""}`,
          {
            connector: def.name,
          },
        );
        const result: PushProfileResult = { connector: def.name, profileKey, ...outcome, steps, warnings };
        if (planned) {
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
        return { status_code: 201, headers: { ...HEADERS }, message: "Profile successfully pushed", result };
      } catch (error) {
        if (!dryRun) {
          const described = isConnectorsError(error)
            ? { name: error.name, message: error.message }
            : { name: "Error", message: redact(String(error)) };
          await record.finish("failed", described);
        }
        throw error;
      }
    });
  } catch (error) {
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
