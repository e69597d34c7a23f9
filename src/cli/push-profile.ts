import { Option, type Command } from "commander";
import { z } from "zod";
import {
  ConfigError,
  runPushProfile,
  type ConfigIssue,
  type ConnectorDefinition,
  type Runtime,
} from "../index.js";
import {
  authFromEnv,
  effectiveEnv,
  hrflowFromEnv,
  isLoopbackUrl,
  loadConfigFile,
  secretValues,
  type CliConfig,
} from "./config.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { coerceFlagValue, optionSpecs, toCamel, type OptionSpec } from "./option-specs.js";
import { trailingPushFlags } from "./defaults.js";
import { Output, printPushResponse, reportError, type CliIo, type PathDescriber } from "./output.js";
import { displayLocation, ledgerLocation, openCliRuntime } from "./store.js";

/** Flags every push command has; a vendor option may not take one of these names. */
export const RESERVED_FLAGS: readonly string[] = [
  "--source-key",
  "--profile-key",
  "--reference",
  "--base-url",
  "--dry-run",
  "--read-vendor",
  "--ledger",
  "--database",
  "--allow-insecure-cv-urls",
  "--config",
  "--json",
  "--verbose",
  "--quiet",
  "--help",
  "--version",
];

/** Global options (defined on the program, accepted anywhere on the line). */
export const GlobalOptionsSchema = z.object({
  config: z.string().optional(),
  database: z.string().optional(),
  json: z.boolean().optional(),
  verbose: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

const PushFlagsSchema = z.object({
  sourceKey: z.string().optional(),
  profileKey: z.string().optional(),
  reference: z.string().optional(),
  baseUrl: z.string().optional(),
  dryRun: z.boolean().optional(),
  readVendor: z.boolean().optional(),
  ledger: z.string().optional(),
  allowInsecureCvUrls: z.boolean().optional(),
});

/** The `--database` flag (global: accepted anywhere on the line). */
export function databaseFlag(command: Command): string | undefined {
  return GlobalOptionsSchema.parse(command.optsWithGlobals()).database;
}

/** The output of a command from the global flags. */
export function outputFor(command: Command, io: CliIo): Output {
  const globals = GlobalOptionsSchema.parse(command.optsWithGlobals());
  return new Output(io, {
    json: globals.json ?? false,
    verbose: globals.verbose ?? false,
    quiet: globals.quiet ?? false,
  });
}

/** The config file named by `--config`, if any (throws ConfigError when unreadable or invalid). */
export async function configFor(command: Command, io: CliIo): Promise<CliConfig | undefined> {
  const { config } = GlobalOptionsSchema.parse(command.optsWithGlobals());
  return config ? loadConfigFile(config, io.env, io.cwd) : undefined;
}

/** The help line of a vendor option flag: its description, required marker, default and type. */
export function helpText(spec: OptionSpec): string {
  const notes: string[] = [];
  if (spec.required) notes.push("required");
  if (spec.repeatable) notes.push("repeatable");
  if (spec.hasDefault) notes.push(`default: ${JSON.stringify(spec.defaultValue)}`);
  if (!spec.boolean && !spec.repeatable && spec.typeLabel !== "string") notes.push(spec.typeLabel);
  const description = spec.description.replace(/`/g, "");
  return notes.length > 0 ? `${description} (${notes.join("; ")})` : description;
}

/** The vendor option flags of a connector, with the commander options that read them. */
export interface VendorFlags {
  specs: OptionSpec[];
  /** Commander attribute name of each option key. */
  attributes: Map<string, string>;
}

/** Adds the common push flags and the connector's own flags (from its options schema) to a command. */
export function addPushOptions(command: Command, def: ConnectorDefinition): VendorFlags {
  const specs = optionSpecs(def.optionsSchema);
  const attributes = new Map<string, string>();
  command
    .option("--source-key <key>", "HrFlow source holding the profile (required)")
    .option("--profile-key <key>", "HrFlow profile key (or --reference)")
    .option("--reference <reference>", "HrFlow profile reference, instead of --profile-key");
  // The connector's own options, from its schema, with required markers and defaults.
  for (const spec of specs) {
    if (RESERVED_FLAGS.includes(spec.flag)) {
      throw new Error(`${def.name}: vendor option ${spec.key} would take the reserved flag ${spec.flag}`);
    }
    const option = spec.boolean
      ? new Option(spec.flag, helpText(spec))
      : spec.repeatable
        ? new Option(`${spec.flag} <value>`, helpText(spec)).argParser((value: string, previous: unknown) => [
            ...(Array.isArray(previous) ? previous.map(String) : []),
            value,
          ])
        : new Option(`${spec.flag} <value>`, helpText(spec));
    command.addOption(option);
    if (spec.boolean)
      command.addOption(new Option(`--no-${spec.flag.slice(2)}`, `sets ${spec.flag} to false`));
    attributes.set(spec.key, option.attributeName());
  }
  for (const [flags, help] of trailingPushFlags(def.displayName, def.defaultBaseUrl))
    command.option(flags, help);
  command.allowUnknownOption().allowExcessArguments();
  return { specs, attributes };
}

const COMMON_PATHS: Record<string, string> = {
  "profile.key": "--profile-key",
  "profile.reference": "--reference",
  "profile.source.key": "--source-key",
  "profile.source": "--source-key",
  profile: "--profile-key / --reference",
  baseUrl: "--base-url",
  dryRun: "--dry-run",
  runtime: "--ledger",
  allowInsecureCvUrls: "--allow-insecure-cv-urls",
  hrflowClient: "HRFLOW_API_SECRET / HRFLOW_API_USER",
};

/** Describes option paths with the flags of this connector (`jobId[1]` → `--job-id (value 2)`). */
export function pathDescriber(def: ConnectorDefinition, specs: readonly OptionSpec[]): PathDescriber {
  return (path) => {
    if (/^[A-Z][A-Z0-9_]*$/.test(path) || path.startsWith("--") || path.startsWith("options.")) return path;
    if (path === "auth") return `credentials (${def.auth.env.map((v) => v.name).join(", ")})`;
    const common = COMMON_PATHS[path];
    if (common) return common;
    const match = /^([A-Za-z0-9_]+)(.*)$/.exec(path);
    const spec = match ? specs.find((s) => s.key === match[1]) : undefined;
    if (!spec || !match) return path;
    const index = /^\[(\d+)\]/.exec(match[2] ?? "");
    return index ? `${spec.flag} (value ${Number(index[1]) + 1})` : `${spec.flag}${match[2] ?? ""}`;
  };
}

function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join("");
    let message = issue.message;
    if (issue.code === "invalid_type" && issue.input === undefined) message = "is required";
    else if (issue.code === "unrecognized_keys") message = `unknown option(s): ${issue.keys.join(", ")}`;
    return { path, message };
  });
}

/** Leftover words commander did not recognise: unknown flags (with their value) and stray arguments. */
export function leftoverIssues(args: readonly string[], flags: readonly string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? "";
    if (word.startsWith("-")) {
      const name = word.split("=")[0] ?? word;
      const bare = name.replace(/^-+/, "").replace(/[-_]/g, "").toLowerCase();
      const hint = flags.find((f) => f.replace(/^-+/, "").replace(/-/g, "") === bare);
      issues.push({
        path: name,
        message: `unknown option${hint ? ` (did you mean ${hint}?)` : ""}; see --help`,
      });
      // `--unknown value`: the value belongs to the unknown flag.
      const next = args[i + 1];
      if (!word.includes("=") && next !== undefined && !next.startsWith("-")) i++;
    } else {
      issues.push({ path: word, message: "unexpected argument" });
    }
  }
  return issues;
}

/** A connector's vendor options from the config file and the flags, with its base URL. */
export interface ResolvedVendorOptions {
  /** The options as flags and the config file give them (the schema applies defaults when pushing). */
  vendorInput: Record<string, unknown>;
  baseUrl: string | undefined;
  issues: ConfigIssue[];
}

/**
 * Reads a connector's vendor options: the config file's (`options: { <connector>: {...} }`), then the
 * flags on top (`flagValue` gives a flag's raw value: a string, a boolean or a list), checked against the
 * connector's schema; every problem is an issue naming the option.
 */
export function resolveVendorOptions(
  def: ConnectorDefinition,
  specs: readonly OptionSpec[],
  flagValue: (spec: OptionSpec) => unknown,
  config: CliConfig | undefined,
  baseUrlFlag: string | undefined,
): ResolvedVendorOptions {
  const issues: ConfigIssue[] = [];
  const vendorInput: Record<string, unknown> = {};
  let baseUrl = baseUrlFlag;
  for (const [rawKey, value] of Object.entries(config?.options[def.name] ?? {})) {
    const key = toCamel(rawKey);
    if (key === "baseUrl" && typeof value === "string") baseUrl ??= value;
    else if (specs.some((s) => s.key === key)) vendorInput[key] = value;
    else issues.push({ path: `options.${def.name}.${rawKey}`, message: `unknown ${def.displayName} option` });
  }
  for (const spec of specs) {
    const raw = flagValue(spec);
    if (typeof raw === "string" || typeof raw === "boolean")
      vendorInput[spec.key] = coerceFlagValue(spec, raw);
    else if (Array.isArray(raw)) vendorInput[spec.key] = coerceFlagValue(spec, raw.map(String));
  }
  const vendor = def.optionsSchema.safeParse(vendorInput);
  if (!vendor.success) issues.push(...zodIssues(vendor.error));
  if (baseUrl !== undefined) {
    const protocol = URL.canParse(baseUrl) ? new URL(baseUrl).protocol : "";
    if (protocol !== "http:" && protocol !== "https:")
      issues.push({ path: "baseUrl", message: "must be an http(s) URL" });
  }
  return { vendorInput, baseUrl, issues };
}

/** `push-profile <connector>`: resolves flags, config and credentials, pushes one profile, prints it. */
export async function pushProfileCommand(
  def: ConnectorDefinition,
  flags: VendorFlags,
  command: Command,
  io: CliIo,
): Promise<ExitCodeValue> {
  const out = outputFor(command, io);
  const describe = pathDescriber(def, flags.specs);
  let runtime: Runtime | undefined;
  const interrupt = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    // A second Ctrl-C leaves at once; the first one lets the push record where it stopped.
    if (interrupts > 1) process.exit(130);
    out.error(
      "Interrupted: stopping the push and recording where it stopped (Ctrl-C again to leave at once)",
    );
    interrupt.abort(new Error("interrupted"));
  };
  try {
    const opts: Record<string, unknown> = command.opts();
    const push = PushFlagsSchema.parse(opts);
    const config = await configFor(command, io);
    const env = effectiveEnv(io.env, config);
    out.addSecrets(secretValues([def], env));
    const logger = out.logger();

    const issues: ConfigIssue[] = leftoverIssues(command.args, [
      ...RESERVED_FLAGS,
      ...flags.specs.map((s) => s.flag),
    ]);

    const resolved = resolveVendorOptions(
      def,
      flags.specs,
      (spec) => opts[flags.attributes.get(spec.key) ?? spec.key],
      config,
      push.baseUrl,
    );
    issues.push(...resolved.issues);
    const { vendorInput, baseUrl } = resolved;
    if (!push.sourceKey)
      issues.push({ path: "profile.source.key", message: "is required: the HrFlow source key" });
    if (!push.profileKey && !push.reference)
      issues.push({ path: "profile.key", message: "is required (or give --reference)" });
    if (push.profileKey && push.reference)
      issues.push({
        path: "profile.reference",
        message: "give either --profile-key or --reference, not both",
      });

    const hrflow = hrflowFromEnv(env, logger);
    issues.push(...hrflow.issues);
    const vendorBaseUrl = baseUrl && URL.canParse(baseUrl) ? baseUrl : def.defaultBaseUrl;
    const credentials = authFromEnv(def, env, vendorBaseUrl);
    issues.push(...credentials.issues);

    if (issues.length > 0 || !hrflow.client || !credentials.auth || !push.sourceKey) {
      throw new ConfigError(issues, { connector: def.name, summary: `Cannot push to ${def.displayName}` });
    }

    const hrflowBaseUrl = env["HRFLOW_BASE_URL"];
    const allowInsecureCvUrls = push.allowInsecureCvUrls === true || isLoopbackUrl(hrflowBaseUrl);
    if (allowInsecureCvUrls && push.allowInsecureCvUrls !== true)
      logger.debug(
        "HRFLOW_BASE_URL is on loopback (a sandbox): CV downloads from http:// loopback URLs allowed",
      );

    const location = ledgerLocation(push.ledger, env, io.cwd, databaseFlag(command));
    runtime = await openCliRuntime({ location, logger, env });
    logger.debug(`Push ledger: ${displayLocation(location)}`);

    const auth = credentials.auth;
    const hrflowClient = hrflow.client;
    const profile = push.profileKey
      ? { key: push.profileKey, source: { key: push.sourceKey } }
      : { reference: push.reference ?? "", source: { key: push.sourceKey } };
    process.on("SIGINT", onSigint);
    try {
      const response = await runPushProfile(def, {
        hrflowClient,
        auth,
        profile,
        ...vendorInput,
        ...(baseUrl !== undefined ? { baseUrl } : {}),
        dryRun: push.dryRun === true ? (push.readVendor === true ? "vendor" : "ledger") : false,
        logger,
        runtime,
        allowInsecureCvUrls,
        signal: interrupt.signal,
      });
      out.addSecrets([...auth.secrets(), ...hrflowClient.secrets()]);
      printPushResponse(out, def.displayName, response);
      if (response.status_code === 202) {
        out.error(
          `error: ${response.message}; re-run the same command to finish (the ledger ${displayLocation(location)} remembers what is done).`,
        );
        return ExitCode.remoteFailure;
      }
      return ExitCode.ok;
    } catch (error) {
      if (interrupt.signal.aborted && push.profileKey) {
        const entry = await runtime.store.ledger
          .list({ connector: def.name, profileKey: push.profileKey, limit: 1 })
          .then((entries) => entries[0]);
        const inFlight = Object.entries(entry?.steps ?? {})
          .filter(([, step]) => step.status === "in-flight")
          .map(([name]) => name);
        out.error(
          inFlight.length > 0
            ? `Interrupted while sending ${inFlight.join(", ")} to ${def.displayName}: it may or may not have arrived. Run the same command again: it looks before sending anything twice.`
            : `Interrupted. Run the same command again to finish: the ledger ${displayLocation(location)} remembers what is done.`,
        );
        return ExitCode.remoteFailure;
      }
      throw error;
    } finally {
      out.addSecrets([...auth.secrets(), ...hrflowClient.secrets()]);
    }
  } catch (error) {
    return reportError(out, error, describe);
  } finally {
    process.off("SIGINT", onSigint);
    await runtime?.close();
  }
}
