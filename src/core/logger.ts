import type { Writable } from "node:stream";
import type { Redactor } from "./redact.js";

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * What some log lines announce, in their `event` field, so that a user interface can show what a push
 * is waiting for (the CLI's status line does). Additive: the message says the same in words.
 * - `pull`: the profile is being pulled from HrFlow;
 * - `cv-download`: the CV is being downloaded;
 * - `request`: a vendor request is being sent (`vendor`, `operation`);
 * - `rate-limit-wait`: a request waits for the vendor's rate limit (`vendor`, `operation`, `waitMs` when
 *   known);
 * - `retry-wait`: a failed request will be retried after `waitMs`;
 * - `warning`: the line is one of the result's `warnings` (a UI that prints the result need not print it
 *   twice).
 */
export type LogEvent = "pull" | "cv-download" | "request" | "rate-limit-wait" | "retry-wait" | "warning";

/**
 * The logger every function accepts (`logger` option). Compatible in spirit with console and pino:
 * a message and optional structured fields. The library never writes to stdout on its own.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Log levels from most to least verbose. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A logger that drops everything (the default). */
export const silentLogger: Logger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});

/** Options of {@link getLoggerWithBasicConfig}. */
export interface BasicLoggerOptions {
  /** @default "debug" (as the original's `get_logger_with_basic_config`) */
  level?: LogLevel;
  /** Where lines go. @default process.stderr */
  stream?: Pick<Writable, "write">;
  /** One JSON object per line instead of readable text. @default false */
  json?: boolean;
  /** Clock for timestamps. @default Date.now */
  now?: () => number;
}

function formatFields(fields: LogFields | undefined): string {
  if (!fields) return "";
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  return parts.length > 0 ? ` ${parts.join(" ")}` : "";
}

/**
 * A ready-made logger writing `[LEVEL][time] message key=value` lines to stderr.
 *
 * @example
 * const logger = getLoggerWithBasicConfig({ level: "info" });
 * await Taleez.pushProfile({ ..., logger });
 */
export function getLoggerWithBasicConfig(options: BasicLoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? "debug"];
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const write = (level: Exclude<LogLevel, "silent">, message: string, fields?: LogFields): void => {
    if (LEVELS[level] < threshold) return;
    const time = new Date(now()).toISOString();
    stream.write(
      options.json
        ? `${JSON.stringify({ level, time, message, ...fields })}\n`
        : `[${level.toUpperCase()}][${time}] ${message}${formatFields(fields)}\n`,
    );
  };
  return {
    debug: (m, f) => {
      write("debug", m, f);
    },
    info: (m, f) => {
      write("info", m, f);
    },
    warn: (m, f) => {
      write("warn", m, f);
    },
    error: (m, f) => {
      write("error", m, f);
    },
  };
}

function redactFields(fields: LogFields | undefined, redact: Redactor): LogFields | undefined {
  if (!fields) return undefined;
  const parsed: unknown = JSON.parse(redact(JSON.stringify(fields)));
  return parsed !== null && typeof parsed === "object" ? (parsed as LogFields) : undefined;
}

/** Wraps a logger so that no known secret reaches it, whatever the caller logs. */
export function redactingLogger(logger: Logger, redact: Redactor): Logger {
  return {
    debug: (m, f) => {
      logger.debug(redact(m), redactFields(f, redact));
    },
    info: (m, f) => {
      logger.info(redact(m), redactFields(f, redact));
    },
    warn: (m, f) => {
      logger.warn(redact(m), redactFields(f, redact));
    },
    error: (m, f) => {
      logger.error(redact(m), redactFields(f, redact));
    },
  };
}
