import { createReadStream, existsSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { Option, type Command } from "commander";
import { z } from "zod";
import {
  ConfigError,
  createLocalRateLimits,
  createRuntime,
  newRunId,
  pushProfiles,
  RUN_COUNTERS,
  systemClock,
  withRateScale,
  type BatchSummary,
  type BatchTarget,
  type ConfigIssue,
  type ConnectorDefinition,
  type FailureKind,
  type ProfileFilter,
  type ProfileSelector,
  type Runtime,
  type RuntimeEvent,
} from "../index.js";
import { authFromEnv, effectiveEnv, hrflowFromEnv, isLoopbackUrl, secretValues, type Env } from "./config.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { reportError, type CliIo, type Output } from "./output.js";
import { optionSpecs, toKebab, type OptionSpec } from "./option-specs.js";
import { createProgressDisplay, formatDuration, type ProgressMode } from "./progress.js";
import {
  configFor,
  GlobalOptionsSchema,
  databaseFlag,
  helpText,
  leftoverIssues,
  outputFor,
  resolveVendorOptions,
} from "./push-profile.js";
import {
  DEFAULT_REPORT_DIR,
  failedSelectors,
  itemLine,
  reportHeads,
  ReportWriter,
  summaryLine,
  type ReportLine,
} from "./report.js";
import { DEFAULT_LEDGER } from "./defaults.js";
import { displayLocation, ledgerLocation, openCliRuntime } from "./store.js";
import { textTable } from "./table.js";

/** The batch's own flags (a vendor option may not take one of these names). */
const BATCH_FLAGS = [
  "--source-key",
  "--keys-file",
  "--references-file",
  "--retry-failed",
  "--tag",
  "--created-after",
  "--created-before",
  "--updated-since",
  "--limit",
  "--page-size",
  "--concurrency",
  "--report",
  "--dry-run",
  "--read-vendor",
  "--ledger",
  "--base-url",
  "--allow-insecure-cv-urls",
] as const;

const BatchFlagsSchema = z.object({
  sourceKey: z.array(z.string()).optional(),
  keysFile: z.string().optional(),
  referencesFile: z.string().optional(),
  retryFailed: z.string().optional(),
  tag: z.array(z.string()).optional(),
  createdAfter: z.string().optional(),
  createdBefore: z.string().optional(),
  updatedSince: z.string().optional(),
  limit: z.string().optional(),
  pageSize: z.string().optional(),
  concurrency: z.string().optional(),
  report: z.string().optional(),
  dryRun: z.boolean().optional(),
  readVendor: z.boolean().optional(),
  ledger: z.string().optional(),
  baseUrl: z.string().optional(),
  allowInsecureCvUrls: z.boolean().optional(),
});

/** Every vendor flag of the connectors, once per flag name, and each connector's own prefixed form. */
interface BatchVendorFlags {
  /** The connector's options schema read as flags. */
  specs: Map<string, OptionSpec[]>;
  /** Commander attribute of an unprefixed flag (`--job-id` → `jobId`). */
  shared: Map<string, string>;
  /** Commander attribute of a prefixed flag, by connector then option key. */
  prefixed: Map<string, Map<string, string>>;
  /** Commander attribute of each connector's `--<connector>-base-url`. */
  baseUrls: Map<string, string>;
}

const collect = (value: string, previous: unknown): string[] => [
  ...(Array.isArray(previous) ? previous.map(String) : []),
  value,
];

/**
 * Adds the batch flags and every connector's vendor flags to `push-profiles`. A vendor flag applies to
 * each named connector that has that option (`--job-id`); `--<connector>-<flag>` applies to one connector
 * (`--greenhouse-job-id 12`) and wins. Values are read per connector with its own schema.
 */
export function addBatchOptions(command: Command, defs: readonly ConnectorDefinition[]): BatchVendorFlags {
  command
    .argument("<connector...>", `connectors to push to (${defs.map((d) => d.name).join(", ")})`)
    .addOption(new Option("--source-key <key>", "HrFlow source to push (repeatable)").argParser(collect))
    .option("--keys-file <file>", "only the profiles whose keys are listed in this file, one per line")
    .option(
      "--references-file <file>",
      "only the profiles whose references are listed in this file, one per line",
    )
    .option(
      "--retry-failed <report>",
      "push again only the items an earlier report says did not arrive (failed, partial, refused)",
    )
    .addOption(
      new Option(
        "--tag <name[=value]>",
        "only profiles with this HrFlow tag (repeatable: all of them)",
      ).argParser(collect),
    )
    .option("--created-after <date>", "only profiles created at or after this date (ISO 8601)")
    .option("--created-before <date>", "only profiles created at or before this date (ISO 8601)")
    .option("--updated-since <date>", "only profiles updated at or after this date (ISO 8601)")
    .option("--limit <n>", "at most this many profiles")
    .option("--page-size <n>", "profiles per HrFlow page (default 100)")
    .option(
      "--concurrency <n>",
      "pushes in flight per connector (default 8); vendor limits hold whatever it is",
    )
    .option("--report <file>", `JSON Lines report (default ./${DEFAULT_REPORT_DIR}/<run id>.jsonl)`)
    .option(
      "--dry-run",
      "plan the whole run from the ledger: what would be created, updated, unchanged, refused; send nothing",
    )
    .option("--read-vendor", "with --dry-run: also read the vendors (GET requests only) to plan exactly")
    .option(
      "--ledger <path>",
      `push ledger (SQLite) that makes re-runs resume (default: $HRFLOW_CONNECTORS_LEDGER or ./${DEFAULT_LEDGER})`,
    )
    .option("--base-url <url>", "vendor API base URL (one connector only; else --<connector>-base-url)")
    .option(
      "--allow-insecure-cv-urls",
      "allow CV downloads over http:// and from loopback/private hosts (implied when HRFLOW_BASE_URL is on loopback)",
    );
  const flags: BatchVendorFlags = {
    specs: new Map(),
    shared: new Map(),
    prefixed: new Map(),
    baseUrls: new Map(),
  };
  const addValued = (flag: string, description: string, boolean: boolean, hidden: boolean): string => {
    const option = boolean
      ? new Option(flag, description)
      : new Option(`${flag} <value>`, description).argParser(collect);
    if (hidden) option.hideHelp();
    command.addOption(option);
    if (boolean) command.addOption(new Option(`--no-${flag.slice(2)}`, `sets ${flag} to false`).hideHelp());
    return option.attributeName();
  };
  const all = defs.map((def) => ({ def, specs: optionSpecs(def.optionsSchema) }));
  for (const { def, specs } of all) {
    flags.specs.set(def.name, specs);
    const own = new Map<string, string>();
    for (const spec of specs) {
      if ((BATCH_FLAGS as readonly string[]).includes(spec.flag))
        throw new Error(`${def.name}: vendor option ${spec.key} would take the batch flag ${spec.flag}`);
      if (!flags.shared.has(spec.flag)) {
        // One help line per flag, naming the connectors that take it.
        const takers = all.filter((d) => d.specs.some((s) => s.flag === spec.flag)).map((d) => d.def.name);
        flags.shared.set(
          spec.flag,
          addValued(spec.flag, `[${takers.join(", ")}] ${helpText(spec)}`, spec.boolean, false),
        );
      }
      // `--<connector>-<flag>`: that connector only (listed in the help text after the options).
      own.set(
        spec.key,
        addValued(
          `--${def.name}-${spec.flag.slice(2)}`,
          `${def.displayName} only: ${helpText(spec)}`,
          spec.boolean,
          true,
        ),
      );
    }
    flags.prefixed.set(def.name, own);
    const baseUrl = new Option(
      `--${def.name}-base-url <url>`,
      `${def.displayName} API base URL (default: ${def.defaultBaseUrl})`,
    ).hideHelp();
    flags.baseUrls.set(def.name, baseUrl.attributeName());
    command.addOption(baseUrl);
  }
  command.allowUnknownOption().allowExcessArguments();
  return flags;
}

const Positive =
  (name: string, max: number) =>
  (text: string | undefined, issues: ConfigIssue[]): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > max) {
      issues.push({ path: name, message: `must be a whole number from 0 to ${max}, got "${text}"` });
      return undefined;
    }
    return n;
  };

/** Lines of a file, one at a time, trimmed, without blanks and `#` comments. */
async function* fileLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of lines) {
    const text = line.trim();
    if (text !== "" && !text.startsWith("#")) yield text;
  }
}

async function* selectorsFrom(path: string, kind: "key" | "reference"): AsyncGenerator<ProfileSelector> {
  for await (const line of fileLines(path)) yield kind === "key" ? { key: line } : { reference: line };
}

/**
 * The command line as typed, rebuilt from what commander read (credentials are never flags), with the
 * global options that name where credentials and the ledger come from (`--config`, `--database` without
 * its password), so that the printed command runs as it is. `omit`: options (camelCase) left out.
 */
function commandLine(connectors: readonly string[], command: Command, omit: readonly string[] = []): string {
  const parts = ["hrflow-connectors", "push-profiles", ...connectors];
  const globals = GlobalOptionsSchema.parse(command.optsWithGlobals());
  if (globals.config !== undefined) parts.push("--config", quote(globals.config));
  if (globals.database !== undefined) parts.push("--database", quote(displayLocation(globals.database)));
  for (const [name, value] of Object.entries(command.opts<Record<string, unknown>>())) {
    if (value === undefined || omit.includes(name)) continue;
    const flag = `--${toKebab(name)}`;
    if (value === true) parts.push(flag);
    else if (value === false) parts.push(`--no-${flag.slice(2)}`);
    else if (Array.isArray(value)) for (const v of value) parts.push(flag, quote(String(v)));
    else if (typeof value === "string" || typeof value === "number") parts.push(flag, quote(String(value)));
  }
  return parts.join(" ");
}

function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/** The runtime of a batch: the CLI's, or (tests and the sandbox only) one whose vendor windows are scaled. */
async function batchRuntime(
  location: string,
  env: Env,
  out: Output,
  onEvent: (e: RuntimeEvent) => void,
): Promise<Runtime> {
  const scale = Number(env["HRFLOW_CONNECTORS_RATE_SCALE"]);
  if (!(Number.isFinite(scale) && scale > 0))
    return openCliRuntime({ location, logger: out.logger(), env, onEvent });
  // A test hook: vendor windows `scale` times shorter, against fakes held to the same scaled limits.
  const base = await openCliRuntime({ location, logger: out.logger(), env, onEvent });
  return createRuntime({
    store: base.store,
    logger: base.logger,
    leaseMs: base.leaseMs,
    settleWindowMs: base.settleWindowMs,
    runHeartbeatMs: base.runHeartbeatMs,
    runStaleMs: base.runStaleMs,
    onEvent,
    rateLimits: withRateScale(
      createLocalRateLimits(systemClock, (e) => {
        onEvent({ type: "wait", ...e });
      }),
      scale,
    ),
  });
}

function progressMode(io: CliIo, out: Output): ProgressMode {
  if (out.mode.quiet) return "none";
  return io.stderr.isTTY === true ? "tty" : "lines";
}

/** `push-profiles <connector...>`: a whole source (or part of it) to one or more connectors. */
export async function pushProfilesCommand(
  defs: readonly ConnectorDefinition[],
  flags: BatchVendorFlags,
  names: readonly string[],
  command: Command,
  io: CliIo,
): Promise<ExitCodeValue> {
  const out = outputFor(command, io);
  let runtime: Runtime | undefined;
  const stop = new AbortController();
  const abort = new AbortController();
  let interrupts = 0;
  let noteLine: (text: string) => void = (text) => {
    out.error(text);
  };
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      noteLine(
        "Stopping: no new push starts; the pushes in flight finish (Ctrl-C again to interrupt them; the ledger records where they stop)",
      );
      stop.abort(new Error("stopped"));
    } else if (interrupts === 2) {
      noteLine(
        "Interrupting the pushes in flight; each records in the ledger where it stopped (Ctrl-C again to leave at once)",
      );
      abort.abort(new Error("interrupted"));
    } else {
      process.exit(130);
    }
  };
  try {
    const opts = command.opts<Record<string, unknown>>();
    const batch = BatchFlagsSchema.parse(opts);
    const config = await configFor(command, io);
    const env = effectiveEnv(io.env, config);
    const issues: ConfigIssue[] = leftoverIssues(command.args.slice(names.length), [
      ...BATCH_FLAGS,
      ...[...flags.shared.keys()],
    ]);

    // Connectors.
    const selected: ConnectorDefinition[] = [];
    for (const name of names) {
      const def = defs.find((d) => d.name === name.toLowerCase().replace(/[-_\s]/g, ""));
      if (!def)
        issues.push({
          path: name,
          message: `unknown connector; use one of ${defs.map((d) => d.name).join(", ")}`,
        });
      else if (selected.includes(def)) issues.push({ path: name, message: "named twice" });
      else selected.push(def);
    }
    out.addSecrets(secretValues(selected, env));
    const logger = out.logger();
    if (batch.baseUrl !== undefined && names.length > 1)
      issues.push({
        path: "--base-url",
        message: "applies to one connector only: use --<connector>-base-url",
      });

    // Vendor options and credentials, per connector.
    const targets: BatchTarget[] = [];
    for (const def of selected) {
      const specs = flags.specs.get(def.name) ?? [];
      const own = flags.prefixed.get(def.name);
      const resolved = resolveVendorOptions(
        def,
        specs,
        (spec) => opts[own?.get(spec.key) ?? ""] ?? opts[flags.shared.get(spec.flag) ?? ""],
        config,
        z
          .string()
          .optional()
          .parse(opts[flags.baseUrls.get(def.name) ?? ""]) ?? batch.baseUrl,
      );
      issues.push(
        ...resolved.issues.map((i) => ({
          ...i,
          path: `${def.name}: ${describeVendorPath(def, specs, i.path)}`,
        })),
      );
      const vendorBaseUrl =
        resolved.baseUrl && URL.canParse(resolved.baseUrl) ? resolved.baseUrl : def.defaultBaseUrl;
      const credentials = authFromEnv(def, env, vendorBaseUrl);
      issues.push(...credentials.issues);
      if (credentials.auth)
        targets.push({
          connector: def,
          auth: credentials.auth,
          options: {
            ...resolved.vendorInput,
            ...(resolved.baseUrl !== undefined ? { baseUrl: resolved.baseUrl } : {}),
          },
        });
    }
    // Vendor flags that none of the named connectors takes.
    for (const [flag, attribute] of flags.shared) {
      if (opts[attribute] === undefined) continue;
      if (!selected.some((def) => (flags.specs.get(def.name) ?? []).some((s) => s.flag === flag)))
        issues.push({ path: flag, message: `none of ${names.join(", ")} takes this option` });
    }
    // Flags of a connector this command does not name: a typo in the connector list, most likely.
    for (const def of defs) {
      if (selected.includes(def)) continue;
      const attributes: [string, string][] = [
        ...(flags.prefixed.get(def.name) ?? new Map<string, string>()).entries(),
        ["baseUrl", flags.baseUrls.get(def.name) ?? ""],
      ];
      const given = attributes
        .filter(([, attribute]) => attribute !== "" && opts[attribute] !== undefined)
        .map(([key]) => `--${def.name}-${toKebab(key)}`);
      for (const flag of given)
        issues.push({ path: flag, message: `is for ${def.name}, which this command does not name` });
    }

    // Which profiles.
    const number = (name: string, max: number) => (text: string | undefined) =>
      Positive(name, max)(text, issues);
    const limit = number("--limit", 1e9)(batch.limit);
    const pageSize = number("--page-size", 1000)(batch.pageSize);
    const concurrency = number("--concurrency", 256)(batch.concurrency);
    if (concurrency === 0) issues.push({ path: "--concurrency", message: "must be at least 1" });
    const filter: ProfileFilter = {};
    if (limit !== undefined) filter.limit = limit;
    if (pageSize !== undefined) filter.pageSize = pageSize;
    for (const [flag, key, value] of [
      ["--created-after", "createdAtMin", batch.createdAfter],
      ["--created-before", "createdAtMax", batch.createdBefore],
      ["--updated-since", "updatedSince", batch.updatedSince],
    ] as const) {
      if (value === undefined) continue;
      if (Number.isNaN(Date.parse(value)))
        issues.push({ path: flag, message: `must be a date (ISO 8601), got "${value}"` });
      else filter[key] = new Date(Date.parse(value)).toISOString();
    }
    if (batch.tag)
      filter.tags = batch.tag.map((t) => {
        const at = t.indexOf("=");
        return at < 0 ? t : { name: t.slice(0, at), value: t.slice(at + 1) };
      });
    const selections = [batch.keysFile, batch.referencesFile, batch.retryFailed].filter(
      (f) => f !== undefined,
    );
    if (selections.length > 1)
      issues.push({
        path: "--keys-file",
        message: "give one of --keys-file, --references-file, --retry-failed",
      });
    for (const [flag, file] of [
      ["--keys-file", batch.keysFile],
      ["--references-file", batch.referencesFile],
      ["--retry-failed", batch.retryFailed],
    ] as const) {
      if (file !== undefined && !existsSync(resolve(io.cwd, file)))
        issues.push({ path: flag, message: `cannot read ${resolve(io.cwd, file)} (no such file)` });
    }
    let sourceKeys = batch.sourceKey ?? [];
    if (
      batch.retryFailed !== undefined &&
      existsSync(resolve(io.cwd, batch.retryFailed)) &&
      sourceKeys.length === 0
    )
      sourceKeys = (await reportHeads(resolve(io.cwd, batch.retryFailed))).run?.sourceKeys ?? [];
    if (sourceKeys.length === 0)
      issues.push({ path: "--source-key", message: "is required: the HrFlow source to push" });
    if (batch.readVendor === true && batch.dryRun !== true)
      issues.push({ path: "--read-vendor", message: "goes with --dry-run" });
    if (
      batch.report !== undefined &&
      batch.retryFailed !== undefined &&
      resolve(io.cwd, batch.report) === resolve(io.cwd, batch.retryFailed)
    )
      issues.push({
        path: "--report",
        message: "is the report --retry-failed reads: give another file, or none (each run writes its own)",
      });

    const hrflow = hrflowFromEnv(env, logger);
    issues.push(...hrflow.issues);
    if (issues.length > 0 || !hrflow.client || targets.length !== selected.length || selected.length === 0)
      throw new ConfigError(issues, { summary: "Cannot push the source" });
    const hrflowClient = hrflow.client;
    out.addSecrets([...hrflowClient.secrets(), ...targets.flatMap((t) => t.auth.secrets())]);

    if (batch.keysFile !== undefined) filter.profiles = selectorsFrom(resolve(io.cwd, batch.keysFile), "key");
    if (batch.referencesFile !== undefined)
      filter.profiles = selectorsFrom(resolve(io.cwd, batch.referencesFile), "reference");
    if (batch.retryFailed !== undefined)
      filter.profiles = failedSelectors(
        resolve(io.cwd, batch.retryFailed),
        selected.map((d) => d.name),
        (line) => {
          logger.warn(
            `${line.profileKey} failed at ${line.connector}, which this command does not name: left out`,
          );
        },
      );

    const allowInsecureCvUrls = batch.allowInsecureCvUrls === true || isLoopbackUrl(env["HRFLOW_BASE_URL"]);
    const location = ledgerLocation(batch.ledger, env, io.cwd, databaseFlag(command));
    const dryRun = batch.dryRun === true ? (batch.readVendor === true ? "vendor" : "ledger") : false;
    const runId = newRunId(Date.now());
    const reportPath = resolve(io.cwd, batch.report ?? `${DEFAULT_REPORT_DIR}/${runId}.jsonl`);
    const line = commandLine(names, command);

    const mode = progressMode(io, out);
    const display = createProgressDisplay({
      mode,
      stream: io.stderr,
      ttyStream: io.stderr instanceof Writable ? io.stderr : undefined,
      title: `${dryRun ? "Planning" : "Pushing"} ${sourceKeys.length > 1 ? `${sourceKeys.length} sources` : `source ${sourceKeys[0] ?? ""}`} to ${selected.map((d) => d.displayName).join(", ")} · run ${runId}`,
      ...(env["HRFLOW_CONNECTORS_PROGRESS_MS"]
        ? { lineIntervalMs: Number(env["HRFLOW_CONNECTORS_PROGRESS_MS"]) }
        : {}),
    });
    noteLine = (text) => {
      if (mode === "none") out.error(text);
      else display.note(text);
    };
    runtime = await batchRuntime(location, env, out, (event) => {
      display.waiting(event);
    });
    logger.debug(`Push ledger: ${displayLocation(location)}`);

    const report = new ReportWriter(reportPath, (text) => out.redact(text));
    const emit = async (reportLine: ReportLine): Promise<void> => {
      if (out.mode.json) io.stdout.write(`${out.redact(JSON.stringify(reportLine))}\n`);
      await report.write(reportLine);
    };
    await emit({
      type: "run",
      runId,
      startedAt: new Date().toISOString(),
      command: out.redact(line),
      connectors: selected.map((d) => d.name),
      sourceKeys,
      dryRun,
      ledger: displayLocation(location),
      filter: {
        ...(filter.tags ? { tags: filter.tags } : {}),
        ...(filter.createdAtMin ? { createdAtMin: filter.createdAtMin } : {}),
        ...(filter.createdAtMax ? { createdAtMax: filter.createdAtMax } : {}),
        ...(filter.updatedSince ? { updatedSince: filter.updatedSince } : {}),
        ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
        ...(batch.keysFile ? { keysFile: batch.keysFile } : {}),
        ...(batch.referencesFile ? { referencesFile: batch.referencesFile } : {}),
        ...(batch.retryFailed ? { retryFailed: batch.retryFailed } : {}),
      },
    });

    const failureKinds = new Set<FailureKind>();
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let summary: BatchSummary;
    try {
      const run = pushProfiles({
        hrflowClient,
        sources: sourceKeys.map((key) => ({ key })),
        filter,
        connectors: targets,
        runtime,
        ...(concurrency !== undefined ? { concurrency } : {}),
        dryRun,
        stop: stop.signal,
        signal: abort.signal,
        logger,
        pushOptions: { allowInsecureCvUrls },
        run: { id: runId, command: out.redact(line), reportPath },
        onProgress: (progress) => {
          display.update(progress);
        },
      });
      for await (const item of run) {
        if (item.error && item.action !== "partial") failureKinds.add(item.error.kind);
        await emit(itemLine(runId, item, new Date().toISOString()));
      }
      summary = await run.summary();
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      display.stop();
    }
    await emit(summaryLine(summary));
    await report.close();

    printSummary(out, summary, reportPath, dryRun !== false);
    if (summary.status === "interrupted") {
      out.error(
        `Interrupted after ${summary.items} item(s). Resume with the same command (the ledger ${displayLocation(location)} skips what is done):\n  ${line}`,
      );
      return ExitCode.remoteFailure;
    }
    if (summary.status === "failed") {
      out.error(`error: ${summary.error?.message ?? "the source could not be read"}`);
      if (summary.items === 0 && summary.error) {
        const kind = summary.error.kind;
        return kind === "auth"
          ? ExitCode.authRefused
          : kind === "config"
            ? ExitCode.badInput
            : ExitCode.remoteFailure;
      }
      return ExitCode.remoteFailure;
    }
    const arrived =
      summary.counts.created +
      summary.counts.updated +
      summary.counts.unchanged +
      summary.counts.skipped +
      summary.counts.discarded;
    // A plan is a success: its refusals are in the table and the report.
    if (dryRun !== false && summary.status === "incomplete") return ExitCode.ok;
    if (summary.status === "incomplete") {
      // Nothing arrived and every failure says the same: the run could not really start.
      if (arrived === 0 && failureKinds.size === 1 && failureKinds.has("auth")) return ExitCode.authRefused;
      if (arrived === 0 && failureKinds.size === 1 && failureKinds.has("config")) return ExitCode.badInput;
      const { failed, partial, refused } = summary.counts;
      const retry = `${out.redact(commandLine(names, command, ["report", "retryFailed"]))} --retry-failed ${quote(reportPath)}`;
      const refusedNote =
        refused > 0
          ? `${refused} refused: the profile cannot become a valid payload for that ATS (the reason is above), and re-running changes nothing until the profile or your logics change. `
          : "";
      out.error(
        `${failed + partial + refused} item(s) did not arrive. ${refusedNote}` +
          (failed + partial > 0
            ? "Run the same command again to finish them, or only them:"
            : "Once they changed, retry them with:") +
          `\n  ${retry}`,
      );
      return ExitCode.remoteFailure;
    }
    return ExitCode.ok;
  } catch (error) {
    return reportError(out, error, (p) => p);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await runtime?.close();
  }
}

function describeVendorPath(def: ConnectorDefinition, specs: readonly OptionSpec[], path: string): string {
  if (path === "baseUrl") return `--${def.name}-base-url`;
  const match = /^([A-Za-z0-9_]+)(.*)$/.exec(path);
  const spec = match ? specs.find((s) => s.key === match[1]) : undefined;
  return spec ? `${spec.flag} (or --${def.name}-${spec.flag.slice(2)})${match?.[2] ?? ""}` : path;
}

/** The summary table: items by connector and outcome, then where the report is. */
function printSummary(out: Output, summary: BatchSummary, reportPath: string, planned: boolean): void {
  const columns = RUN_COUNTERS.filter(
    (c) => summary.counts[c] > 0 || ["created", "updated", "unchanged", "failed"].includes(c),
  );
  const rows = Object.entries(summary.byConnector).map(([connector, counts]) => [
    connector,
    ...columns.map((c) => String(counts[c])),
    String(RUN_COUNTERS.reduce((n, c) => n + counts[c], 0)),
  ]);
  rows.push(["total", ...columns.map((c) => String(summary.counts[c])), String(summary.items)]);
  out.print(
    `${planned ? "Plan" : "Run"} ${summary.runId}: ${summary.status}, ${summary.profiles} profile(s), ${summary.items} item(s) in ${formatDuration(summary.durationMs)}${planned ? " (dry run: nothing sent)" : ""}`,
  );
  for (const row of textTable(
    [
      "connector",
      ...columns.map((c) => (planned && ["created", "updated"].includes(c) ? `would be ${c}` : c)),
      "items",
    ],
    rows,
    { alignRight: columns.map((_, i) => i + 1).concat(columns.length + 1) },
  ))
    out.detail(row);
  if (summary.reasons.length > 0) {
    out.detail(planned ? "Refused or failing, with the reasons:" : "Why items did not arrive:");
    for (const r of summary.reasons) out.detail(`  ${String(r.count).padStart(5)}  ${r.reason}`);
  }
  out.detail(`Report: ${reportPath}`);
}
