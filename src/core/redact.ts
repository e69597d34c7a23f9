/**
 * Redaction: every text that may leave the process (error messages, log lines, dry-run plans, reports)
 * goes through a redactor built from the secrets known at that moment (API keys, passwords, tokens obtained
 * by signing in). On top of exact values, header names and body/query field names that carry secrets are
 * masked whatever their value.
 */

/** The mask that replaces a secret. */
export const REDACTED = "[REDACTED]";

/** Header names whose value is always a secret (lower-case). */
export const SECRET_HEADER_NAMES: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "x-smarttoken",
  "x-taleez-api-secret",
  "x-taleez-api-key",
  "cookie",
  "set-cookie",
]);

/** Body and query field names whose value is always a secret (compared lower-case, without `_` and `-`). */
const SECRET_FIELD_NAMES = new Set([
  "token",
  "accesstoken",
  "refreshtoken",
  "password",
  "secret",
  "clientsecret",
  "apikey",
  "apisecret",
  "authorization",
]);

/** True when a body/query field of that name holds a secret. */
export function isSecretFieldName(name: string): boolean {
  return SECRET_FIELD_NAMES.has(name.toLowerCase().replace(/[-_]/g, ""));
}

/** Replaces every known secret in a text. */
export type Redactor = (text: string) => string;

const MIN_SECRET_LENGTH = 4;

function variants(secret: string): string[] {
  const out = new Set<string>([secret]);
  out.add(encodeURIComponent(secret));
  out.add(Buffer.from(secret, "utf8").toString("base64"));
  out.add(Buffer.from(`${secret}:`, "utf8").toString("base64"));
  out.add(JSON.stringify(secret).slice(1, -1));
  return [...out];
}

/**
 * Builds a redactor. `secrets` is read on every call, so tokens obtained later (after a sign-in) are
 * covered too. Secrets shorter than 4 characters are ignored: masking them would garble ordinary text.
 */
export function createRedactor(secrets: () => Iterable<string | undefined>): Redactor {
  return (text: string): string => {
    let out = text;
    const all: string[] = [];
    for (const secret of secrets()) {
      if (secret && secret.length >= MIN_SECRET_LENGTH) all.push(...variants(secret));
    }
    // Longest first, so a secret that contains another is masked whole.
    all.sort((a, b) => b.length - a.length);
    for (const value of all) {
      if (value.length >= MIN_SECRET_LENGTH && out.includes(value)) out = out.split(value).join(REDACTED);
    }
    return out;
  };
}

/** Combines several redactors. */
export function combineRedactors(...redactors: Redactor[]): Redactor {
  return (text) => redactors.reduce((acc, redact) => redact(acc), text);
}

/** Masks secret query parameters (by name) and known secret values in a URL. */
export function redactUrl(url: string, redact: Redactor): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = "";
      parsed.password = "";
    }
    for (const key of [...parsed.searchParams.keys()]) {
      if (isSecretFieldName(key)) parsed.searchParams.set(key, REDACTED);
    }
    return redact(parsed.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED));
  } catch {
    return redact(url);
  }
}

/** Masks headers that carry secrets. */
export function redactHeaders(headers: Record<string, string>, redact: Redactor): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADER_NAMES.has(name.toLowerCase()) ? REDACTED : redact(value);
  }
  return out;
}

/** Deep copy of a JSON-like value with secret fields masked and secret values removed from strings. */
export function redactValue(value: unknown, redact: Redactor): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] =
        isSecretFieldName(key) && inner !== null && inner !== undefined
          ? REDACTED
          : redactValue(inner, redact);
    }
    return out;
  }
  return value;
}
