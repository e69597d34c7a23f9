import { Writable } from "node:stream";
import { styleText } from "node:util";
// The light core modules directly, not the package's index: that one loads every connector, and the CLI
// must start fast. They are the very modules the index re-exports (same classes, same guards).
import { isConfigError, isConnectorsError, isHrflowError, type ConfigIssue } from "../core/errors.js";
import { getLoggerWithBasicConfig, type LogFields, type Logger, type LogLevel } from "../core/logger.js";
import type { PlannedRequest, PushProfileResult, WorkflowResponse } from "../index.js";
import type { Env } from "./config.js";
import { ExitCode, exitCodeOf, type ExitCodeValue } from "./exit-codes.js";
import { silentStatus, statusOf, type StatusLine } from "./status.js";
import { displayWidth, fitWidth, textTable } from "./table.js";
import { wrap } from "./wrap.js";

/** Where the CLI writes (process streams in `main.ts`). */
export interface Stream {
  write(chunk: string): unknown;
  /** True on a terminal (progress lines are shown only there). */
  isTTY?: boolean;
  /** Width of the terminal, when it is one. */
  columns?: number;
}

/** The process around a CLI run: streams, environment, working directory. */
export interface CliIo {
  stdout: Stream;
  stderr: Stream;
  env: Env;
  cwd: string;
  /** The status line on stderr (a spinner on a terminal); none: nothing is shown. */
  status?: StatusLine;
}

/** `--json`, `--verbose`, `--quiet`. */
export interface OutputMode {
  json: boolean;
  verbose: boolean;
  quiet: boolean;
}

const MASK = "[REDACTED]";
type Style = Parameters<typeof styleText>[0];

/**
 * Colour for one stream, by Node's own rules (`util.styleText`): none when the stream is not a terminal,
 * with `NO_COLOR` or `NODE_DISABLE_COLORS`, or on a dumb terminal; `FORCE_COLOR` forces it. Streams that
 * are not Node streams (tests) get none.
 */
function styler(stream: Stream): (format: Style, text: string) => string {
  if (!(stream instanceof Writable)) return (_format, text) => text;
  return (format, text) => styleText(format, text, { stream });
}

/**
 * Everything the CLI prints goes through here: results on stdout (text, or one JSON document with
 * `--json`), logs and errors on stderr. Known secret values are masked on the way out as a last guard
 * (the library already redacts what it produces). Text fits the terminal (`process.stdout.columns`, 80
 * when unknown); colour follows `NO_COLOR`/`FORCE_COLOR` and is off on pipes.
 */
export class Output {
  readonly mode: OutputMode;
  /** Columns available on stdout (80 when it is not a terminal). */
  readonly width: number;
  /** What the command is waiting for, on an interactive stderr; silent with `--json` or `--quiet`. */
  readonly status: StatusLine;
  readonly #io: CliIo;
  readonly #secrets = new Set<string>();
  readonly #out: (format: Style, text: string) => string;
  readonly #err: (format: Style, text: string) => string;
  readonly #warnings: string[] = [];

  constructor(io: CliIo, mode: OutputMode) {
    this.#io = io;
    this.mode = mode;
    const columns = io.stdout.columns;
    this.width = typeof columns === "number" && columns >= 40 ? columns : 80;
    this.#out = styler(io.stdout);
    this.#err = styler(io.stderr);
    this.status = mode.json || mode.quiet ? silentStatus : (io.status ?? silentStatus);
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

  /** Bold text on stdout (plain when colour is off). */
  bold(text: string): string {
    return this.#out("bold", text);
  }

  /** Coloured text on stdout (plain when colour is off). */
  color(format: Style, text: string): string {
    return this.#out(format, text);
  }

  /** A result line on stdout (text mode only). */
  print(text = ""): void {
    if (!this.mode.json) this.#io.stdout.write(`${this.redact(text)}\n`);
  }

  /** A detail line on stdout, left out with `--quiet` (text mode only). */
  detail(text = ""): void {
    if (!this.mode.quiet) this.print(text);
  }

  /** A result paragraph on stdout, wrapped to the width; later lines start with `indent`. */
  paragraph(text: string, indent = "  "): void {
    // Leading spaces are kept on the first line (wrap() would fold them away).
    const lead = /^ */.exec(text)?.[0] ?? "";
    const [first = "", ...rest] = wrap(
      text.slice(lead.length),
      this.width - lead.length,
      indent.slice(lead.length),
    );
    this.print(lead + first);
    for (const line of rest) this.print(lead + line);
  }

  /** A line of code or data on stdout (a URL, a JSON body): cut with "…" where it would not fit. */
  code(text: string): void {
    this.detail(fitWidth(text, this.width));
  }

  /** The one JSON document of a `--json` run. */
  json(value: unknown): void {
    if (this.mode.json) this.#io.stdout.write(`${this.redact(JSON.stringify(value, null, 2))}\n`);
  }

  /**
   * A line on stderr (errors, notes). On a terminal it is wrapped to the terminal's width; elsewhere it
   * stays one line, so that logs keep one line per message.
   */
  error(text: string): void {
    const columns = this.#io.stderr.columns;
    const lines =
      this.#io.stderr.isTTY === true && typeof columns === "number" && columns >= 40
        ? text
            .split("\n")
            .flatMap((line) => (displayWidth(line) > columns ? wrap(line, columns, "  ") : [line]))
        : [text];
    for (const line of lines) this.#io.stderr.write(`${this.redact(line)}\n`);
  }

  /** `error: ...` in red (stderr). */
  failure(text: string): void {
    this.error(`${this.#err("red", "error:")} ${text}`);
  }

  /** A note on stderr, left out with `--quiet`. */
  note(text: string): void {
    if (!this.mode.quiet) this.error(text);
  }

  /** `warning: ...` lines on stdout, each wrapped, in yellow (text mode only). */
  warnings(warnings: readonly string[]): void {
    for (const warning of warnings) {
      const [first = "", ...rest] = wrap(warning, this.width - "warning: ".length, "");
      this.print(`${this.#out("yellow", "warning:")} ${first}`);
      for (const line of rest) this.print(`         ${line}`);
    }
  }

  /** Warnings the library logged during a command that ended in an error (they are not lost). */
  get loggedWarnings(): readonly string[] {
    return this.#warnings;
  }

  /**
   * The library logger: the status line hears what a push waits for (unless `status` is false: a command
   * that shows its own progress); log lines go to stderr at `debug` with `--verbose`, `error` with
   * `--quiet`, else `usual`. The result's warnings are not logged: the result prints them, once.
   */
  logger(usual: "warn" | "error" = "warn", options: { status?: boolean } = {}): Logger {
    const showStatus = options.status ?? true;
    const level: LogLevel = this.mode.verbose ? "debug" : this.mode.quiet ? "error" : usual;
    const lines = getLoggerWithBasicConfig({
      level,
      json: this.mode.json,
      stream: {
        write: (chunk: unknown): boolean => {
          this.#io.stderr.write(this.redact(String(chunk)));
          return true;
        },
      },
    });
    const route =
      (write: (message: string, fields?: LogFields) => void) =>
      (message: string, fields?: LogFields): void => {
        const status = showStatus ? statusOf(message, fields) : undefined;
        if (status !== undefined) this.status.set(this.redact(status));
        if (fields?.["event"] === "warning") {
          this.#warnings.push(message);
          if (!this.mode.verbose) return;
        }
        write(message, fields);
      };
    return {
      debug: route((m, f) => {
        lines.debug(m, f);
      }),
      info: route((m, f) => {
        lines.info(m, f);
      }),
      warn: route((m, f) => {
        lines.warn(m, f);
      }),
      error: route((m, f) => {
        lines.error(m, f);
      }),
    };
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

/** The warnings logged before an error, for its JSON document (absent when there are none). */
function warningsOf(out: Output): { warnings?: readonly string[] } {
  return out.loggedWarnings.length > 0 ? { warnings: out.loggedWarnings } : {};
}

/**
 * Prints an error: one line (a ConfigError lists every problem under it); details with `--verbose`; with
 * `--json` also `{ error, exitCode, warnings? }` on stdout, the only document printed. Warnings the push
 * logged before failing go into that document, and on stderr with `--verbose`. Returns the exit code.
 */
export function reportError(out: Output, error: unknown, describe: PathDescriber): ExitCodeValue {
  out.status.clear();
  const exitCode = exitCodeOf(error);
  if (out.mode.verbose && !out.mode.json) for (const w of out.loggedWarnings) out.error(`warning: ${w}`);
  if (isConfigError(error)) {
    const prefix = error.message.slice(0, Math.max(0, error.message.length - error.detail.length));
    const summary = error.detail.split("\n")[0]?.replace(/:$/, "") ?? "Invalid options";
    const issues = describedIssues(error.issues, describe);
    out.failure(`${prefix}${summary}:`);
    for (const issue of issues)
      out.error(`  - ${issue.flag ? `${issue.flag}: ` : ""}${oneLine(issue.message)}`);
    out.json({ error: { ...error.toJSON(), issues }, exitCode, ...warningsOf(out) });
    return exitCode;
  }
  if (isConnectorsError(error)) {
    const hint =
      isHrflowError(error) && error.notFound
        ? " (check --source-key and --profile-key or --reference, and that HRFLOW_API_USER can read that source)"
        : "";
    out.failure(`${oneLine(error.message)}${hint}`);
    if (out.mode.verbose) {
      const { name: _name, message: _message, ...fields } = error.toJSON();
      out.error(`details: ${JSON.stringify(fields, null, 2)}`);
      if (error.cause instanceof Error) out.error(`cause: ${error.cause.name}: ${error.cause.message}`);
      if (error.stack) out.error(error.stack);
    } else if (exitCode === ExitCode.remoteFailure) {
      out.error("(run with --verbose for the details of each attempt)");
    }
    out.json({ error: error.toJSON(), exitCode, ...warningsOf(out) });
    return exitCode;
  }
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  out.failure(`unexpected ${name}: ${oneLine(message)}`);
  if (out.mode.verbose && error instanceof Error && error.stack) out.error(error.stack);
  else out.error("(this is a bug: run again with --verbose and report the output)");
  out.json({ error: { name, message }, exitCode, ...warningsOf(out) });
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

/**
 * The response as `--json` prints it: the library's workflow response, except that `status_code` says
 * what happened to the candidate. The library keeps the original's 201 for every successful push (CATCH
 * workflows check it); a command line that says 201 "Created" for a candidate it left unchanged misleads
 * scripts, so here 201 means created, 200 updated or unchanged (and a dry run), 202 partial.
 */
export function cliResponse(response: WorkflowResponse): WorkflowResponse {
  const action = response.result?.action;
  if (response.status_code !== 201 || action === undefined || action === "created") return response;
  return {
    ...response,
    status_code: 200,
    message: action === "unchanged" ? "Profile already up to date" : "Profile successfully updated",
  };
}

/** Prints a push's response: a summary, its steps and warnings (or the response as JSON with `--json`). */
export function printPushResponse(out: Output, displayName: string, response: WorkflowResponse): void {
  out.status.clear();
  out.json(cliResponse(response));
  const result = response.result;
  if (!result) {
    out.paragraph(`${displayName}: ${response.message}`);
    return;
  }
  const id = result.vendorId ? ` ${result.vendorId}` : "";
  if (result.plannedRequests) {
    out.paragraph(
      `${out.color("cyan", "Dry run")} for ${displayName}: nothing was sent; ${result.plannedRequests.length} request(s) planned (profile ${result.profileKey})`,
    );
    out.detail();
    for (const line of plannedRequestLines(result.plannedRequests)) out.code(line);
  } else if (response.status_code === 202) {
    out.paragraph(
      `${displayName}: candidate${id} ${out.color("yellow", "pushed partially")} (profile ${result.profileKey})`,
    );
  } else {
    const what =
      result.action === "created"
        ? out.color("green", "created")
        : result.action === "updated"
          ? out.color("green", "updated")
          : result.action === "unchanged"
            ? out.color("dim", "already there, unchanged")
            : result.action;
    out.paragraph(`${displayName}: candidate${id} ${what} (profile ${result.profileKey})`);
  }
  const rows = result.steps.map((s) => [s.step, s.status, s.detail ?? "", s.vendorId ?? ""]);
  // Connectors that upload the CV report it as a step; for the others, say what happened to it.
  if (!result.steps.some((s) => s.step === "cv")) rows.push(["cv", result.cv.status, cvLine(result), ""]);
  out.detail();
  for (const line of textTable(["step", "status", "detail", "vendor id"], rows, {
    maxWidth: out.width,
    wrapColumn: 2,
  }))
    out.detail(line);
  // A warning that repeats a step's detail (a partial create, a failed CV) is already in the table.
  const inTable = new Set(result.steps.map((s) => s.detail));
  const warnings = [...new Set(result.warnings)].filter((w) => !inTable.has(w));
  if (warnings.length > 0) {
    out.detail();
    out.warnings(warnings);
  }
}
