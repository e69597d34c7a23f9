import {
  getLoggerWithBasicConfig,
  isConfigError,
  isConnectorsError,
  isHrflowError,
  type ConfigIssue,
  type Logger,
  type PlannedRequest,
  type PushProfileResult,
  type WorkflowResponse,
} from "../index.js";
import type { Env } from "./config.js";
import { ExitCode, exitCodeOf, type ExitCodeValue } from "./exit-codes.js";
import { textTable } from "./table.js";

/** Where the CLI writes (process streams in `main.ts`). */
export interface Stream {
  write(chunk: string): unknown;
  /** True on a terminal (progress lines are shown only there). */
  isTTY?: boolean;
}

/** The process around a CLI run: streams, environment, working directory. */
export interface CliIo {
  stdout: Stream;
  stderr: Stream;
  env: Env;
  cwd: string;
}

/** `--json`, `--verbose`, `--quiet`. */
export interface OutputMode {
  json: boolean;
  verbose: boolean;
  quiet: boolean;
}

const MASK = "[REDACTED]";

/**
 * Everything the CLI prints goes through here: results on stdout (text, or one JSON document with
 * `--json`), logs and errors on stderr. Known secret values are masked on the way out as a last guard
 * (the library already redacts what it produces).
 */
export class Output {
  readonly mode: OutputMode;
  readonly #io: CliIo;
  readonly #secrets = new Set<string>();

  constructor(io: CliIo, mode: OutputMode) {
    this.#io = io;
    this.mode = mode;
  }

  /** Adds values that must never be printed. */
  addSecrets(values: Iterable<string>): void {
    for (const value of values) if (value.length >= 4) this.#secrets.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join(MASK);
    return out;
  }

  /** A result line on stdout (text mode only). */
  print(text = ""): void {
    if (!this.mode.json) this.#io.stdout.write(`${this.redact(text)}\n`);
  }

  /** A detail line on stdout, left out with `--quiet` (text mode only). */
  detail(text = ""): void {
    if (!this.mode.quiet) this.print(text);
  }

  /** The one JSON document of a `--json` run. */
  json(value: unknown): void {
    if (this.mode.json) this.#io.stdout.write(`${this.redact(JSON.stringify(value, null, 2))}\n`);
  }

  /** A line on stderr (errors, notes). */
  error(text: string): void {
    this.#io.stderr.write(`${this.redact(text)}\n`);
  }

  /** A note on stderr, left out with `--quiet`. */
  note(text: string): void {
    if (!this.mode.quiet) this.error(text);
  }

  /** The library logger: stderr; `debug` with `--verbose`, `error` with `--quiet`, else `usual`. */
  logger(usual: "warn" | "error" = "warn"): Logger {
    const level = this.mode.verbose ? "debug" : this.mode.quiet ? "error" : usual;
    return getLoggerWithBasicConfig({
      level,
      json: this.mode.json,
      stream: {
        write: (chunk: unknown): boolean => {
          this.#io.stderr.write(this.redact(String(chunk)));
          return true;
        },
      },
    });
  }
}

/** Maps an option path (`jobId`, `profile.key`) to what the user typed (`--job-id`, `--profile-key`). */
export type PathDescriber = (path: string) => string;

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** The issues of a ConfigError with the flag or variable each refers to. */
export function describedIssues(
  issues: readonly ConfigIssue[],
  describe: PathDescriber,
): { path: string; flag: string; message: string }[] {
  return issues.map((issue) => ({ path: issue.path, flag: describe(issue.path), message: issue.message }));
}

/**
 * Prints an error: one line (a ConfigError lists every problem under it); details with `--verbose`; with
 * `--json` also `{ error, exitCode }` on stdout. Returns the exit code.
 */
export function reportError(out: Output, error: unknown, describe: PathDescriber): ExitCodeValue {
  const exitCode = exitCodeOf(error);
  if (isConfigError(error)) {
    const prefix = error.message.slice(0, Math.max(0, error.message.length - error.detail.length));
    const summary = error.detail.split("\n")[0]?.replace(/:$/, "") ?? "Invalid options";
    const issues = describedIssues(error.issues, describe);
    out.error(`error: ${prefix}${summary}:`);
    for (const issue of issues)
      out.error(`  - ${issue.flag ? `${issue.flag}: ` : ""}${oneLine(issue.message)}`);
    out.json({ error: { ...error.toJSON(), issues }, exitCode });
    return exitCode;
  }
  if (isConnectorsError(error)) {
    const hint =
      isHrflowError(error) && error.notFound
        ? " (check --source-key and --profile-key or --reference, and that HRFLOW_API_USER can read that source)"
        : "";
    out.error(`error: ${oneLine(error.message)}${hint}`);
    if (out.mode.verbose) {
      const { name: _name, message: _message, ...fields } = error.toJSON();
      out.error(`details: ${JSON.stringify(fields, null, 2)}`);
      if (error.cause instanceof Error) out.error(`cause: ${error.cause.name}: ${error.cause.message}`);
      if (error.stack) out.error(error.stack);
    } else if (exitCode === ExitCode.remoteFailure) {
      out.error("(run with --verbose for the details of each attempt)");
    }
    out.json({ error: error.toJSON(), exitCode });
    return exitCode;
  }
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  out.error(`error: unexpected ${name}: ${oneLine(message)}`);
  if (out.mode.verbose && error instanceof Error && error.stack) out.error(error.stack);
  else out.error("(this is a bug: run again with --verbose and report the output)");
  out.json({ error: { name, message }, exitCode });
  return exitCode;
}

function cvLine(result: PushProfileResult): string {
  const { cv } = result;
  const file = cv.fileName ? `${cv.fileName}${cv.contentType ? ` (${cv.contentType})` : ""}` : "";
  switch (cv.status) {
    case "uploaded":
      return `uploaded ${file}`;
    case "inline":
      return `sent inside the candidate ${file}`;
    case "link":
      return `sent as a link ${file}`;
    case "already-uploaded":
      return `already there ${file}`;
    case "absent":
      return "none (the profile has no CV)";
    case "not-supported":
      return `not supported${cv.reason ? `: ${cv.reason}` : ""}`;
    case "failed":
      return `FAILED${cv.reason ? `: ${cv.reason}` : ""}`;
  }
}

/** The requests of a dry run, as a reader checks them: method, URL, masked headers, body. */
export function plannedRequestLines(planned: readonly PlannedRequest[]): string[] {
  const lines: string[] = [];
  planned.forEach((request, i) => {
    lines.push(`${i + 1}. ${request.operation}`);
    lines.push(`   ${request.method} ${request.url}`);
    for (const [name, value] of Object.entries(request.headers)) lines.push(`   ${name}: ${value}`);
    if (request.body !== undefined) {
      const body = JSON.stringify(request.body, null, 2);
      lines.push(...body.split("\n").map((l) => `   ${l}`));
    }
  });
  return lines;
}

/** Prints a push's response in text mode (the JSON mode prints the response as is). */
export function printPushResponse(out: Output, displayName: string, response: WorkflowResponse): void {
  out.json(response);
  const result = response.result;
  if (!result) {
    out.print(`${displayName}: ${response.message}`);
    return;
  }
  const id = result.vendorId ? ` ${result.vendorId}` : "";
  if (result.plannedRequests) {
    out.print(
      `Dry run for ${displayName} (profile ${result.profileKey}): nothing was sent; ${result.plannedRequests.length} request(s) planned`,
    );
    out.detail();
    for (const line of plannedRequestLines(result.plannedRequests)) out.detail(line);
  } else if (response.status_code === 202) {
    out.print(`${displayName}: candidate${id} pushed partially (profile ${result.profileKey})`);
  } else {
    const what =
      result.action === "created"
        ? "created"
        : result.action === "updated"
          ? "updated"
          : result.action === "unchanged"
            ? "already there, unchanged"
            : result.action;
    out.print(`${displayName}: candidate${id} ${what} (profile ${result.profileKey})`);
  }
  const rows = result.steps.map((s) => [s.step, s.status, s.detail ?? "", s.vendorId ?? ""]);
  // Connectors that upload the CV report it as a step; for the others, say what happened to it.
  if (!result.steps.some((s) => s.step === "cv")) rows.push(["cv", result.cv.status, cvLine(result), ""]);
  out.detail();
  for (const line of textTable(["step", "status", "detail", "vendor id"], rows)) out.detail(line);
  if (result.warnings.length > 0) {
    out.detail();
    for (const warning of result.warnings) out.print(`warning: ${warning}`);
  }
}
