import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import {
  ConfigError,
  Hrflow,
  isConfigError,
  type ConfigIssue,
  type ConnectorDefinition,
  type Logger,
  type VendorAuth,
} from "../index.js";

/**
 * Where the CLI's credentials come from: environment variables, optionally completed or overridden by a
 * `--config` file (JSON or YAML). Never from flags: flags end up in shell history and process lists.
 */

/** Environment variables as the CLI reads them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A loaded `--config` file. */
export interface CliConfig {
  /** Absolute path of the file. */
  path: string;
  /** Environment variables it sets (`${VAR}` references already resolved). */
  env: Record<string, string>;
  /** Vendor options per connector (`options: { breezyhr: { positionId: ... } }`). */
  options: Record<string, Record<string, unknown>>;
}

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const ConfigSchema = z.record(z.string(), z.unknown());
const OptionsSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

/** Replaces `${VAR}` with the environment's value (`$${` keeps a literal `${`). Missing ones are issues. */
export function interpolate(text: string, env: Env, path: string, issues: ConfigIssue[]): string {
  return text.replace(
    /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
    (whole, escaped: string | undefined, name: string) => {
      if (escaped) return whole.slice(1);
      const value = env[name];
      if (value === undefined || value === "") {
        issues.push({ path, message: `refers to \${${name}}, which is not set in the environment` });
        return "";
      }
      return value;
    },
  );
}

function interpolateValue(value: unknown, env: Env, path: string, issues: ConfigIssue[]): unknown {
  if (typeof value === "string") return interpolate(value, env, path, issues);
  if (Array.isArray(value)) return value.map((v, i) => interpolateValue(v, env, `${path}[${i}]`, issues));
  return value;
}

/**
 * Reads a JSON or YAML file (YAML is a superset of JSON: one parser for both). Errors are a `ConfigError`
 * on `flag` giving the line and column only: a quoted excerpt could contain a secret.
 */
export async function readConfigDocument(
  file: string,
  cwd: string,
  flag: string,
): Promise<{ path: string; document: unknown }> {
  const path = resolve(cwd, file);
  const fail = (message: string): never => {
    throw new ConfigError([{ path: flag, message }], { summary: "Invalid configuration" });
  };
  let text = "";
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "";
    fail(`cannot read ${path}${code === "ENOENT" ? " (no such file)" : code ? ` (${code})` : ""}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: false });
  } catch (error) {
    // The parser's offset (`pos`) gives the line and column; its message would quote the line.
    const offset =
      error instanceof Error && "pos" in error
        ? z.tuple([z.number(), z.number()]).safeParse(error.pos)
        : undefined;
    let at = "";
    if (offset?.success) {
      const before = text.slice(0, offset.data[0]).split("\n");
      at = ` at line ${before.length}, column ${(before[before.length - 1]?.length ?? 0) + 1}`;
    }
    fail(`${path} is not valid JSON or YAML${at}`);
  }
  return { path, document: raw };
}

/**
 * Reads a `--config` file. Top-level keys in UPPER_SNAKE_CASE are environment variables; an optional
 * `options` map holds vendor options per connector. Values may refer to the environment as `${VAR}`.
 * Parse errors give the line and column only: a quoted excerpt could contain a secret.
 */
export async function loadConfigFile(file: string, env: Env, cwd: string): Promise<CliConfig> {
  const { path, document: raw } = await readConfigDocument(file, cwd, "--config");
  const fail = (message: string): never => {
    throw new ConfigError([{ path: "--config", message }], { summary: "Invalid configuration" });
  };
  const parsed = ConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) return fail(`${path} must hold a map of settings`);

  const issues: ConfigIssue[] = [];
  const config: CliConfig = { path, env: {}, options: {} };
  for (const [key, value] of Object.entries(parsed.data)) {
    if (key === "options") {
      const options = OptionsSchema.safeParse(value ?? {});
      if (!options.success) {
        issues.push({ path: "options", message: "must map connector names to their options" });
        continue;
      }
      for (const [connector, values] of Object.entries(options.data)) {
        config.options[connector.toLowerCase()] = Object.fromEntries(
          Object.entries(values).map(([k, v]) => [
            k,
            interpolateValue(v, env, `options.${connector}.${k}`, issues),
          ]),
        );
      }
    } else if (ENV_NAME.test(key)) {
      const scalar = Scalar.safeParse(value);
      if (!scalar.success) {
        issues.push({ path: key, message: "must be a string, a number or true/false" });
        continue;
      }
      config.env[key] = interpolate(String(scalar.data), env, key, issues);
    } else {
      issues.push({
        path: key,
        message: "unknown setting: use environment variable names (UPPER_CASE) or `options`",
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, { summary: `Invalid configuration in ${path}` });
  return config;
}

/** The environment with the config file's variables on top (an explicit `--config` wins). */
export function effectiveEnv(env: Env, config: CliConfig | undefined): Env {
  return config ? { ...env, ...config.env } : env;
}

/** True for `localhost`, `127.0.0.0/8` and `::1` URLs (the sandbox). */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return false;
  }
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/** The HrFlow client from `HRFLOW_API_SECRET`, `HRFLOW_API_USER` and optional `HRFLOW_BASE_URL`. */
export function hrflowFromEnv(env: Env, logger: Logger): { client?: Hrflow; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const apiSecret = env["HRFLOW_API_SECRET"];
  const apiUser = env["HRFLOW_API_USER"];
  if (!apiSecret)
    issues.push({
      path: "HRFLOW_API_SECRET",
      message: "is not set: export your HrFlow API secret (X-API-KEY)",
    });
  if (!apiUser)
    issues.push({
      path: "HRFLOW_API_USER",
      message: "is not set: export the email of your HrFlow user (X-USER-EMAIL)",
    });
  if (!apiSecret || !apiUser) return { issues };
  const baseUrl = env["HRFLOW_BASE_URL"];
  try {
    const client = new Hrflow({ apiSecret, apiUser, logger, ...(baseUrl ? { baseUrl } : {}) });
    return { client, issues };
  } catch (error) {
    if (!isConfigError(error)) throw error;
    const names: Record<string, string> = {
      apiSecret: "HRFLOW_API_SECRET",
      apiUser: "HRFLOW_API_USER",
      baseUrl: "HRFLOW_BASE_URL",
    };
    return { issues: error.issues.map((i) => ({ path: names[i.path] ?? i.path, message: i.message })) };
  }
}

/** The vendor auth from the connector's environment variables; a missing one is an issue naming it. */
export function authFromEnv(
  def: ConnectorDefinition,
  env: Env,
  baseUrl: string,
): { auth?: VendorAuth; issues: ConfigIssue[] } {
  try {
    return { auth: def.auth.fromEnv(env, { baseUrl }), issues: [] };
  } catch (error) {
    if (!isConfigError(error)) throw error;
    return { issues: [...error.issues] };
  }
}

/** Values of the environment variables that hold secrets (never printed; masked if they ever appear). */
export function secretValues(defs: readonly ConnectorDefinition[], env: Env): string[] {
  const names = new Set(["HRFLOW_API_SECRET"]);
  for (const def of defs) for (const v of def.auth.env) if (v.secret) names.add(v.name);
  return [...names].flatMap((name) => {
    const value = env[name];
    return value && value.length >= 4 ? [value] : [];
  });
}
