import { inspect } from "node:util";
import type { ConnectorDefinition } from "../../src/connectors/definition.js";
import type { Logger } from "../../src/core/logger.js";
import { startSandbox } from "../../src/testing/sandbox.js";

/**
 * The secret-leak harness: every text a test sees leaving the library (log lines, error messages,
 * JSON.stringify(error), util.inspect(error), responses, dry-run plans, CLI output) is collected here, and
 * `test/setup/secret-leak-harness.ts` fails the test if any configured secret appears in it.
 */
const secrets = new Set<string>([
  // The fake HrFlow's API secret (HrFlow is not a connector of the registry).
  "hf-secret-sbx-3e7b",
  // Every session token the Breezy fake issues at sign-in starts with this.
  "bz-session-sbx-",
]);

/** Public format prefixes of some tokens (documented in help texts): not part of the secret. */
const PUBLIC_PREFIXES = [/^breezy_pat_/];

/**
 * Learns the secrets of every connector's sandbox from the registry: the value of each environment
 * variable a connector marks secret, as its fake hands it out. A new connector registered in one line is
 * covered without editing this file.
 */
export async function registerSandboxSecrets(definitions: readonly ConnectorDefinition[]): Promise<void> {
  // The fakes hand their credentials out once mounted (some values name their URLs): a sandbox without
  // profiles, started and stopped.
  const sandbox = await startSandbox({ connectors: definitions, samples: [] });
  try {
    const learn = (value: string): void => {
      registerSecret(PUBLIC_PREFIXES.reduce((text, prefix) => text.replace(prefix, ""), value));
    };
    for (const def of definitions) {
      const vendor = sandbox.vendors.find((v) => v.connector === def.name);
      const env = vendor?.env() ?? {};
      for (const variable of def.auth.env) {
        const value = env[variable.name];
        if (variable.secret && value) learn(value);
      }
      for (const value of vendor?.otherSecrets?.() ?? []) learn(value);
    }
  } finally {
    await sandbox.close();
  }
}

const collected: string[] = [];

/** Declares a secret the current suite configures (kept for the whole run). */
export function registerSecret(...values: string[]): void {
  for (const value of values) if (value.length >= 4) secrets.add(value);
}

export function knownSecrets(): readonly string[] {
  return [...secrets];
}

/** Records text that left the library. */
export function collect(...texts: unknown[]): void {
  for (const text of texts) collected.push(typeof text === "string" ? text : safeStringify(text));
}

function safeStringify(value: unknown): string {
  try {
    return `${JSON.stringify(value)}\n${inspect(value, { depth: 8 })}`;
  } catch {
    return inspect(value, { depth: 8 });
  }
}

/** Records an error in every form a user could print it. */
export function collectError(error: unknown): void {
  if (error instanceof Error)
    collect(
      error.message,
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 8 }),
      error.stack ?? "",
    );
  else collect(error);
}

export function drainCollected(): string[] {
  return collected.splice(0, collected.length);
}

/**
 * Every literal form a secret takes once encoded, computed independently of the library's redactor (so a
 * mistake in one is caught by the other): raw, URL- and form-encoded (either hex case, `+` or `%20` for
 * spaces, every reserved character escaped), JSON-escaped (with and without `\uXXXX`), and the base64 and
 * base64url characters that carry only the secret's bits at each of the three byte alignments (which covers
 * `user:secret`, `secret:` and any other prefix).
 */
function encodedForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const percent = (keep: RegExp): string =>
    [...bytes]
      .map((b) =>
        keep.test(String.fromCharCode(b))
          ? String.fromCharCode(b)
          : `%${b.toString(16).padStart(2, "0").toUpperCase()}`,
      )
      .join("");
  const uri = percent(/[A-Za-z0-9\-_.!~*'()]/);
  const form = percent(/[A-Za-z0-9\-_.*]/).replace(/%20/g, "+");
  const forms = [
    secret,
    uri,
    uri.replace(/%20/g, "+"),
    form,
    percent(/[A-Za-z0-9]/),
    JSON.stringify(secret).slice(1, -1),
    JSON.stringify(secret)
      .slice(1, -1)
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
  ];
  for (const text of [...forms.slice(1, 5)])
    forms.push(text.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()));
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0xff), bytes]).toString("base64");
    // Characters whose six bits all come from the secret: from bit 8*shift to bit 8*(shift+length).
    const core = encoded.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6));
    if (core.length >= 4) forms.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return forms;
}

const formsCache = new Map<string, string[]>();
const windowsCache = new Map<string, string[]>();

/** Each secret's bytes (latin1) cut into windows long enough to be recognisable. */
function windowsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8").toString("latin1");
  const size = Math.min(bytes.length, Math.max(12, Math.ceil(bytes.length / 3)));
  const out: string[] = [];
  for (let i = 0; i + size <= bytes.length; i++) out.push(bytes.slice(i, i + size));
  return out;
}

/**
 * The decodings (at each of the four character alignments) of the base64-looking tokens of a text, with
 * where each token starts. Tokens without an upper-case letter are words, paths or ids, not base64 of text.
 */
function decodedTokens(text: string): [decoded: string, at: number][] {
  const seen = new Set<string>();
  const out: [string, number][] = [];
  for (const match of text.matchAll(/[A-Za-z0-9+/_-]{8,}/g)) {
    const token = match[0];
    if (seen.has(token) || !/[A-Z]/.test(token)) continue;
    seen.add(token);
    for (let skip = 0; skip < 4; skip++) {
      out.push([Buffer.from(token.slice(skip), "base64").toString("latin1"), match.index]);
    }
  }
  return out;
}

/** Where a head or a tail of the secret stands next to a mask (`****staple`, `corr…`). */
function maskedLeak(text: string, secret: string): number {
  const least = Math.min(secret.length, Math.max(6, Math.ceil(secret.length / 3)));
  for (const match of text.matchAll(/[*•#]{3,}|…|\.{3,}/gu)) {
    const after = text.slice(match.index + match[0].length, match.index + match[0].length + secret.length);
    const before = text.slice(Math.max(0, match.index - secret.length), match.index);
    for (let n = least; n <= secret.length; n++) {
      if (after.startsWith(secret.slice(-n)) || before.endsWith(secret.slice(0, n))) return match.index;
    }
  }
  return -1;
}

/** Finds secrets in texts, in any of their encoded forms (returns the offending secret and an excerpt). */
export function findLeaks(texts: readonly string[]): { secret: string; excerpt: string }[] {
  const leaks: { secret: string; excerpt: string }[] = [];
  for (const text of texts) {
    let decoded: [string, number][] | undefined;
    for (const secret of secrets) {
      let forms = formsCache.get(secret);
      if (!forms) {
        forms = encodedForms(secret);
        formsCache.set(secret, forms);
      }
      let at = -1;
      for (const form of forms) {
        at = text.indexOf(form);
        if (at !== -1) break;
      }
      if (at === -1) at = maskedLeak(text, secret);
      if (at === -1) {
        decoded ??= decodedTokens(text);
        let windows = windowsCache.get(secret);
        if (!windows) {
          windows = windowsOf(secret);
          windowsCache.set(secret, windows);
        }
        const hit = decoded.find(([d]) => windows.some((w) => d.includes(w)));
        if (hit) at = hit[1];
      }
      if (at !== -1)
        leaks.push({
          secret: `${secret.slice(0, 3)}…`,
          excerpt: text.slice(Math.max(0, at - 60), at).concat("<SECRET>"),
        });
    }
  }
  return leaks;
}

/** A logger that keeps every line (message and fields) and feeds the harness. */
export interface CapturingLogger extends Logger {
  lines: { level: string; message: string; fields?: Record<string, unknown> | undefined }[];
}

export function capturingLogger(): CapturingLogger {
  const lines: CapturingLogger["lines"] = [];
  const log =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, fields });
      collect(message, fields ?? {});
    };
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}
