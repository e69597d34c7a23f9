import { createHmac, timingSafeEqual } from "node:crypto";
import { ConfigError } from "../core/errors.js";

/**
 * HrFlow webhook signatures. HrFlow's own documents disagree on what is signed and how (vendor-apis.md,
 * section 6, "Webhooks"); the variants below are the documented ones, each accepted explicitly and named
 * when it matches. Everything else is refused. Verification fails closed: no secret, no verification (a
 * `ConfigError`); malformed input of any kind is a refusal, never an exception.
 */

/** Which documented signature scheme matched. */
export type HrflowWebhookVariant =
  /**
   * Header `<base64url(sig)>.<base64url(payload)>`, `sig` = hex HMAC-SHA256 of the **decoded** payload
   * (HrFlow's maintained Python SDK, `hrflow/webhook`).
   */
  | "hex-hmac-of-decoded-payload"
  /**
   * Same header form, `sig` = raw HMAC-SHA256 bytes of the **still-encoded** payload segment (HrFlow's JS
   * SDK, 2020; the PHP sample of the docs).
   */
  | "raw-hmac-of-encoded-payload"
  /** Header = hex HMAC-SHA256 of the raw request body (the docs' Ruby sample). */
  | "hex-hmac-of-raw-body";

/** What {@link verifyHrflowWebhook} takes. */
export interface HrflowWebhookInput {
  /** The request body exactly as received (before any JSON parsing). */
  rawBody: Uint8Array | string;
  /**
   * The request headers: Node's `req.headers`, a fetch `Headers`, or a plain record. Names are matched
   * case-insensitively: `HTTP-HRFLOW-SIGNATURE` (as HrFlow documents it, which arrives over HTTP as
   * `http-hrflow-signature`), `HRFLOW-SIGNATURE`, and the legacy `HTTP-RIMINDER-SIGNATURE` /
   * `RIMINDER-SIGNATURE`, with `-` or `_`.
   */
  headers: unknown;
  /** The webhook secret configured in HrFlow. Required, non-blank. */
  secret: string;
  /**
   * Largest body (and signed payload) accepted, in bytes.
   * @default 1048576 (1 MiB)
   */
  maxBytes?: number;
}

/** The outcome of {@link verifyHrflowWebhook}. */
export type HrflowWebhookVerification =
  | {
      ok: true;
      variant: HrflowWebhookVariant;
      /** The header that carried the signature, normalised (`hrflow-signature` or `riminder-signature`). */
      header: "hrflow-signature" | "riminder-signature";
      /** The signed events: one payload, or each payload of a list ("an array of payloads"). */
      events: unknown[];
    }
  | {
      ok: false;
      /** Why, for logs only: answer the sender 401 without any detail. */
      reason: string;
      /** True when the request carried no signature header at all (a receiver that allows unsigned events reads the body). */
      unsigned: boolean;
    };

/** Largest webhook body accepted by default: 1 MiB. */
export const DEFAULT_MAX_WEBHOOK_BYTES = 1024 * 1024;

const NO_SIGNATURE = "no signature header";
const BASE64_SEGMENT = /^[A-Za-z0-9+/_-]+={0,2}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Throws `ConfigError` unless the secret is a non-blank string: without one, nothing can be verified. */
function requireSecret(secret: unknown, owner: string): string {
  if (typeof secret !== "string" || secret.trim() === "") {
    throw new ConfigError(
      [
        {
          path: "secret",
          message:
            typeof secret === "string"
              ? "is blank: a webhook cannot be verified without the secret configured in HrFlow"
              : "is required: a webhook cannot be verified without the secret configured in HrFlow",
        },
      ],
      { summary: `${owner} refuses to verify webhooks` },
    );
  }
  return secret;
}

/** Constant-time equality; different lengths are simply unequal (a length is no secret). */
function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const hmac = (secret: string, data: Buffer | string): Buffer =>
  createHmac("sha256", secret).update(data).digest();

/** Normalised signature header names: `HTTP_HRFLOW_SIGNATURE` and `http-hrflow-signature` alike. */
function signatureHeaderName(name: string): "hrflow-signature" | "riminder-signature" | undefined {
  const normal = name
    .toLowerCase()
    .replace(/_/g, "-")
    .replace(/^http-/, "");
  return normal === "hrflow-signature" || normal === "riminder-signature" ? normal : undefined;
}

/** The signature header's value, or why there is none usable. */
function findSignature(
  headers: unknown,
): { value: string; header: "hrflow-signature" | "riminder-signature" } | { reason: string } {
  const entries: [string, unknown][] = [];
  if (headers instanceof Headers) {
    headers.forEach((value, name) => entries.push([name, value]));
  } else if (headers !== null && typeof headers === "object" && !Array.isArray(headers)) {
    entries.push(...Object.entries(headers));
  } else {
    return { reason: "no headers" };
  }
  const found: { value: string; header: "hrflow-signature" | "riminder-signature" }[] = [];
  for (const [name, value] of entries) {
    const header = signatureHeaderName(name);
    if (!header || value === undefined) continue;
    // Node's `req.headersDistinct` gives every value as a list: one value is fine, two are a repeat.
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.length > 1) return { reason: `the ${header} header is repeated` };
    const [only] = values;
    if (typeof only !== "string") return { reason: `the ${header} header is not text` };
    found.push({ value: only.trim(), header });
  }
  const [first, ...others] = found;
  if (!first) return { reason: NO_SIGNATURE };
  if (others.some((other) => other.value !== first.value))
    return { reason: "several signature headers that disagree" };
  if (first.value === "") return { reason: "an empty signature header" };
  return first;
}

/** The events of a signed JSON payload, or why it is not one. */
function parseEvents(bytes: Buffer): { value: object; events: unknown[] } | { reason: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { reason: "the payload is not UTF-8" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { reason: "the payload is not JSON" };
  }
  if (Array.isArray(value)) return { value, events: value };
  if (value !== null && typeof value === "object") return { value, events: [value] };
  return { reason: "the payload is neither an event nor a list of events" };
}

/**
 * Checks a `<base64url(sig)>.<base64url(payload)>` header (variants "hex-hmac-of-decoded-payload" and
 * "raw-hmac-of-encoded-payload"). Returns the matching variant and the decoded payload bytes.
 */
function verifySegments(
  value: string,
  secret: string,
  maxBytes: number,
):
  | { variant: "hex-hmac-of-decoded-payload" | "raw-hmac-of-encoded-payload"; payload: Buffer }
  | { reason: string } {
  const parts = value.split(".");
  if (parts.length !== 2) return { reason: "the signature header is not <signature>.<payload>" };
  const [signaturePart = "", payloadPart = ""] = parts;
  if (!BASE64_SEGMENT.test(signaturePart) || !BASE64_SEGMENT.test(payloadPart))
    return { reason: "the signature header is not base64url" };
  if ((payloadPart.length * 3) / 4 > maxBytes) return { reason: "the signed payload is too large" };
  const signature = Buffer.from(signaturePart, "base64");
  const payload = Buffer.from(payloadPart, "base64");
  if (signature.length !== 64 && signature.length !== 32)
    return { reason: `a signature of ${signature.length} bytes (expected 32, or 64 hex digits)` };
  // Both comparisons always run, so timing does not tell which variant was tried.
  const hexOfDecoded = same(signature, Buffer.from(hmac(secret, payload).toString("hex"), "ascii"));
  const rawOfEncoded = same(signature, hmac(secret, payloadPart));
  if (hexOfDecoded) return { variant: "hex-hmac-of-decoded-payload", payload };
  if (rawOfEncoded) return { variant: "raw-hmac-of-encoded-payload", payload };
  return { reason: "the signature does not match" };
}

/**
 * Verifies an HrFlow webhook request on its raw body and headers, and returns the signed events.
 *
 * Accepted, and named in the result: a `<base64url(sig)>.<base64url(payload)>` header whose signature is
 * the hex HMAC-SHA256 of the decoded payload (Python SDK) or the raw HMAC-SHA256 of the encoded segment
 * (JS SDK, PHP sample), the events being the signed payload; or a header holding the hex HMAC-SHA256 of
 * the raw body (Ruby sample), the events being the body. Comparisons are constant-time. The header may be
 * `HTTP-HRFLOW-SIGNATURE` or the legacy `HTTP-RIMINDER-SIGNATURE` (see {@link HrflowWebhookInput.headers}).
 *
 * Never throws on what the sender controls: a missing, repeated or malformed header, a wrong signature, a
 * body that is too large, not UTF-8 or not JSON, all give `{ ok: false, reason }` (for logs; answer 401
 * without detail).
 *
 * @throws ConfigError when `secret` is missing or blank: without it nothing is accepted, ever.
 *
 * @example
 * const result = verifyHrflowWebhook({ rawBody, headers: req.headers, secret: process.env.HRFLOW_WEBHOOK_SECRET! });
 * if (!result.ok) return res.writeHead(401).end();
 * logger.info(`webhook verified (${result.variant})`);
 */
export function verifyHrflowWebhook(input: HrflowWebhookInput): HrflowWebhookVerification {
  const given: unknown = input;
  const secret = requireSecret(
    given !== null && typeof given === "object" ? input.secret : undefined,
    "verifyHrflowWebhook",
  );
  const maxBytes =
    typeof input.maxBytes === "number" && input.maxBytes > 0 ? input.maxBytes : DEFAULT_MAX_WEBHOOK_BYTES;
  const raw: unknown = input.rawBody;
  let body: Buffer;
  if (typeof raw === "string") body = Buffer.from(raw, "utf8");
  else if (raw instanceof Uint8Array) body = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  else return { ok: false, reason: "no raw body", unsigned: false };
  if (body.length > maxBytes)
    return { ok: false, reason: `a body larger than ${maxBytes} bytes`, unsigned: false };

  const found = findSignature(input.headers);
  if ("reason" in found) return { ok: false, reason: found.reason, unsigned: found.reason === NO_SIGNATURE };
  const { value, header } = found;

  if (HEX_SHA256.test(value)) {
    const expected = Buffer.from(hmac(secret, body).toString("hex"), "ascii");
    if (!same(Buffer.from(value.toLowerCase(), "ascii"), expected))
      return { ok: false, reason: "the signature does not match", unsigned: false };
    const parsed = parseEvents(body);
    if ("reason" in parsed) return { ok: false, reason: parsed.reason, unsigned: false };
    return { ok: true, variant: "hex-hmac-of-raw-body", header, events: parsed.events };
  }

  const verified = verifySegments(value, secret, maxBytes);
  if ("reason" in verified) return { ok: false, reason: verified.reason, unsigned: false };
  const parsed = parseEvents(verified.payload);
  if ("reason" in parsed) return { ok: false, reason: parsed.reason, unsigned: false };
  return { ok: true, variant: verified.variant, header, events: parsed.events };
}

/**
 * Verifies an HrFlow webhook signature header (`HTTP-HRFLOW-SIGNATURE`, legacy `HTTP-RIMINDER-SIGNATURE`),
 * `<base64url(signature)>.<base64url(payload)>`, and returns the decoded payload, or undefined when the
 * header is missing, malformed or does not match (never throws on it). Both variants found in HrFlow's SDKs
 * are accepted (HMAC-SHA256 of the decoded payload as a hex digest, or of the encoded payload as raw
 * bytes); comparison is constant-time. Prefer {@link verifyHrflowWebhook}, which also takes the raw body
 * and says which variant matched.
 *
 * @throws ConfigError when `secret` is missing or blank.
 */
export function verifyWebhookSignature(header: unknown, secret: string): unknown {
  const key = requireSecret(secret, "verifyWebhookSignature");
  if (typeof header !== "string") return undefined;
  const verified = verifySegments(header.trim(), key, DEFAULT_MAX_WEBHOOK_BYTES);
  if ("reason" in verified) return undefined;
  const parsed = parseEvents(verified.payload);
  if ("reason" in parsed) return undefined;
  return parsed.value;
}
