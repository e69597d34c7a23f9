/**
 * One error base for the whole toolkit. Every class sets a literal `name`, has an `isXError` guard and a
 * "Raised when ..." doc. Messages say what failed, for which connector and profile, and what to do.
 * Secrets are removed by whoever builds the error (the HTTP layer passes every text through its redactor
 * before constructing one), so no later log line can leak them.
 */

/** Where an error happened: which connector, which HrFlow profile. */
export interface ErrorContext {
  connector?: string | undefined;
  profileKey?: string | undefined;
}

/** The literal names of every error this package throws. */
export type ConnectorsErrorName =
  | "ConfigError"
  | "MappingError"
  | "HrflowError"
  | "AuthError"
  | "RateLimitError"
  | "HttpError"
  | "NetworkError"
  | "TimeoutError"
  | "ResponseValidationError"
  | "ResponseTooLargeError"
  | "AmbiguousCreateError"
  | "BusyError";

interface BaseOptions extends ErrorContext {
  cause?: unknown;
}

function prefix(context: ErrorContext): string {
  const parts: string[] = [];
  if (context.connector) parts.push(context.connector);
  if (context.profileKey) parts.push(`profile ${context.profileKey}`);
  return parts.length > 0 ? `[${parts.join(", ")}] ` : "";
}

/** Base class of every error thrown by hrflow-connectors. */
export abstract class ConnectorsError extends Error {
  abstract override readonly name: ConnectorsErrorName;
  /** A status code fitting a CATCH workflow response (see `toWorkflowResponse`). */
  abstract readonly statusCode: number;
  connector: string | undefined;
  profileKey: string | undefined;
  /** The message without the `[connector, profile]` prefix. */
  readonly detail: string;

  protected constructor(message: string, options: BaseOptions = {}) {
    super(prefix(options) + message, options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = message;
    this.connector = options.connector;
    this.profileKey = options.profileKey;
  }

  /** Fills in connector and profile key where they were unknown (the message follows). Returns `this`. */
  addContext(context: ErrorContext): this {
    this.connector ??= context.connector;
    this.profileKey ??= context.profileKey;
    this.message = prefix(this) + this.detail;
    return this;
  }

  /** What `JSON.stringify(error)` shows: the public, already-redacted fields only. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      message: this.message,
      statusCode: this.statusCode,
    };
    for (const [key, value] of Object.entries(this)) {
      if (key !== "cause" && value !== undefined) out[key] = value;
    }
    return out;
  }
}

/** One problem found in the options (the path uses the option names the caller wrote). */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Raised when options are missing or invalid. Lists every problem at once, not only the first. */
export class ConfigError extends ConnectorsError {
  readonly name = "ConfigError" as const;
  readonly statusCode = 400;
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], options: BaseOptions & { summary?: string } = {}) {
    const lines = issues.map((issue) => `  - ${issue.path ? `${issue.path}: ` : ""}${issue.message}`);
    super(`${options.summary ?? "Invalid options"}:\n${lines.join("\n")}`, options);
    this.issues = issues;
  }
}

/** Raised when a profile cannot become a valid vendor payload. `field` names the profile or payload field. */
export class MappingError extends ConnectorsError {
  readonly name = "MappingError" as const;
  readonly statusCode = 422;
  readonly field: string;
  constructor(field: string, message: string, options: BaseOptions = {}) {
    super(`${field}: ${message}`, options);
    this.field = field;
  }
}

/** Raised when the HrFlow API answers with an error envelope (`code >= 400`) or an unreadable body. */
export class HrflowError extends ConnectorsError {
  readonly name = "HrflowError" as const;
  readonly statusCode: number;
  readonly code: number;
  readonly hrflowMessage: string;
  constructor(code: number, hrflowMessage: string, options: BaseOptions & { action?: string } = {}) {
    super(
      `${options.action ?? "HrFlow request failed"}: HrFlow answered ${code} "${hrflowMessage}"`,
      options,
    );
    this.code = code;
    this.hrflowMessage = hrflowMessage;
    this.statusCode = code >= 400 && code < 600 ? code : 502;
  }
  /** True when HrFlow said the object does not exist. */
  get notFound(): boolean {
    return this.code === 404 || /unable to find object/i.test(this.hrflowMessage);
  }
}

/** Raised when a vendor or HrFlow refuses the credentials (after one refresh attempt where possible). */
export class AuthError extends ConnectorsError {
  readonly name = "AuthError" as const;
  readonly statusCode = 401;
  /** The environment variables (or options) to check, when known. */
  readonly hint: string | undefined;
  constructor(message: string, options: BaseOptions & { hint?: string } = {}) {
    super(options.hint ? `${message}. ${options.hint}` : message, options);
    this.hint = options.hint;
  }
}

/** Raised when a vendor keeps answering 429, or asks to wait longer than the configured cap. */
export class RateLimitError extends ConnectorsError {
  readonly name = "RateLimitError" as const;
  readonly statusCode = 429;
  /** How long the vendor asked to wait, when it said so. */
  readonly retryAfterMs: number | undefined;
  readonly attempts: number;
  constructor(
    message: string,
    options: BaseOptions & { retryAfterMs?: number | undefined; attempts: number },
  ) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
    this.attempts = options.attempts;
  }
}

/** Details of the request that failed; the URL is already redacted. */
export interface RequestSummary {
  method: string;
  url: string;
  operation: string;
}

interface RequestErrorOptions extends BaseOptions {
  request: RequestSummary;
  attempts: number;
  elapsedMs: number;
  /** True when the vendor may have processed a create although we saw no success. */
  ambiguous?: boolean;
  /** How long the vendor asked to wait (`Retry-After`), when it said so. */
  retryAfterMs?: number | undefined;
}

function attemptsText(attempts: number, elapsedMs: number): string {
  return attempts > 1 ? ` after ${attempts} attempts over ${(elapsedMs / 1000).toFixed(1)}s` : "";
}

/** Raised when a vendor answers with an unexpected HTTP status. */
export class HttpError extends ConnectorsError {
  readonly name = "HttpError" as const;
  readonly statusCode: number;
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly operation: string;
  readonly vendorMessage: string | undefined;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly ambiguous: boolean;
  /**
   * How long the vendor asked to wait (`Retry-After`, e.g. on a 503), in ms. On an ambiguous create the
   * caller waits at least this long before looking the record up.
   */
  readonly retryAfterMs: number | undefined;
  constructor(status: number, vendorMessage: string | undefined, options: RequestErrorOptions) {
    const { request } = options;
    super(
      `${request.operation} failed: ${request.method} ${request.url} answered ${status}` +
        `${vendorMessage ? ` "${vendorMessage}"` : ""}${attemptsText(options.attempts, options.elapsedMs)}`,
      options,
    );
    this.status = status;
    this.statusCode = status >= 500 ? 502 : status;
    this.method = request.method;
    this.url = request.url;
    this.operation = request.operation;
    this.vendorMessage = vendorMessage;
    this.attempts = options.attempts;
    this.elapsedMs = options.elapsedMs;
    this.ambiguous = options.ambiguous ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Raised when the connection failed (refused, reset, DNS) before a complete answer arrived. */
export class NetworkError extends ConnectorsError {
  readonly name = "NetworkError" as const;
  readonly statusCode = 503;
  readonly method: string;
  readonly url: string;
  readonly operation: string;
  readonly code: string | undefined;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly ambiguous: boolean;
  constructor(reason: string, options: RequestErrorOptions & { code?: string | undefined }) {
    const { request } = options;
    super(
      `${request.operation} failed: ${request.method} ${request.url}: ${reason}${attemptsText(options.attempts, options.elapsedMs)}`,
      options,
    );
    this.method = request.method;
    this.url = request.url;
    this.operation = request.operation;
    this.code = options.code;
    this.attempts = options.attempts;
    this.elapsedMs = options.elapsedMs;
    this.ambiguous = options.ambiguous ?? false;
  }
}

/** Raised when a request got no answer within its per-attempt timeout. */
export class TimeoutError extends ConnectorsError {
  readonly name = "TimeoutError" as const;
  readonly statusCode = 504;
  readonly method: string;
  readonly url: string;
  readonly operation: string;
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly ambiguous: boolean;
  constructor(timeoutMs: number, options: RequestErrorOptions) {
    const { request } = options;
    super(
      `${request.operation} failed: ${request.method} ${request.url} gave no answer within ${timeoutMs} ms` +
        attemptsText(options.attempts, options.elapsedMs),
      options,
    );
    this.method = request.method;
    this.url = request.url;
    this.operation = request.operation;
    this.timeoutMs = timeoutMs;
    this.attempts = options.attempts;
    this.elapsedMs = options.elapsedMs;
    this.ambiguous = options.ambiguous ?? false;
  }
}

/** Raised when a vendor (or HrFlow) answers 2xx with a body that does not match its documented shape. */
export class ResponseValidationError extends ConnectorsError {
  readonly name = "ResponseValidationError" as const;
  readonly statusCode = 502;
  readonly operation: string;
  readonly issues: readonly string[];
  constructor(operation: string, issues: readonly string[], options: BaseOptions = {}) {
    super(`${operation}: unexpected response shape (${issues.slice(0, 5).join("; ")})`, options);
    this.operation = operation;
    this.issues = issues;
  }
}

/**
 * Raised when an API answer (HrFlow or a vendor) is larger than the cap on answers read
 * (`maxResponseBytes`, 10 MiB by default). The rest of the answer was not read: the connection was closed.
 */
export class ResponseTooLargeError extends ConnectorsError {
  readonly name = "ResponseTooLargeError" as const;
  readonly statusCode = 502;
  /** Who answered ("HrFlow", "Greenhouse"). */
  readonly vendor: string;
  readonly operation: string;
  readonly method: string;
  /** The URL, already redacted. */
  readonly url: string;
  /** The cap that was passed, in bytes. */
  readonly maxBytes: number;
  constructor(
    vendor: string,
    maxBytes: number,
    options: BaseOptions & { request: RequestSummary; status: number; limitText: string; seen: string },
  ) {
    const { request } = options;
    super(
      `${vendor}: ${request.operation} failed: ${request.method} ${request.url} answered ${options.status} ` +
        `with a body larger than ${options.limitText} (${options.seen}); nothing past the cap was read. ` +
        `If the answer is legitimate, raise maxResponseBytes`,
      options,
    );
    this.vendor = vendor;
    this.operation = request.operation;
    this.method = request.method;
    this.url = request.url;
    this.maxBytes = maxBytes;
  }
}

/**
 * Raised when a create may have succeeded on the vendor's side (timeout, dropped connection or 5xx) and
 * the candidate could not be found afterwards, or cannot be looked up at all. The push ledger keeps the
 * item; re-running looks the candidate up again before creating anything.
 */
export class AmbiguousCreateError extends ConnectorsError {
  readonly name = "AmbiguousCreateError" as const;
  readonly statusCode = 504;
  readonly attempts: number;
  /**
   * True when no lookup can settle it (the profile cannot be searched in the vendor): a person checks the
   * vendor and runs `ledger resolve`. False: a later push looks again and finishes it.
   */
  readonly needsResolve: boolean;
  constructor(message: string, options: BaseOptions & { attempts: number; needsResolve?: boolean }) {
    super(message, options);
    this.attempts = options.attempts;
    this.needsResolve = options.needsResolve ?? false;
  }
}

/**
 * Raised when another push of the same profile to the same target (in this process, another process or
 * another machine) holds its claim for longer than the push is willing to wait. Nothing was sent; pushing
 * again later finishes it.
 */
export class BusyError extends ConnectorsError {
  readonly name = "BusyError" as const;
  readonly statusCode = 409;
  /** Who holds the claim (`host:pid:id#n`). */
  readonly heldBy: string | undefined;
  constructor(message: string, options: BaseOptions & { heldBy?: string | undefined } = {}) {
    super(message, options);
    this.heldBy = options.heldBy;
  }
}

/** True for any error thrown by this package. */
export function isConnectorsError(error: unknown): error is ConnectorsError {
  return error instanceof ConnectorsError;
}
/** True for {@link ConfigError}. */
export const isConfigError = (e: unknown): e is ConfigError => e instanceof ConfigError;
/** True for {@link MappingError}. */
export const isMappingError = (e: unknown): e is MappingError => e instanceof MappingError;
/** True for {@link HrflowError}. */
export const isHrflowError = (e: unknown): e is HrflowError => e instanceof HrflowError;
/** True for {@link AuthError}. */
export const isAuthError = (e: unknown): e is AuthError => e instanceof AuthError;
/** True for {@link RateLimitError}. */
export const isRateLimitError = (e: unknown): e is RateLimitError => e instanceof RateLimitError;
/** True for {@link HttpError}. */
export const isHttpError = (e: unknown): e is HttpError => e instanceof HttpError;
/** True for {@link NetworkError}. */
export const isNetworkError = (e: unknown): e is NetworkError => e instanceof NetworkError;
/** True for {@link TimeoutError}. */
export const isTimeoutError = (e: unknown): e is TimeoutError => e instanceof TimeoutError;
/** True for {@link ResponseValidationError}. */
export const isResponseValidationError = (e: unknown): e is ResponseValidationError =>
  e instanceof ResponseValidationError;
/** True for {@link ResponseTooLargeError}. */
export const isResponseTooLargeError = (e: unknown): e is ResponseTooLargeError =>
  e instanceof ResponseTooLargeError;
/** True for {@link AmbiguousCreateError}. */
export const isAmbiguousCreateError = (e: unknown): e is AmbiguousCreateError =>
  e instanceof AmbiguousCreateError;

/** True for {@link BusyError}. */
export const isBusyError = (e: unknown): e is BusyError => e instanceof BusyError;

/** True when a failed request may nevertheless have been executed by the vendor (see the retry policy). */
export function isAmbiguous(error: unknown): boolean {
  return (
    (error instanceof HttpError || error instanceof NetworkError || error instanceof TimeoutError) &&
    error.ambiguous
  );
}
