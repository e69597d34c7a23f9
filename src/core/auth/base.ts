import { inspect } from "node:util";
import type { Clock } from "../clock.js";
import { ConfigError, type ConfigIssue } from "../errors.js";
import type { HttpResponse, RequestSpec } from "../http/types.js";
import type { Logger } from "../logger.js";
import { REDACTED } from "../redact.js";

/** What an auth strategy may use to obtain a token. */
export interface AuthContext {
  /** Sends an unauthenticated request through the HTTP layer (timeouts, retries, redaction, logging). */
  send<T>(spec: RequestSpec<T>): Promise<HttpResponse<T>>;
  clock: Clock;
  logger: Logger;
  /** What to tell the user when the credentials are refused (e.g. which environment variables to check). */
  authHint?: string | undefined;
}

/**
 * Base of every auth strategy. Each validates its input when constructed, adds its headers to a request,
 * caches tokens for their lifetime, can be invalidated once when the vendor refuses a token, and never
 * exposes its secret through `toString`, `JSON.stringify` or `util.inspect`.
 */
export abstract class VendorAuth {
  /** The class name, as in the seeds (`XSmartTokenAuth`, ...). */
  abstract readonly kind: string;

  /** Headers to add to a request (signs in first when needed). */
  abstract headers(context: AuthContext): Promise<Record<string, string>>;

  /** Names of the headers this strategy sets, for dry-run plans (values are never shown). */
  abstract headerNames(): readonly string[];

  /**
   * Called when the vendor refused the credentials sent in `usedHeaders`. Returns true when fresh
   * credentials can be obtained (the request is then repeated once), false for static keys.
   */
  invalidate(_usedHeaders: Readonly<Record<string, string>>): boolean {
    return false;
  }

  /** Every secret value this strategy holds or obtained (for redaction). */
  abstract secrets(): readonly string[];

  /**
   * A stable, non-secret identifier of the account these credentials reach (an email, a client id, or a
   * short fingerprint of a key). Keys the push ledger and the rate limiter.
   */
  abstract accountId(): string;

  /** Non-secret description, e.g. `XSmartTokenAuth(value=[REDACTED])`. */
  toString(): string {
    return `${this.kind}(${Object.entries(this.describe())
      .map(([k, v]) => `${k}=${v}`)
      .join(", ")})`;
  }

  toJSON(): Record<string, string> {
    return { kind: this.kind, ...this.describe() };
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** Public fields for `toString`/`toJSON`; secrets appear as `[REDACTED]`. */
  protected abstract describe(): Record<string, string>;
}

/** A short, non-reversible fingerprint of a secret, for `accountId()`. */
export function fingerprint(secret: string): string {
  // FNV-1a (32 bit) twice with different seeds: enough to tell accounts apart, useless to recover a key.
  const hash = (seed: number): string => {
    let h = seed >>> 0;
    for (let i = 0; i < secret.length; i++) {
      h ^= secret.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, "0");
  };
  return `${hash(0x811c9dc5)}${hash(0x12345678)}`.slice(0, 12);
}

/** Collects constructor input problems and throws one `ConfigError` listing them all. */
export class InputChecker {
  readonly #issues: ConfigIssue[] = [];
  constructor(private readonly owner: string) {}

  /** A required non-empty string without line breaks (header injection). */
  text(path: string, value: unknown, options: { optional?: boolean } = {}): string | undefined {
    if (value === undefined || value === null || value === "") {
      if (!options.optional) this.#issues.push({ path, message: "is required" });
      return undefined;
    }
    if (typeof value !== "string") {
      this.#issues.push({ path, message: `must be a string, got ${typeof value}` });
      return undefined;
    }
    const trimmed = value.trim();
    if (trimmed === "") {
      this.#issues.push({ path, message: "is blank" });
      return undefined;
    }
    if (/[\r\n\0]/.test(trimmed)) {
      this.#issues.push({ path, message: "must not contain line breaks" });
      return undefined;
    }
    return trimmed;
  }

  url(path: string, value: unknown, fallback: string): string {
    const raw = this.text(path, value ?? fallback);
    if (raw === undefined) return fallback;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error("protocol");
      return raw;
    } catch {
      this.#issues.push({ path, message: `must be an http(s) URL, got "${raw}"` });
      return fallback;
    }
  }

  add(issue: ConfigIssue): void {
    this.#issues.push(issue);
  }

  /** Throws when any problem was found. */
  done(): void {
    if (this.#issues.length > 0) {
      throw new ConfigError(this.#issues, { summary: `Invalid ${this.owner} options` });
    }
  }
}

/** The mask shown in place of secrets. */
export const SECRET = REDACTED;
