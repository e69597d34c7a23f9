import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import {
  ConfigError,
  findConnector,
  ledgerTarget,
  type ConfigIssue,
  type FormatFn,
  type LogicFn,
  type Logger,
} from "../index.js";
import {
  DEFAULT_EVENTS,
  DEFAULT_JOB_SETTINGS,
  type ServiceRoute,
  type ServiceSettings,
  type ServiceTarget,
} from "../server/settings.js";
import { authFromEnv, hrflowFromEnv, interpolate, readConfigDocument, type Env } from "./config.js";

/**
 * The `serve` configuration file (JSON or YAML): routes from HrFlow sources and events to targets, the
 * webhook secret, the address, the database, the admin token. Strings may refer to the environment as
 * `${VAR}`; secrets should. Validated as a whole at start: every problem is listed, none is guessed.
 */

const NAME = /^[a-z0-9][a-z0-9_.-]*$/i;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
/** `./file.mjs#exportName` (the path relative to the configuration file). */
const FUNCTION_REF = /^(.+)#([A-Za-z_$][A-Za-z0-9_$]*)$/;

const Positive = z.number().int().positive();
const FunctionSchema = z.custom<LogicFn & FormatFn>((value) => typeof value === "function");
const TargetFileSchema = z
  .object({
    connector: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
    credentials: z
      .record(z.string().regex(ENV_NAME, "must be an environment variable name"), z.string())
      .default({}),
    baseUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    logics: z.array(z.string().regex(FUNCTION_REF, "must be ./module.mjs#exportName")).default([]),
    format: z.string().regex(FUNCTION_REF, "must be ./module.mjs#exportName").optional(),
    allowInsecureCvUrls: z.boolean().default(false),
    timeoutMs: Positive.optional(),
    requestAttempts: z.number().int().min(1).max(20).optional(),
  })
  .strict();

const ServeFileSchema = z
  .object({
    listen: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 8080 }),
    database: z.string().min(1).optional(),
    env: z.record(z.string().regex(ENV_NAME, "must be an environment variable name"), z.string()).default({}),
    webhook: z
      .object({
        secret: z.string().optional(),
        allowUnsigned: z.boolean().default(false),
        maxBodyBytes: Positive.max(64 * 1024 * 1024).default(1024 * 1024),
      })
      .strict(),
    adminToken: z.string().optional(),
    metricsToken: z.string().optional(),
    workers: z.number().int().min(1).max(256).default(4),
    jobs: z
      .object({
        maxAttempts: z.number().int().min(1).max(100).optional(),
        backoffBaseMs: Positive.optional(),
        backoffMaxMs: Positive.optional(),
        maxRetryAfterMs: Positive.optional(),
        leaseMs: z.number().int().min(500).optional(),
        pollMs: z.number().int().min(10).optional(),
        dedupeWindowMs: z.number().int().min(0).optional(),
      })
      .strict()
      .default({}),
    shutdownGraceMs: z.number().int().min(0).default(25_000),
    targets: z.record(
      z.string().regex(NAME, "names are letters, digits, '.', '_' and '-'"),
      TargetFileSchema,
    ),
    routes: z
      .array(
        z
          .object({
            sources: z.array(z.string().min(1)).min(1).optional(),
            events: z.array(z.string().min(1)).min(1).optional(),
            targets: z.array(z.string().min(1)).min(1),
          })
          .strict(),
      )
      .min(1, { error: "at least one route is needed" }),
  })
  .strict();

/** A loaded `serve` configuration: the settings, where the database is, and what to mask. */
export interface LoadedServeConfig {
  path: string;
  settings: ServiceSettings;
  /**
   * The database location: a SQLite path (resolved against the configuration file's folder), or a
   * `postgres://` URL kept as written. Undefined when the file names none (`--database`, `DATABASE_URL` or
   * the default then decide).
   */
  database: string | undefined;
}

/** Replaces `${VAR}` in every string of a document (keys are left as written). */
function interpolateDeep(value: unknown, env: Env, path: string, issues: ConfigIssue[]): unknown {
  if (typeof value === "string") return interpolate(value, env, path, issues);
  if (Array.isArray(value)) return value.map((v, i) => interpolateDeep(v, env, `${path}[${i}]`, issues));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env, path ? `${path}.${k}` : k, issues)]),
    );
  return value;
}

const zodPath = (path: readonly PropertyKey[]): string =>
  path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");

/** Loads a named export of a module (never eval): a function, or an issue saying what is wrong. */
async function loadFunction(
  ref: string,
  folder: string,
  path: string,
  issues: ConfigIssue[],
): Promise<LogicFn | undefined> {
  const match = FUNCTION_REF.exec(ref);
  const [, file = "", name = ""] = match ?? [];
  const absolute = isAbsolute(file) ? file : resolve(folder, file);
  let module: unknown;
  try {
    module = await import(pathToFileURL(absolute).href);
  } catch (error) {
    issues.push({
      path,
      message: `cannot load ${absolute}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
    });
    return undefined;
  }
  const exported: unknown =
    module !== null && typeof module === "object" && Object.prototype.hasOwnProperty.call(module, name)
      ? Reflect.get(module, name)
      : undefined;
  // A function is all that can be checked of it here; what it returns is validated on every push.
  const fn = FunctionSchema.safeParse(exported);
  if (!fn.success) {
    issues.push({ path, message: `${absolute} has no exported function named "${name}"` });
    return undefined;
  }
  return fn.data;
}

/**
 * Reads and checks a `serve` configuration file. Throws one `ConfigError` listing every problem: unknown
 * keys, unset `${VAR}`s, unknown connectors, invalid vendor options, missing credentials, logic modules
 * that do not load, routes to unknown targets, a missing or blank webhook secret (unless `allowUnsigned`
 * is explicitly true), a short admin token.
 */
export async function loadServeConfig(
  file: string,
  env: Env,
  cwd: string,
  logger: Logger,
): Promise<LoadedServeConfig> {
  const { path, document } = await readConfigDocument(file, cwd, "--config");
  const folder = dirname(path);
  const issues: ConfigIssue[] = [];
  const interpolated = interpolateDeep(document ?? {}, env, "", issues);
  const parsed = ServeFileSchema.safeParse(interpolated);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const message =
        issue.code === "unrecognized_keys"
          ? `unknown setting(s): ${issue.keys.join(", ")}`
          : issue.code === "invalid_type" && issue.input === undefined
            ? "is required"
            : issue.message;
      issues.push({ path: zodPath(issue.path), message });
    }
    throw new ConfigError(issues, { summary: `Invalid service configuration in ${path}` });
  }
  const config = parsed.data;
  const baseEnv: Env = { ...env, ...config.env };

  const secret = config.webhook.secret;
  if (secret === undefined || secret.trim() === "") {
    if (!config.webhook.allowUnsigned)
      issues.push({
        path: "webhook.secret",
        message:
          secret === undefined
            ? "is required: the secret HrFlow signs webhooks with (e.g. ${HRFLOW_WEBHOOK_SECRET}); to accept unsigned events, set webhook.allowUnsigned: true explicitly"
            : "is blank: a blank secret verifies nothing; set it, or set webhook.allowUnsigned: true explicitly",
      });
  } else if (secret.length < 16) {
    issues.push({ path: "webhook.secret", message: "is shorter than 16 characters" });
  }
  const adminToken = config.adminToken?.trim() === "" ? undefined : config.adminToken;
  if (adminToken !== undefined && adminToken.length < 16)
    issues.push({ path: "adminToken", message: "is shorter than 16 characters: use a long random value" });
  const metricsToken = config.metricsToken?.trim() === "" ? undefined : config.metricsToken;
  if (metricsToken !== undefined && metricsToken.length < 16)
    issues.push({ path: "metricsToken", message: "is shorter than 16 characters: use a long random value" });
  if (metricsToken !== undefined && metricsToken === adminToken)
    issues.push({
      path: "metricsToken",
      message: "is the admin token: give the scraper its own token, so it cannot drive the operations API",
    });

  const hrflow = hrflowFromEnv(baseEnv, logger);
  issues.push(...hrflow.issues.map((i) => ({ path: `env.${i.path}`, message: i.message })));

  const targets: ServiceTarget[] = [];
  const secrets = new Set<string>();
  for (const [name, spec] of Object.entries(config.targets)) {
    const at = `targets.${name}`;
    const connector = findConnector(spec.connector);
    if (!connector) {
      issues.push({ path: `${at}.connector`, message: `unknown connector "${spec.connector}"` });
      continue;
    }
    const def = connector.definition;
    const vendor = def.optionsSchema.safeParse(spec.options);
    if (!vendor.success)
      for (const issue of vendor.error.issues)
        issues.push({
          path: `${at}.options${issue.path.length > 0 ? `.${zodPath(issue.path)}` : ""}`,
          message:
            issue.code === "unrecognized_keys"
              ? `unknown option(s): ${issue.keys.join(", ")}`
              : issue.code === "invalid_type" && issue.input === undefined
                ? "is required"
                : issue.message,
        });
    const baseUrl = spec.baseUrl ?? def.defaultBaseUrl;
    const auth = authFromEnv(def, { ...baseEnv, ...spec.credentials }, baseUrl);
    issues.push(...auth.issues.map((i) => ({ path: `${at}.credentials.${i.path}`, message: i.message })));
    const logics: LogicFn[] = [];
    for (const [i, ref] of spec.logics.entries()) {
      const fn = await loadFunction(ref, folder, `${at}.logics[${i}]`, issues);
      if (fn) logics.push(fn);
    }
    const format = spec.format ? await loadFunction(spec.format, folder, `${at}.format`, issues) : undefined;
    if (!vendor.success || !auth.auth) continue;
    for (const value of auth.auth.secrets()) secrets.add(value);
    targets.push({
      name,
      definition: def,
      auth: auth.auth,
      options: spec.options,
      baseUrl: spec.baseUrl,
      logics,
      format,
      ledgerTarget: ledgerTarget(def, { auth: auth.auth, baseUrl: spec.baseUrl, options: vendor.data }),
      allowInsecureCvUrls: spec.allowInsecureCvUrls,
      timeoutMs: spec.timeoutMs,
      requestAttempts: spec.requestAttempts,
    });
  }

  const routes: ServiceRoute[] = config.routes.map((route, i) => {
    for (const [j, target] of route.targets.entries())
      if (!(target in config.targets))
        issues.push({
          path: `routes[${i}].targets[${j}]`,
          message: `no target named "${target}" (targets: ${Object.keys(config.targets).join(", ") || "none"})`,
        });
    return { sources: route.sources, events: route.events ?? DEFAULT_EVENTS, targets: route.targets };
  });

  if (issues.length > 0 || !hrflow.client)
    throw new ConfigError(issues, { summary: `Invalid service configuration in ${path}` });

  for (const value of [
    secret,
    adminToken,
    metricsToken,
    baseEnv["HRFLOW_API_SECRET"],
    ...hrflow.client.secrets(),
  ])
    if (value !== undefined && value.length >= 4) secrets.add(value);
  const jobs = {
    ...DEFAULT_JOB_SETTINGS,
    ...Object.fromEntries(Object.entries(config.jobs).filter(([, v]) => v !== undefined)),
  };
  const database = config.database;
  return {
    path,
    database:
      database === undefined || database === ":memory:" || /^[a-z][a-z0-9+.-]*:\/\//i.test(database)
        ? database
        : resolve(folder, database),
    settings: {
      listen: config.listen,
      webhook: {
        secret: secret !== undefined && secret.trim() !== "" ? secret : undefined,
        allowUnsigned: config.webhook.allowUnsigned,
        maxBodyBytes: config.webhook.maxBodyBytes,
      },
      adminToken,
      metricsToken,
      hrflowClient: hrflow.client,
      targets,
      routes,
      workers: config.workers,
      jobs,
      shutdownGraceMs: config.shutdownGraceMs,
      secrets: [...secrets],
    },
  };
}
