import type { ProfileRef } from "../connectors/pipeline.js";
import { ConfigError } from "../core/errors.js";
import {
  verifyHrflowWebhook,
  type HrflowWebhookInput,
  type HrflowWebhookVerification,
} from "./webhook-signature.js";

export {
  DEFAULT_MAX_WEBHOOK_BYTES,
  verifyHrflowWebhook,
  verifyWebhookSignature,
  type HrflowWebhookInput,
  type HrflowWebhookVariant,
  type HrflowWebhookVerification,
} from "./webhook-signature.js";

const text = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * Options of {@link EventParser}: either a CATCH workflow request (`request`, already authenticated by the
 * HrFlow workflow runtime), or a webhook as received (`rawBody`, `headers` and the webhook `secret`), whose
 * signature is verified when the parser is built.
 */
export type EventParserOptions =
  | {
      /** The CATCH workflow `_request`, or a webhook body you verified yourself. */
      request: unknown;
    }
  | HrflowWebhookInput;

/** True for the webhook form of the options (any of its fields given: it is then verified). */
function isWebhookInput(options: EventParserOptions): options is HrflowWebhookInput {
  return "secret" in options || "rawBody" in options || "headers" in options;
}

/**
 * Reads an HrFlow webhook or CATCH workflow request and returns the profile to push.
 *
 * Accepted shapes: `{ profile: { key, source: { key } } }`, `{ profile: { key, source_key } }`, webhook
 * payloads `{ type, message, profile: { key | profile_key | reference, source_key | source } }`, and the
 * workflow form `{ profile_key, source_key }`.
 *
 * Built from a webhook (`{ rawBody, headers, secret }`), it verifies the signature first (see
 * `verifyHrflowWebhook`) and fails closed: a missing or blank secret throws `ConfigError` at once; a
 * request that does not verify is kept as `verification: { ok: false, reason }`, and `getProfile()` then
 * returns undefined. It never throws on what the sender controls.
 *
 * @example
 * const profile = new EventParser({ request: _request }).getProfile(["SOURCE_KEY"]);
 * if (profile) await Taleez.pushProfile({ ..., profile });
 *
 * @example
 * const parser = new EventParser({ rawBody, headers: req.headers, secret: process.env.HRFLOW_WEBHOOK_SECRET! });
 * if (!parser.verification.ok) return res.writeHead(401).end();
 */
export class EventParser {
  /** The (first) event to read: the request given, or the first verified webhook event. */
  readonly request: unknown;
  /** Every event of the request (a webhook may carry a list of payloads). */
  readonly events: readonly unknown[];
  /**
   * Whether the webhook signature matched, and which variant; `{ ok: true, variant: "unsigned" }` for a
   * workflow request given as `request`.
   */
  readonly verification:
    HrflowWebhookVerification | { ok: true; variant: "unsigned"; header: undefined; events: unknown[] };

  constructor(options: EventParserOptions) {
    const given: unknown = options;
    if (given === null || typeof given !== "object") {
      throw new ConfigError(
        [{ path: "options", message: "are required: { request } or { rawBody, headers, secret }" }],
        {
          summary: "EventParser",
        },
      );
    }
    if (isWebhookInput(options)) {
      // Verified here, on what was received; a missing secret throws ConfigError, nothing else throws.
      const verification = verifyHrflowWebhook(options);
      this.verification = verification;
      this.events = verification.ok ? verification.events : [];
    } else {
      const events = Array.isArray(options.request) ? options.request : [options.request];
      this.verification = { ok: true, variant: "unsigned", header: undefined, events };
      this.events = events;
    }
    this.request = this.events[0];
  }

  /** The event name (`profile.storing.success`, ...), when the request carries one. */
  get eventType(): string | undefined {
    return text(record(this.request)?.["type"]);
  }

  /**
   * The profile to push, or undefined when the request names none, its source is not listened to, or the
   * webhook did not verify.
   * @param sourceKeys only accept profiles of these sources (all when omitted)
   */
  getProfile(sourceKeys?: readonly string[]): ProfileRef | undefined {
    if (!this.verification.ok) return undefined;
    const body = record(this.request);
    if (!body) return undefined;
    const profile = record(body["profile"]);
    const source = record(profile?.["source"]);
    const sourceKey = text(source?.["key"]) ?? text(profile?.["source_key"]) ?? text(body["source_key"]);
    const key = text(profile?.["key"]) ?? text(profile?.["profile_key"]) ?? text(body["profile_key"]);
    const reference = text(profile?.["reference"]) ?? text(body["profile_reference"]);
    if (!sourceKey || (!key && !reference)) return undefined;
    if (sourceKeys !== undefined && !sourceKeys.includes(sourceKey)) return undefined;
    return key
      ? { key, source: { key: sourceKey } }
      : { reference: reference ?? "", source: { key: sourceKey } };
  }
}
