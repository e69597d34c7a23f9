import { inspect } from "node:util";
import type { Logger } from "../../src/core/logger.js";

/**
 * The secret-leak harness: every text a test sees leaving the library (log lines, error messages,
 * JSON.stringify(error), util.inspect(error), responses, dry-run plans, CLI output) is collected here, and
 * `test/setup/secret-leak-harness.ts` fails the test if any configured secret appears in it.
 */
const secrets = new Set<string>([
  // Sandbox defaults (HrFlow and vendor fakes).
  "hrflow-sandbox-secret",
  "sr-sandbox-token",
  "breezy-sandbox-password",
  "breezy_pat_breezy-sandbox-token",
  // Every session token the Breezy fake issues starts with this.
  "breezy-sandbox-session-",
  "flatchr-sandbox-key",
  "greenhouse-sandbox-client-id",
  "greenhouse-sandbox-client-secret",
  "greenhouse-sandbox-api-key",
  "greenhouse-sandbox-partner-token",
  "taleez-sandbox-secret",
]);
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

/** Finds secrets in texts (returns the offending secret and an excerpt). */
export function findLeaks(texts: readonly string[]): { secret: string; excerpt: string }[] {
  const leaks: { secret: string; excerpt: string }[] = [];
  for (const text of texts) {
    for (const secret of secrets) {
      const at = text.indexOf(secret);
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
