import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify as toYaml } from "yaml";
import { connectorDefinitions, parseHrflowProfile } from "../index.js";
import type { Sandbox, SampleProfile } from "../testing/index.js";
import type { Output } from "./output.js";
import { shellLine, shellQuote } from "./shell.js";
import { textTable } from "./table.js";
import { definitionList } from "./wrap.js";

/** Folder (under the working directory) where the sandbox writes its credentials files. */
export const SANDBOX_DIR = ".hrflow-connectors";

/** The display name of a sample profile. */
export function sampleName(sample: SampleProfile): string {
  const profile = parseHrflowProfile(sample.profile);
  const info = profile.info;
  return (
    info.full_name?.trim() ||
    [info.first_name, info.last_name].filter(Boolean).join(" ").trim() ||
    sample.name
  ).replace(/\s+/g, " ");
}

function sampleKey(sample: SampleProfile): string {
  const key = sample.profile["key"];
  return typeof key === "string" ? key : sample.name;
}

/** A running sandbox as the `sandbox` command describes it. */
export interface SandboxListing {
  url: string;
  hrflowBaseUrl: string;
  sourceKey: string;
  configFile: string;
  envFile: string;
  /** A `serve` configuration for the sandbox (every fake ATS a target), and the commands that use it. */
  serviceConfigFile: string;
  serviceCommands: { serve: string; send: string; jobs: string };
  samples: { name: string; key: string; fullName: string; description: string }[];
  /** `command` takes the base URLs and target ids from the config file; `flags` are the same as flags. */
  vendors: { connector: string; displayName: string; urls: string[]; command: string; flags: string[] }[];
}

/**
 * The sandbox's `--config` file: the fake credentials, and under `options` every connector's base URLs and
 * target ids (vendor options are camelCase there, as in the library). A push with `--config` alone then
 * targets the fakes, whatever the connector: the base URLs are options, which no environment variable sets.
 */
export function sandboxConfig(sandbox: Sandbox): {
  env: Record<string, string>;
  options: Record<string, Record<string, unknown>>;
} {
  const env: Record<string, string> = { ...sandbox.hrflowEnv };
  const options: Record<string, Record<string, unknown>> = {};
  for (const vendor of sandbox.vendors) {
    Object.assign(env, vendor.env());
    options[vendor.connector] = vendor.options();
  }
  return { env, options };
}

/**
 * Writes the sandbox configuration to `.hrflow-connectors/sandbox.yaml` (for `--config`: credentials,
 * base URLs and target options) and the credentials to `.hrflow-connectors/sandbox.env` (for a shell),
 * readable by the user only. The printed commands point at the config file, so no credential is printed.
 */
async function writeCredentials(
  sandbox: Sandbox,
  cwd: string,
): Promise<{ configFile: string; envFile: string }> {
  const { env, options } = sandboxConfig(sandbox);
  // The sandbox's pushes go to a ledger of their own, never the one real pushes use: entries pointing at
  // fake ports long gone would otherwise fill `replay --list`.
  const dir = join(cwd, SANDBOX_DIR);
  env["HRFLOW_CONNECTORS_LEDGER"] = join(dir, "sandbox-ledger.sqlite");
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, "sandbox.yaml");
  const envFile = join(dir, "sandbox.env");
  const header = `# Written by \`hrflow-connectors sandbox\` (${sandbox.url}); fake credentials of the loopback sandbox.\n`;
  await writeFile(configFile, header + toYaml({ ...env, options }), { mode: 0o600 });
  await writeFile(
    envFile,
    header +
      "# Credentials only: the fakes' base URLs and target ids are options, in sandbox.yaml (add\n" +
      "# --config .hrflow-connectors/sandbox.yaml) or as flags (`hrflow-connectors sandbox --json` lists them).\n" +
      Object.entries(env)
        .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
        .join("\n") +
      "\n",
    { mode: 0o600 },
  );
  await chmod(configFile, 0o600);
  await chmod(envFile, 0o600);
  return { configFile, envFile };
}

/**
 * Writes `.hrflow-connectors/service.yaml`: a `serve` configuration whose targets are the sandbox's fake
 * ATS (one per connector), with a fresh random webhook secret and admin token, its own database
 * (`service.sqlite`, never the ledger of real pushes), readable by the user only.
 */
async function writeServiceConfig(sandbox: Sandbox, cwd: string): Promise<string> {
  const targets: Record<string, unknown> = {};
  for (const vendor of sandbox.vendors) {
    const { baseUrl, ...options } = vendor.options();
    targets[vendor.connector] = {
      connector: vendor.connector,
      options,
      credentials: vendor.env(),
      ...(typeof baseUrl === "string" ? { baseUrl } : {}),
      allowInsecureCvUrls: true,
      requestAttempts: 2,
    };
  }
  const config = {
    listen: { host: "127.0.0.1", port: 8080 },
    database: "service.sqlite",
    env: sandbox.hrflowEnv,
    webhook: { secret: randomBytes(24).toString("hex") },
    adminToken: randomBytes(24).toString("hex"),
    workers: 4,
    jobs: { backoffBaseMs: 2000, backoffMaxMs: 30000 },
    targets,
    routes: [{ sources: [sandbox.sourceKey], targets: Object.keys(targets) }],
  };
  const file = join(cwd, SANDBOX_DIR, "service.yaml");
  const header = `# Written by \`hrflow-connectors sandbox\` (${sandbox.url}): the webhook service against the fake ATS.\n# Run: hrflow-connectors serve --config ${join(SANDBOX_DIR, "service.yaml")}\n`;
  await writeFile(file, header + toYaml(config), { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

/**
 * How to run this CLI from `cwd`: `npx hrflow-connectors` inside the project or a project that installed it
 * (npx would otherwise look the name up in the registry), else `node <path to main.js>`.
 */
export function cliInvocation(cwd: string): string[] {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const main = fileURLToPath(new URL("./main.js", import.meta.url));
  const local =
    resolve(cwd) === resolve(root) || existsSync(join(cwd, "node_modules", ".bin", "hrflow-connectors"));
  return local ? ["npx", "hrflow-connectors"] : ["node", main];
}

/** Describes a started sandbox and writes its credentials files. */
export async function describeSandbox(sandbox: Sandbox, cwd: string): Promise<SandboxListing> {
  const { configFile, envFile } = await writeCredentials(sandbox, cwd);
  const serviceConfigFile = await writeServiceConfig(sandbox, cwd);
  const configArg = relative(cwd, configFile);
  const serviceArg = relative(cwd, serviceConfigFile);
  const first = sandbox.samples[0];
  const defs = connectorDefinitions();
  return {
    url: sandbox.url,
    hrflowBaseUrl: sandbox.hrflowEnv["HRFLOW_BASE_URL"] ?? `${sandbox.url}/hrflow/v1`,
    sourceKey: sandbox.sourceKey,
    configFile,
    envFile,
    serviceConfigFile,
    serviceCommands: {
      serve: shellLine([...cliInvocation(cwd), "serve", "--config", serviceArg]),
      send: shellLine([
        ...cliInvocation(cwd),
        "send-webhook",
        "--config",
        serviceArg,
        "--profile-key",
        first ? sampleKey(first) : "PROFILE_KEY",
      ]),
      jobs: shellLine([
        ...cliInvocation(cwd),
        "jobs",
        "list",
        "--database",
        join(SANDBOX_DIR, "service.sqlite"),
      ]),
    },
    samples: sandbox.samples.map((s) => ({
      name: s.name,
      key: sampleKey(s),
      fullName: sampleName(s),
      description: s.description,
    })),
    vendors: sandbox.vendors.map((vendor) => ({
      connector: vendor.connector,
      displayName: defs.find((d) => d.name === vendor.connector)?.displayName ?? vendor.connector,
      urls: vendor.fakes.map((f) => f.url),
      command: shellLine([
        ...cliInvocation(cwd),
        "push-profile",
        vendor.connector,
        "--config",
        configArg,
        "--source-key",
        sandbox.sourceKey,
        "--profile-key",
        first ? sampleKey(first) : "PROFILE_KEY",
      ]),
      flags: vendor.cliFlags(),
    })),
  };
}

/** Prints the sandbox's addresses, sample profiles and ready-to-paste commands. */
export function printSandbox(out: Output, listing: SandboxListing, cwd: string): void {
  out.json(listing);
  const rel = (path: string): string => relative(cwd, path);
  out.print(`Sandbox running on ${listing.url} (loopback only). Press Ctrl-C to stop.`);
  out.print();
  out.print("Fake servers");
  const servers = [
    ["HrFlow", listing.hrflowBaseUrl],
    ...listing.vendors.map((v) => [v.displayName, v.urls.join(" ")]),
  ];
  for (const line of textTable(["service", "base URL"], servers, { maxWidth: out.width, wrapColumn: 1 }))
    out.print(line);
  out.print();
  out.print(`Sample profiles (source key ${listing.sourceKey})`);
  for (const line of textTable(
    ["sample", "profile key", "name"],
    listing.samples.map((s) => [s.name, s.key, s.fullName]),
    { maxWidth: out.width, wrapColumn: 2 },
  ))
    out.print(line);
  out.print();
  out.print("What each sample exercises");
  for (const line of definitionList(
    listing.samples.map((s): [string, string] => [s.name, s.description]),
    out.width,
  ))
    out.print(line);
  out.print();
  out.paragraph(
    `${rel(listing.configFile)} holds the fake credentials and, under \`options\`, each connector's base URLs and target ids: pass it with --config and every push goes to the fakes. ${rel(listing.envFile)} holds the credentials only (for your shell: set -a; . ${shellQuote(rel(listing.envFile))}; set +a). No real account is involved.`,
    "",
  );
  out.print();
  out.print(`Push a profile into each fake ATS (another terminal, in ${cwd}):`);
  for (const vendor of listing.vendors) out.print(`  ${vendor.command}`);
  out.print();
  out.paragraph(
    "Add --dry-run to see the requests without sending them, --json for machine-readable output, and use another --profile-key from the table above to try the other samples.",
    "",
  );
  out.paragraph(
    `Or run the webhook service against the sandbox (${rel(listing.serviceConfigFile)}): in another terminal`,
    "",
  );
  out.print(`  ${listing.serviceCommands.serve}`);
  out.paragraph("then send it a signed HrFlow event for a sample profile, and look at its jobs:", "");
  out.print(`  ${listing.serviceCommands.send}`);
  out.print(`  ${listing.serviceCommands.jobs}`);
}

/** Prints what each fake ATS holds (when the sandbox stops). */
export function printReceived(out: Output, sandbox: Sandbox): void {
  const defs = connectorDefinitions();
  out.print();
  out.print("What the fake ATS received:");
  for (const vendor of sandbox.vendors) {
    const name = defs.find((d) => d.name === vendor.connector)?.displayName ?? vendor.connector;
    const candidates = vendor.candidates();
    out.print(`  ${name}: ${candidates.length} candidate(s)`);
    for (const c of candidates) out.print(`    ${c.vendorId}  ${c.name}${c.cv ? `  (CV: ${c.cv})` : ""}`);
  }
}
