import { createHmac } from "node:crypto";

/**
 * Signs HrFlow webhooks the way HrFlow's documents and SDKs describe (vendor-apis.md, section 6), so tests
 * and the sandbox can send events a service must accept, and forge ones it must refuse.
 */

/** The documented signature schemes. */
export type WebhookSignatureVariant =
  "hex-hmac-of-decoded-payload" | "raw-hmac-of-encoded-payload" | "hex-hmac-of-raw-body";

/** A webhook ready to send: the JSON body and its headers. */
export interface SignedWebhook {
  body: string;
  headers: Record<string, string>;
}

const base64url = (bytes: Buffer | string): string => Buffer.from(bytes).toString("base64url");

/**
 * Signs a payload (one event, or a list of events) with the webhook secret.
 * @param variant `hex-hmac-of-decoded-payload` (HrFlow's Python SDK, the default),
 *   `raw-hmac-of-encoded-payload` (JS SDK, PHP sample) or `hex-hmac-of-raw-body` (the docs' Ruby sample)
 * @param header the signature header's name @default "HTTP-HRFLOW-SIGNATURE"
 */
export function signHrflowWebhook(
  payload: unknown,
  secret: string,
  variant: WebhookSignatureVariant = "hex-hmac-of-decoded-payload",
  header = "HTTP-HRFLOW-SIGNATURE",
): SignedWebhook {
  const body = JSON.stringify(payload);
  const hmac = (data: string): Buffer => createHmac("sha256", secret).update(data).digest();
  let signature: string;
  if (variant === "hex-hmac-of-raw-body") signature = hmac(body).toString("hex");
  else {
    const encoded = base64url(body);
    const sig = variant === "hex-hmac-of-decoded-payload" ? hmac(body).toString("hex") : hmac(encoded);
    signature = `${base64url(sig)}.${encoded}`;
  }
  return { body, headers: { "content-type": "application/json", [header]: signature } };
}

/** An HrFlow profile event (`profile.storing.success` by default) for a profile of a source. */
export function profileEvent(
  sourceKey: string,
  profile: { key: string } | { reference: string },
  type = "profile.storing.success",
): Record<string, unknown> {
  return {
    type,
    origin: "api",
    message: type.endsWith("error") ? "failure" : "success",
    profile: {
      ...("key" in profile ? { key: profile.key } : { reference: profile.reference }),
      source: { key: sourceKey },
    },
  };
}

/** Sends a signed webhook; resolves to the status and the answer's JSON (or text). */
export async function sendHrflowWebhook(
  url: string,
  payload: unknown,
  secret: string,
  variant: WebhookSignatureVariant = "hex-hmac-of-decoded-payload",
): Promise<{ status: number; body: unknown }> {
  const signed = signHrflowWebhook(payload, secret, variant);
  const response = await fetch(url, { method: "POST", headers: signed.headers, body: signed.body });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body };
}
