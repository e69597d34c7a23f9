/**
 * Redaction: every text that may leave the process (error messages, log lines, dry-run plans, reports)
 * goes through a redactor built from the secrets known at that moment (API keys, passwords, tokens obtained
 * by signing in). On top of exact values, header names and body/query field names that carry secrets are
 * masked whatever their value.
 */

/** The mask that replaces a secret. */
export const REDACTED = "[REDACTED]";

/**
 * Header names whose value is always a secret (lower-case). A vendor's own credential headers
 * (`X-SmartToken`, `X-taleez-api-secret`) come from its auth (`VendorAuth.headerNames()`), not from here.
 */
export const SECRET_HEADER_NAMES: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "cookie",
  "set-cookie",
]);

/** Body and query field names whose value is always a secret (compared lower-case, without `_` and `-`). */
const SECRET_FIELD_NAMES: ReadonlySet<string> = new Set([
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

/** Characters a proxy or a vendor uses to mask part of a value (`****abcd`, `ab••••`, `abc…`). */
const MASK_RUN = /(?:[*•#]{3,}|…|\.{3,})/gu;
/** A base64 or base64url token (either alphabet, optional padding). */
const BASE64_TOKEN = /[A-Za-z0-9+/_-]{8,}={0,2}/g;
const BASE64_CHAR = /[A-Za-z0-9+/_=-]/;

/** Upper- and lower-case hex forms of a percent-encoded text. */
function bothHexCases(encoded: string): string[] {
  return [encoded, encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())];
}

/**
 * The literal forms a secret takes once encoded: raw, URL-encoded (`%20`), form-encoded (`+` for spaces,
 * as `URLSearchParams` writes it, or every reserved character escaped), JSON-escaped (with and without
 * `\uXXXX` for non-ASCII characters).
 */
function literalForms(secret: string): string[] {
  const component = encodeURIComponent(secret);
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  const strict = [...new TextEncoder().encode(secret)]
    .map((byte) =>
      /[A-Za-z0-9]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");
  const json = JSON.stringify(secret).slice(1, -1);
  const asciiJson = json.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return [
    secret,
    ...bothHexCases(component),
    ...bothHexCases(component.replace(/%20/g, "+")),
    ...bothHexCases(form),
    ...bothHexCases(strict),
    json,
    asciiJson,
  ];
}

/**
 * The base64 (and base64url) characters that encode `secret` wherever it sits in the encoded data. A
 * base64 string of `prefix + secret + suffix` contains the secret's encoding at one of three alignments
 * (the prefix's length modulo 3); for each, the characters mixing prefix or suffix bits are left out, so
 * what remains depends on the secret only. `user:secret` and `secret:` pairs are covered by the same
 * three alignments.
 */
export function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const out: string[] = [];
  for (const align of [0, 1, 2]) {
    const total = align + bytes.length;
    const encoded = Buffer.concat([Buffer.alloc(align), bytes]).toString("base64");
    const lead = [0, 2, 3][align] ?? 0;
    const keep = 4 * Math.floor(total / 3) + (total % 3);
    const core = encoded.slice(lead, keep);
    if (core.length >= MIN_SECRET_LENGTH) {
      out.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return out;
}

/**
 * How much of a secret, shown next to a mask, is still recognisable: a third of it, at least 6 characters
 * (fewer would match ordinary words and public prefixes such as `breezy_pat_`).
 */
function recognisableLength(secret: string): number {
  return Math.min(secret.length, Math.max(6, Math.ceil(secret.length / 3)));
}

/**
 * The same inside a decoded base64 fragment: a third of the secret, at least 12 bytes (the base64 of a
 * JSON body holds field names such as "password" that short windows of a secret would match).
 */
function recognisableBytes(bytes: string): number {
  return Math.min(bytes.length, Math.max(12, Math.ceil(bytes.length / 3)));
}

/** Everything a redactor needs to know about one secret, computed once. */
interface SecretForms {
  secret: string;
  literals: string[];
  cores: string[];
  /** The secret's bytes as latin1 text, and every window of `recognisableLength` of it. */
  bytes: string;
  windows: string[];
}

function secretForms(secret: string): SecretForms {
  const bytes = Buffer.from(secret, "utf8").toString("latin1");
  const size = recognisableBytes(bytes);
  const windows: string[] = [];
  for (let i = 0; i + size <= bytes.length; i++) windows.push(bytes.slice(i, i + size));
  if (windows.length === 0) windows.push(bytes);
  return { secret, literals: literalForms(secret), cores: base64Cores(secret), bytes, windows };
}

type Span = [start: number, end: number];

/** Every start index of `needle` in `text`. */
function* occurrences(text: string, needle: string): Generator<number> {
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) yield at;
}

/** Widens a span to the whole base64 token around it. */
function tokenAround(text: string, start: number, end: number): Span {
  let from = start;
  let to = end;
  while (from > 0 && BASE64_CHAR.test(text.charAt(from - 1))) from--;
  while (to < text.length && BASE64_CHAR.test(text.charAt(to))) to++;
  return [from, to];
}

/** The decodings of a base64 token at each of the four character alignments (latin1 text). */
function decodings(token: string): string[] {
  const out: string[] = [];
  for (let skip = 0; skip < 4 && token.length - skip >= 8; skip++) {
    const body = token.slice(skip).replace(/=+$/, "");
    out.push(
      Buffer.from(body.slice(0, body.length - (body.length % 4 === 1 ? 1 : 0)), "base64").toString("latin1"),
    );
  }
  return out;
}

/** Where a prefix or a suffix of the secret stands next to a mask (`****aple`, `corr****`). */
function partlyMasked(text: string, forms: SecretForms, spans: Span[]): void {
  const { secret } = forms;
  const least = recognisableLength(secret);
  for (const match of text.matchAll(MASK_RUN)) {
    const start = match.index;
    const end = start + match[0].length;
    // A tail after the mask: the longest suffix of the secret that the text continues with.
    for (let length = secret.length; length >= least; length--) {
      if (text.startsWith(secret.slice(secret.length - length), end)) {
        spans.push([start, end + length]);
        break;
      }
    }
    // A head before the mask.
    for (let length = secret.length; length >= least; length--) {
      if (start - length >= 0 && text.startsWith(secret.slice(0, length), start - length)) {
        spans.push([start - length, end]);
        break;
      }
    }
  }
}

/** Finds every place a secret shows in a text, in any of the forms above. */
function secretSpans(text: string, all: readonly SecretForms[]): Span[] {
  const spans: Span[] = [];
  for (const forms of all) {
    for (const literal of forms.literals) {
      for (const at of occurrences(text, literal)) spans.push([at, at + literal.length]);
    }
    for (const core of forms.cores) {
      for (const at of occurrences(text, core)) spans.push(tokenAround(text, at, at + core.length));
    }
    partlyMasked(text, forms, spans);
  }
  // Base64 tokens that decode to the secret or a recognisable part of it (a truncated or partly masked
  // `Basic` header): the whole token goes.
  for (const match of text.matchAll(BASE64_TOKEN)) {
    const token = match[0];
    const decoded = decodings(token);
    if (all.some((forms) => decoded.some((d) => forms.windows.some((w) => d.includes(w))))) {
      spans.push([match.index, match.index + token.length]);
    }
  }
  return spans;
}

/** Replaces the spans (merged where they overlap or touch) with the mask. */
function maskSpans(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = "";
  let cursor = 0;
  let current: Span | undefined;
  for (const span of spans) {
    if (current && span[0] <= current[1]) {
      current[1] = Math.max(current[1], span[1]);
      continue;
    }
    if (current) {
      out += text.slice(cursor, current[0]) + REDACTED;
      cursor = current[1];
    }
    current = [span[0], span[1]];
  }
  if (current) out += text.slice(cursor, current[0]) + REDACTED + text.slice(current[1]);
  else out += text.slice(cursor);
  return out;
}

/**
 * Builds a redactor. `secrets` is read on every call, so tokens obtained later (after a sign-in) are
 * covered too. Each secret is masked in every form it can take in a text: raw, URL-encoded, form-encoded
 * (`+` or `%20` for spaces), JSON-escaped, base64 and base64url at any offset (alone, in `user:secret` or
 * `secret:` pairs; the whole base64 token goes), and partly masked forms that still show a recognisable
 * head or tail (`****staple`, a truncated `Basic` value). Secrets shorter than 4 characters are ignored:
 * masking them would garble ordinary text.
 */
export function createRedactor(secrets: () => Iterable<string | undefined>): Redactor {
  const cache = new Map<string, SecretForms>();
  return (text: string): string => {
    const all: SecretForms[] = [];
    for (const secret of secrets()) {
      if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
      let forms = cache.get(secret);
      if (!forms) {
        forms = secretForms(secret);
        cache.set(secret, forms);
      }
      all.push(forms);
    }
    if (all.length === 0 || text === "") return text;
    return maskSpans(text, secretSpans(text, all));
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

/** Masks headers that carry secrets: the generic ones, and `secretNames` (the credential's own headers). */
export function redactHeaders(
  headers: Record<string, string>,
  redact: Redactor,
  secretNames: readonly string[] = [],
): Record<string, string> {
  const extra = new Set(secretNames.map((n) => n.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    out[name] = SECRET_HEADER_NAMES.has(lower) || extra.has(lower) ? REDACTED : redact(value);
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
