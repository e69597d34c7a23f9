import { verifyHrflowWebhook, type HrflowWebhookVariant } from "../hrflow/webhook-signature.js";

/** What the ingress needs to decide on one request. */
export interface IngressVerifyInput {
  rawBody: Buffer;
  /** Node's `req.headers`. */
  headers: unknown;
  /** The webhook secret; undefined only when unsigned events are explicitly allowed. */
  secret: string | undefined;
  /** Accept a request that carries no signature at all (the configuration said so explicitly). */
  allowUnsigned: boolean;
  maxBytes: number;
}

/** Why a request was refused, as a metric label (never sent back: the sender gets 401 and nothing else). */
export type RejectReason = "signature" | "unsigned" | "body_mismatch" | "malformed";

/** The outcome of {@link verifyIngress}. */
export type IngressVerification =
  | { ok: true; variant: HrflowWebhookVariant | "unsigned"; events: unknown[] }
  | { ok: false; reason: RejectReason; detail: string };

/** JSON with object keys sorted, so two encodings of one value compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  // JSON.stringify gives undefined for undefined (and functions, which JSON never holds).
  return value === undefined ? "null" : JSON.stringify(value);
}

function parseJson(body: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body)) as unknown };
  } catch {
    return undefined;
  }
}

const eventsOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/**
 * The one verification the ingress runs: the HrFlow signature (every documented variant, constant time,
 * fail closed: see `verifyHrflowWebhook`), then, for the variants that sign a payload carried in the
 * header, the rule that the body is that payload or nothing: a captured signature replayed with another
 * body is refused, not silently read from the header. Without a signature header, a request passes only
 * when unsigned events are explicitly allowed.
 */
export function verifyIngress(input: IngressVerifyInput): IngressVerification {
  if (input.secret !== undefined) {
    const verified = verifyHrflowWebhook({
      rawBody: input.rawBody,
      headers: input.headers,
      secret: input.secret,
      maxBytes: input.maxBytes,
    });
    if (verified.ok) {
      if (verified.variant === "hex-hmac-of-raw-body")
        return { ok: true, variant: verified.variant, events: verified.events };
      if (input.rawBody.toString("utf8").trim() === "")
        return { ok: true, variant: verified.variant, events: verified.events };
      const body = parseJson(input.rawBody);
      if (!body || canonicalJson(eventsOf(body.value)) !== canonicalJson(verified.events))
        return { ok: false, reason: "body_mismatch", detail: "the body is not the payload the header signs" };
      return { ok: true, variant: verified.variant, events: verified.events };
    }
    if (!(input.allowUnsigned && verified.unsigned))
      return {
        ok: false,
        reason: verified.unsigned ? "unsigned" : "signature",
        detail: verified.reason,
      };
  } else if (!input.allowUnsigned) {
    // Unreachable with a validated configuration; refuse rather than accept anything.
    return { ok: false, reason: "unsigned", detail: "no webhook secret is configured" };
  }
  const body = parseJson(input.rawBody);
  if (!body) return { ok: false, reason: "malformed", detail: "the body is not UTF-8 JSON" };
  return { ok: true, variant: "unsigned", events: eventsOf(body.value) };
}
