import { createHmac, timingSafeEqual } from "node:crypto";
import type { ProfileRef } from "../connectors/pipeline.js";

const text = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Options of {@link EventParser}. */
export interface EventParserOptions {
  /** The CATCH workflow `_request`, or the decoded webhook body. */
  request: unknown;
}

/**
 * Reads an HrFlow webhook or CATCH workflow request and returns the profile to push.
 *
 * Accepted shapes: `{ profile: { key, source: { key } } }`, `{ profile: { key, source_key } }`, webhook
 * payloads `{ type, message, profile: { key | profile_key | reference, source_key | source } }`, and the
 * workflow form `{ profile_key, source_key }`.
 *
 * @example
 * const profile = new EventParser({ request: _request }).getProfile(["SOURCE_KEY"]);
 * if (profile) await Taleez.pushProfile({ ..., profile });
 */
export class EventParser {
  readonly request: unknown;

  constructor(options: EventParserOptions) {
    this.request = options.request;
  }

  /** The event name (`profile.storing.success`, ...), when the request carries one. */
  get eventType(): string | undefined {
    return text(record(this.request)?.["type"]);
  }

  /**
   * The profile to push, or undefined when the request names none or its source is not listened to.
   * @param sourceKeys only accept profiles of these sources (all when omitted)
   */
  getProfile(sourceKeys?: readonly string[]): ProfileRef | undefined {
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

const fromBase64Url = (value: string): Buffer =>
  Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");

/**
 * Verifies an HrFlow webhook signature header (`HTTP-HRFLOW-SIGNATURE`, legacy `HTTP-RIMINDER-SIGNATURE`),
 * `<base64url(signature)>.<base64url(payload)>`, and returns the decoded payload, or undefined when the
 * signature does not match. Both variants found in HrFlow's SDKs are accepted (HMAC-SHA256 of the decoded
 * payload as a hex digest, or of the encoded payload as raw bytes); comparison is constant-time.
 */
export function verifyWebhookSignature(header: string, secret: string): unknown {
  const [signaturePart, payloadPart, ...rest] = header.trim().split(".");
  if (!signaturePart || !payloadPart || rest.length > 0) return undefined;
  const signature = fromBase64Url(signaturePart);
  const payloadText = fromBase64Url(payloadPart).toString("utf8");
  const candidates = [
    Buffer.from(createHmac("sha256", secret).update(payloadText).digest("hex"), "utf8"),
    createHmac("sha256", secret).update(payloadPart).digest(),
  ];
  const valid = candidates.some(
    (expected) => expected.length === signature.length && timingSafeEqual(expected, signature),
  );
  if (!valid) return undefined;
  try {
    return JSON.parse(payloadText) as unknown;
  } catch {
    return undefined;
  }
}
