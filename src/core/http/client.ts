import { VERSION } from "../../version.js";
import type { AuthContext, VendorAuth } from "../auth/base.js";
import { systemClock, type Clock } from "../clock.js";
import {
  AuthError,
  ConfigError,
  HttpError,
  NetworkError,
  RateLimitError,
  ResponseTooLargeError,
  ResponseValidationError,
  TimeoutError,
  type ErrorContext,
  type RequestSummary,
} from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import {
  combineRedactors,
  createRedactor,
  isSecretFieldName,
  redactHeaders,
  redactUrl,
  redactValue,
  REDACTED,
  type Redactor,
} from "../redact.js";
import { parseRetryAfter } from "./rate-limit-headers.js";
import { DEFAULT_MAX_RESPONSE_BYTES, formatBytes, readBodyText } from "./read-body.js";
import type { RateLimiter } from "./rate-limiter.js";
import {
  decideRetry,
  resolveRetryOptions,
  type AttemptOutcome,
  type RetryOptions,
  type RetryOverrides,
} from "./retry.js";
import type {
  HttpResponse,
  MultipartFile,
  PlannedRequest,
  QueryValue,
  RequestBody,
  RequestSpec,
} from "./types.js";

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Vendor display name, used in messages ("SmartRecruiters"). */
  vendor: string;
  /** Base URL that relative paths are resolved against (no trailing slash needed). */
  baseUrl: string;
  /** Transport. @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
  /** Credentials applied to every request that does not opt out. */
  auth?: VendorAuth | undefined;
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  /** Jitter source in [0, 1). @default Math.random */
  random?: (() => number) | undefined;
  /** Per-attempt timeout. @default 30000 */
  timeoutMs?: number | undefined;
  retry?: RetryOverrides | undefined;
  limiter?: RateLimiter | undefined;
  /** Extra secrets to mask (the auth's own secrets are always masked). */
  redactor?: Redactor | undefined;
  /** Connector and profile, for error messages. */
  context?: ErrorContext | undefined;
  /**
   * Whether an answer means "these credentials were refused" (the token is then refreshed once).
   * @default status === 401
   */
  isAuthRefused?: ((status: number, body: unknown) => boolean) | undefined;
  /** What to tell the user when credentials are refused, e.g. "Check SMARTRECRUITERS_TOKEN". */
  authHint?: string | undefined;
  /** When set, requests are recorded here and nothing is sent (dry run). */
  dryRun?: PlannedRequest[] | undefined;
  /** In a dry run, send the requests that only read (GET, or marked `readOnly`) for real. @default false */
  readVendor?: boolean | undefined;
  /** Reads the vendor's own error shapes into one message, before the generic shapes are tried. */
  errorMessage?: ((body: unknown) => string | undefined) | undefined;
  /** Abort everything (e.g. on shutdown). */
  signal?: AbortSignal | undefined;
  /**
   * Largest answer body read, in bytes; a larger one is cut off (the connection is closed) and raises
   * `ResponseTooLargeError` naming the vendor and the endpoint.
   * @default 10485760 (10 MiB)
   */
  maxResponseBytes?: number | undefined;
}

type AttemptResult =
  | {
      kind: "response";
      status: number;
      headers: Headers;
      text: string;
      body: unknown;
      usedAuth: Record<string, string>;
    }
  | { kind: "network"; sent: boolean; code: string | undefined; reason: string }
  | { kind: "timeout" };

/** Network error codes that prove nothing reached the server. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTimeoutAbort(error: unknown): boolean {
  return error instanceof Error && error.name === "TimeoutError";
}

/** Extracts the human message of the documented vendor error shapes. */
export function vendorErrorMessage(body: unknown, text: string): string | undefined {
  const pick = (value: unknown): string | undefined =>
    typeof value === "string" && value.trim() !== "" ? value : undefined;
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    // {"error": {"message": "..."}}
    const error = record["error"];
    if (error !== null && typeof error === "object" && !Array.isArray(error)) {
      const message = pick((error as Record<string, unknown>)["message"]);
      if (message) return message;
    }
    // SmartRecruiters / Greenhouse: {"message": "...", "errors": [{"code"|"field", "message"} | "text" | {"field": "msg"}]}
    const details: string[] = [];
    const errors = record["errors"];
    if (Array.isArray(errors)) {
      for (const item of errors.slice(0, 5)) {
        if (typeof item === "string") details.push(item);
        else if (item !== null && typeof item === "object") {
          const entry = item as Record<string, unknown>;
          const message = pick(entry["message"]);
          const field = pick(entry["field"]) ?? pick(entry["code"]);
          if (message) details.push(field ? `${field}: ${message}` : message);
          else details.push(JSON.stringify(entry));
        }
      }
    }
    const head =
      pick(record["message"]) ?? pick(error) ?? pick(record["response"]) ?? pick(record["error_description"]);
    if (head || details.length > 0) return [head, ...details].filter(Boolean).join("; ");
  }
  const trimmed = text.trim();
  return trimmed === "" ? undefined : trimmed.slice(0, 300);
}

function appendQuery(url: URL, query: Readonly<Record<string, QueryValue>> | undefined): void {
  if (!query) return;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, String(item));
    else url.searchParams.set(key, String(value));
  }
}

function isFile(value: string | MultipartFile): value is MultipartFile {
  return typeof value !== "string";
}

const LONG_BASE64 = /^[A-Za-z0-9+/=\r\n]{256,}$/;

/** Dry-run view of a body: files and long base64 strings are summarised. */
function planBody(body: RequestBody | undefined, redact: Redactor): unknown {
  if (!body) return undefined;
  const summarise = (value: unknown): unknown => {
    if (typeof value === "string" && LONG_BASE64.test(value)) {
      return `<base64, ${Math.round((value.length * 3) / 4)} bytes>`;
    }
    if (Array.isArray(value)) return value.map(summarise);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summarise(v)]));
    }
    return value;
  };
  if ("json" in body) return summarise(redactValue(body.json, redact));
  if ("form" in body) return redactValue(body.form, redact);
  return Object.fromEntries(
    Object.entries(body.multipart).map(([name, value]) => [
      name,
      isFile(value)
        ? `<file ${value.fileName}, ${value.contentType}, ${value.bytes.byteLength} bytes>`
        : isSecretFieldName(name)
          ? REDACTED
          : redact(value),
    ]),
  );
}

function encodeBody(body: RequestBody | undefined): {
  body?: NonNullable<RequestInit["body"]>;
  contentType?: string;
} {
  if (!body) return {};
  if ("json" in body) return { body: JSON.stringify(body.json), contentType: "application/json" };
  if ("form" in body)
    return {
      body: new URLSearchParams(body.form).toString(),
      contentType: "application/x-www-form-urlencoded",
    };
  const form = new FormData();
  for (const [name, value] of Object.entries(body.multipart)) {
    if (isFile(value))
      form.append(name, new Blob([value.bytes], { type: value.contentType }), value.fileName);
    else form.append(name, value);
  }
  return { body: form };
}

/**
 * The HTTP layer used by every outbound call: injectable fetch, per-attempt timeout, one retry policy,
 * per-vendor rate limits, auth with a single refresh on refusal, typed errors with redacted details, and a
 * debug log line per attempt (method, redacted URL, status, duration).
 */
export class HttpClient {
  readonly vendor: string;
  readonly baseUrl: string;
  readonly redact: Redactor;
  readonly #fetch: typeof fetch;
  readonly #auth: VendorAuth | undefined;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #timeoutMs: number;
  readonly #retry: RetryOptions;
  readonly #limiter: RateLimiter | undefined;
  readonly #context: ErrorContext;
  readonly #isAuthRefused: (status: number, body: unknown) => boolean;
  readonly #authHint: string | undefined;
  readonly #dryRun: PlannedRequest[] | undefined;
  readonly #readVendor: boolean;
  readonly #errorMessage: ((body: unknown) => string | undefined) | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #maxResponseBytes: number;

  constructor(options: HttpClientOptions) {
    this.vendor = options.vendor;
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#auth = options.auth;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry = resolveRetryOptions(options.retry);
    this.#limiter = options.limiter;
    this.#context = options.context ?? {};
    this.#isAuthRefused = options.isAuthRefused ?? ((status) => status === 401);
    this.#authHint = options.authHint;
    this.#dryRun = options.dryRun;
    this.#readVendor = options.readVendor ?? false;
    this.#errorMessage = options.errorMessage;
    this.#signal = options.signal;
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const auth = this.#auth;
    const own = createRedactor(() => auth?.secrets() ?? []);
    this.redact = options.redactor ? combineRedactors(own, options.redactor) : own;
    this.#logger = options.logger ?? silentLogger;
  }

  /** True when requests are recorded instead of sent. */
  get dryRun(): boolean {
    return this.#dryRun !== undefined;
  }

  /** Aborts the client's requests and waits (shutdown, a lost claim). */
  get signal(): AbortSignal | undefined {
    return this.#signal;
  }

  /**
   * Like {@link request}, for a read whose 404 means "not there": resolves to undefined on 404, to the
   * parsed answer otherwise (an answer that does not match `spec.response` is a ResponseValidationError).
   */
  async find<T>(spec: RequestSpec<T>): Promise<T | undefined> {
    const { response: schema, ...rest } = spec;
    const response = await this.request<unknown>({
      ...rest,
      expect: [...(spec.expect ?? [200]), 404],
      dryRun: spec.dryRun ?? { response: undefined },
    });
    // A dry run that did not send it: the canned answer.
    if (response.status === 0) return spec.dryRun?.response;
    if (response.status === 404) return undefined;
    if (!schema) return response.data as T;
    const parsed = schema.safeParse(response.data);
    if (parsed.success) return parsed.data;
    throw new ResponseValidationError(
      `${this.vendor}: ${spec.operation} (${response.status})`,
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`),
      this.#context,
    );
  }

  /** Resolves a path against the base URL. */
  url(path: string, query?: Readonly<Record<string, QueryValue>>): URL {
    const url = /^https?:\/\//i.test(path)
      ? new URL(path)
      : new URL(this.baseUrl + (path.startsWith("/") ? path : `/${path}`));
    appendQuery(url, query);
    return url;
  }

  /** Sends a request with retries, rate limits and auth; returns the parsed answer or throws a typed error. */
  async request<T>(spec: RequestSpec<T>): Promise<HttpResponse<T>> {
    const url = this.url(spec.path, spec.query);
    const summary: RequestSummary = {
      method: spec.method,
      url: redactUrl(url.toString(), this.redact),
      operation: spec.operation,
    };

    const readOnly = spec.readOnly ?? spec.method === "GET";
    if (this.#dryRun && !(this.#readVendor && readOnly)) {
      if (spec.authenticate === false && spec.dryRun === undefined) {
        throw new Error(`internal: "${spec.operation}" cannot run in a dry run`);
      }
      const headers: Record<string, string> = { ...spec.headers };
      if (spec.authenticate !== false && this.#auth)
        for (const name of this.#auth.headerNames()) headers[name] = REDACTED;
      const planned: PlannedRequest = {
        operation: spec.operation,
        method: spec.method,
        url: summary.url,
        headers: redactHeaders(headers, this.redact, this.#auth?.headerNames() ?? []),
      };
      const body = planBody(spec.body, this.redact);
      if (body !== undefined) planned.body = body;
      this.#dryRun.push(planned);
      if (!spec.dryRun) throw new Error(`internal: "${spec.operation}" has no dry-run answer`);
      return { status: 0, headers: new Headers(), data: spec.dryRun.response, text: "" };
    }

    const idempotent =
      spec.idempotent ?? (spec.method === "GET" || spec.method === "PUT" || spec.method === "DELETE");
    const started = this.#clock.now();
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attemptOnce(spec, url, attempt);
      let outcome: AttemptOutcome;
      if (result.kind === "response") {
        const { status } = result;
        const ok = spec.expect ? spec.expect.includes(status) : status >= 200 && status < 300;
        if (ok) return this.#parse(spec, result);
        if (spec.authenticate !== false && this.#auth && this.#isAuthRefused(status, result.body)) {
          // A refused token was never executed, so asking for a fresh one and repeating is safe — once.
          if (!refreshed && this.#auth.invalidate(result.usedAuth)) {
            refreshed = true;
            this.#logger.info(`${this.vendor} refused the token; signing in again`, {
              operation: spec.operation,
            });
            attempt--;
            continue;
          }
          throw this.#authError(status, result, summary);
        }
        if (status === 403 && spec.authenticate !== false) throw this.#authError(status, result, summary);
        if (status === 404 && spec.notFound) {
          // A 404 on a path built from an id the user gave (a job, a position): their option is wrong.
          const vendorMessage = this.#vendorMessage(result);
          throw new ConfigError(
            [
              {
                path: spec.notFound.option,
                message: `${this.vendor} does not know ${spec.notFound.what} (404 on ${spec.operation}${vendorMessage ? `: "${vendorMessage}"` : ""}); check ${spec.notFound.option}`,
              },
            ],
            { ...this.#context, summary: `Invalid ${this.vendor} options` },
          );
        }
        const retryAfterMs = parseRetryAfter(result.headers.get("retry-after"), this.#clock.now());
        // The vendor said when to come back (429, or 503 Service Unavailable): every request to it waits.
        if ((status === 429 || status === 503) && retryAfterMs !== undefined && retryAfterMs > 0)
          this.#limiter?.pauseFor(retryAfterMs);
        outcome = { kind: "response", status, retryAfterMs };
      } else if (result.kind === "network") {
        outcome = { kind: "network", sent: result.sent };
      } else {
        outcome = { kind: "timeout" };
      }

      const elapsedMs = this.#clock.now() - started;
      const decision = decideRetry({
        attempt,
        outcome,
        idempotent,
        elapsedMs,
        options: this.#retry,
        random: this.#random,
      });
      if (decision.retry) {
        this.#logger.warn(`${this.vendor}: ${spec.operation} will be retried in ${decision.delayMs} ms`, {
          attempt,
          outcome: result.kind === "response" ? result.status : result.kind,
          event: "retry-wait",
          vendor: this.vendor,
          operation: spec.operation,
          waitMs: decision.delayMs,
        });
        await this.#clock.sleep(decision.delayMs, this.#signal);
        continue;
      }
      throw this.#finalError(result, summary, {
        attempts: attempt,
        elapsedMs,
        ambiguous: decision.reason === "ambiguous",
        reason: decision.reason,
      });
    }
  }

  #authContext(): AuthContext {
    return {
      // Obtaining a token writes nothing a dry run must hold back: a dry run that reads the vendor signs in.
      send: (spec) => this.request({ ...spec, authenticate: false, rateLimited: false, readOnly: true }),
      clock: this.#clock,
      logger: this.#logger,
      authHint: this.#authHint,
    };
  }

  async #attemptOnce<T>(spec: RequestSpec<T>, url: URL, attempt: number): Promise<AttemptResult> {
    const usedAuth =
      spec.authenticate !== false && this.#auth ? await this.#auth.headers(this.#authContext()) : {};
    const send = (): Promise<AttemptResult> => {
      this.#logger.debug(`${this.vendor}: ${spec.operation}`, {
        event: "request",
        vendor: this.vendor,
        operation: spec.operation,
      });
      return this.#send(spec, url, attempt, usedAuth);
    };
    if (this.#limiter && spec.rateLimited !== false)
      return this.#limiter.schedule(spec.lane, send, {
        signal: this.#signal,
        onWait: (waitMs) => {
          this.#logger.debug(
            `${this.vendor}: ${spec.operation} waits ${waitMs === undefined ? "its turn" : `${waitMs} ms`} for the rate limit`,
            { event: "rate-limit-wait", vendor: this.vendor, operation: spec.operation, waitMs },
          );
        },
      });
    return send();
  }

  async #send<T>(
    spec: RequestSpec<T>,
    url: URL,
    attempt: number,
    usedAuth: Record<string, string>,
  ): Promise<AttemptResult> {
    const encoded = encodeBody(spec.body);
    const headers = new Headers({ accept: "application/json", "user-agent": `hrflow-connectors/${VERSION}` });
    if (encoded.contentType) headers.set("content-type", encoded.contentType);
    for (const [name, value] of Object.entries({ ...spec.headers, ...usedAuth })) headers.set(name, value);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = this.#signal ? AbortSignal.any([timeout, this.#signal]) : timeout;
    const started = this.#clock.now();
    const logUrl = redactUrl(url.toString(), this.redact);
    // A vendor API that redirects is not followed: the credentials would go wherever the Location says.
    const init: RequestInit = { method: spec.method, headers, signal, redirect: "manual" };
    if (encoded.body !== undefined) init.body = encoded.body;
    try {
      const response = await this.#fetch(url, init);
      const text = await this.#readText(response, spec, url);
      let body: unknown = undefined;
      if (text.trim() !== "") {
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
      }
      // Quota headers speak for the metered API; a request outside the limiter (a token request) is
      // metered apart by the vendor (Greenhouse's token endpoint has its own window).
      if (spec.rateLimited !== false) this.#limiter?.observe(response.headers);
      this.#logger.debug(
        `HTTP ${spec.method} ${logUrl} -> ${response.status} (${this.#clock.now() - started} ms)`,
        {
          vendor: this.vendor,
          operation: spec.operation,
          attempt,
        },
      );
      return { kind: "response", status: response.status, headers: response.headers, text, body, usedAuth };
    } catch (error) {
      if (this.#signal?.aborted || error instanceof ResponseTooLargeError) throw error;
      if (isTimeoutAbort(error) || timeout.aborted) {
        this.#logger.debug(`HTTP ${spec.method} ${logUrl} -> timeout after ${this.#timeoutMs} ms`, {
          vendor: this.vendor,
          attempt,
        });
        return { kind: "timeout" };
      }
      const code = errorCode(error);
      const reason = this.redact(code ?? (error instanceof Error ? error.message : "connection failed"));
      this.#logger.debug(`HTTP ${spec.method} ${logUrl} -> network error ${reason}`, {
        vendor: this.vendor,
        attempt,
      });
      return { kind: "network", sent: code === undefined || !NOT_SENT_CODES.has(code), code, reason };
    }
  }

  /** The only place an answer body is read: bounded by `maxResponseBytes`. */
  async #readText<T>(response: Response, spec: RequestSpec<T>, url: URL): Promise<string> {
    const read = await readBodyText(response, this.#maxResponseBytes);
    if (read.ok) return read.text;
    throw new ResponseTooLargeError(this.vendor, this.#maxResponseBytes, {
      ...this.#context,
      request: {
        method: spec.method,
        url: redactUrl(url.toString(), this.redact),
        operation: spec.operation,
      },
      status: response.status,
      limitText: formatBytes(this.#maxResponseBytes),
      seen: read.reason === "declared" ? `Content-Length: ${read.size}` : `${formatBytes(read.size)} read`,
    });
  }

  #parse<T>(spec: RequestSpec<T>, result: Extract<AttemptResult, { kind: "response" }>): HttpResponse<T> {
    if (!spec.response) {
      return { status: result.status, headers: result.headers, data: result.body as T, text: result.text };
    }
    const parsed = spec.response.safeParse(result.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`,
      );
      throw new ResponseValidationError(
        `${this.vendor}: ${spec.operation} (${result.status})`,
        issues,
        this.#context,
      );
    }
    return { status: result.status, headers: result.headers, data: parsed.data, text: result.text };
  }

  #vendorMessage(result: Extract<AttemptResult, { kind: "response" }>): string | undefined {
    // Redact before extracting: the message is cut to 300 characters, and a cut secret is still a secret.
    const body = redactValue(result.body, this.redact);
    const message = this.#errorMessage?.(body) ?? vendorErrorMessage(body, this.redact(result.text));
    return message === undefined ? undefined : this.redact(message);
  }

  #authError(
    status: number,
    result: Extract<AttemptResult, { kind: "response" }>,
    summary: RequestSummary,
  ): AuthError {
    const vendorMessage = this.#vendorMessage(result);
    const what =
      status === 403
        ? "refused access (403: the credentials lack a permission or scope)"
        : `refused the credentials (${status})`;
    return new AuthError(
      `${this.vendor} ${what} on ${summary.operation}${vendorMessage ? `: "${vendorMessage}"` : ""}`,
      {
        ...this.#context,
        ...(this.#authHint ? { hint: this.#authHint } : {}),
      },
    );
  }

  #finalError(
    result: AttemptResult,
    summary: RequestSummary,
    info: { attempts: number; elapsedMs: number; ambiguous: boolean; reason: string },
  ): Error {
    const common = {
      ...this.#context,
      request: summary,
      attempts: info.attempts,
      elapsedMs: info.elapsedMs,
      ambiguous: info.ambiguous,
    };
    if (result.kind === "response") {
      if (result.status === 429) {
        const retryAfterMs = parseRetryAfter(result.headers.get("retry-after"), this.#clock.now());
        const why =
          info.reason === "retry-after-too-long" && retryAfterMs !== undefined
            ? `asked to wait ${Math.round(retryAfterMs / 1000)} s, more than the ${Math.round(this.#retry.maxRetryAfterMs / 1000)} s cap`
            : `still rate limited after ${info.attempts} attempts over ${(info.elapsedMs / 1000).toFixed(1)} s`;
        return new RateLimitError(`${this.vendor} ${why} (${summary.operation}); try again later`, {
          ...this.#context,
          retryAfterMs,
          attempts: info.attempts,
        });
      }
      return new HttpError(result.status, this.#vendorMessage(result), {
        ...common,
        retryAfterMs: parseRetryAfter(result.headers.get("retry-after"), this.#clock.now()),
      });
    }
    if (result.kind === "network") return new NetworkError(result.reason, { ...common, code: result.code });
    return new TimeoutError(this.#timeoutMs, common);
  }
}
