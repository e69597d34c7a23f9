/** Small validators shared by the vendor fakes (independent of the client's own schemas on purpose). */

/** A problem found in a request body: the field and what is wrong. */
export interface BodyProblem {
  field: string;
  message: string;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Collects problems while walking a body. */
export class BodyChecker {
  readonly problems: BodyProblem[] = [];

  add(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  /** A string field: required or optional, non-empty, at most `max` characters. */
  string(
    body: Record<string, unknown>,
    key: string,
    options: { required?: boolean; max?: number; pattern?: RegExp | undefined; prefix?: string } = {},
  ): void {
    const field = `${options.prefix ?? ""}${key}`;
    const value = body[key];
    if (value === undefined) {
      if (options.required) this.add(field, "is required");
      return;
    }
    if (typeof value !== "string") {
      this.add(field, `must be a string, got ${value === null ? "null" : typeof value}`);
      return;
    }
    if (value.trim() === "") {
      this.add(field, "must not be empty");
      return;
    }
    if (options.max !== undefined && value.length > options.max)
      this.add(field, `must be at most ${options.max} characters`);
    if (options.pattern && !options.pattern.test(value))
      this.add(field, `has an invalid format: "${value.slice(0, 40)}"`);
  }

  /** Only these keys may appear. */
  onlyKeys(body: Record<string, unknown>, allowed: readonly string[], prefix = ""): void {
    for (const key of Object.keys(body))
      if (!allowed.includes(key)) this.add(`${prefix}${key}`, "is not a known field");
  }

  integer(
    body: Record<string, unknown>,
    key: string,
    options: { required?: boolean; min?: number; max?: number; prefix?: string } = {},
  ): void {
    const field = `${options.prefix ?? ""}${key}`;
    const value = body[key];
    if (value === undefined) {
      if (options.required) this.add(field, "is required");
      return;
    }
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.add(field, `must be an integer, got ${JSON.stringify(value)}`);
      return;
    }
    if (options.min !== undefined && value < options.min) this.add(field, `must be >= ${options.min}`);
    if (options.max !== undefined && value > options.max) this.add(field, `must be <= ${options.max}`);
  }

  boolean(body: Record<string, unknown>, key: string, prefix = ""): void {
    const value = body[key];
    if (value !== undefined && typeof value !== "boolean") this.add(`${prefix}${key}`, "must be a boolean");
  }

  /** An http(s) URL. */
  url(body: Record<string, unknown>, key: string, prefix = ""): void {
    const value = body[key];
    if (value === undefined) return;
    if (typeof value !== "string" || !/^https?:\/\/[^\s/]+\.[^\s]+$/.test(value))
      this.add(`${prefix}${key}`, `must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
}

/** A simple email check (what vendors typically enforce). */
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A fixed-window counter reporting `X-RateLimit-*` headers like the real APIs. */
export class WindowCounter {
  #windowStart = 0;
  #count = 0;
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one request; returns the headers and whether it is over the limit. */
  hit(now = Date.now()): { over: boolean; headers: Record<string, string> } {
    if (now - this.#windowStart >= this.windowMs) {
      this.#windowStart = now;
      this.#count = 0;
    }
    this.#count += 1;
    const remaining = Math.max(0, this.limit - this.#count);
    const resetEpochS = Math.ceil((this.#windowStart + this.windowMs) / 1000);
    return {
      over: this.#count > this.limit,
      headers: {
        "x-ratelimit-limit": String(this.limit),
        "x-ratelimit-remaining": String(remaining),
        "x-ratelimit-reset": String(resetEpochS),
      },
    };
  }
}
