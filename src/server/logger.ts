import { pino, type DestinationStream, type Logger as Pino } from "pino";
import { createRedactor, redactingLogger, type LogFields, type Logger } from "../index.js";

/** The service's logger: the library's {@link Logger} interface on pino, plus children bound to fields. */
export interface ServiceLogger extends Logger {
  /** A logger whose every line carries these fields (a job id, a worker). */
  child(fields: LogFields): ServiceLogger;
  /** Writes what is buffered (before the process exits). */
  flush(): void;
}

/** Options of {@link createServiceLogger}. */
export interface ServiceLoggerOptions {
  /** @default "info" */
  level?: "debug" | "info" | "warn" | "error" | "silent";
  /** Where JSON lines go. @default stdout */
  destination?: DestinationStream;
  /** Values masked in every line, whatever field they appear in (the configuration's secrets). */
  secrets: readonly string[];
}

function adapt(base: Pino, secrets: readonly string[]): ServiceLogger {
  // Every line is masked with the configuration's secrets on top of what the engine already masks.
  const masked = redactingLogger(
    {
      debug: (message, fields) => {
        base.debug(fields ?? {}, message);
      },
      info: (message, fields) => {
        base.info(fields ?? {}, message);
      },
      warn: (message, fields) => {
        base.warn(fields ?? {}, message);
      },
      error: (message, fields) => {
        base.error(fields ?? {}, message);
      },
    },
    createRedactor(() => secrets),
  );
  return {
    ...masked,
    child: (fields) => adapt(base.child(fields), secrets),
    flush: () => {
      base.flush();
    },
  };
}

/**
 * JSON lines through pino (`{"level":30,"time":...,"msg":"...","jobId":"..."}`), each masked with the
 * configuration's secrets. Log profile keys and job ids, never profile content or request bodies.
 */
export function createServiceLogger(options: ServiceLoggerOptions): ServiceLogger {
  const base = pino(
    { level: options.level ?? "info", base: { service: "hrflow-connectors" } },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
  return adapt(base, options.secrets);
}
