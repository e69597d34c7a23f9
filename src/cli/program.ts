import { Command, CommanderError, Option } from "commander";
import { VERSION } from "../version.js";
import { printConnectors } from "./connectors.js";
import { DEFAULT_LEDGER, trailingPushFlags } from "./defaults.js";
import { EXIT_CODES_HELP, ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { HEAVY_COMMANDS, needsHeavyCommands } from "./commands.js";
import { ledgerCommand } from "./ledger.js";
import type { ConnectorDefinition } from "../connectors/definition.js";
import type { ConnectorManifest } from "./manifest.js";
import { CONNECTOR_MANIFEST } from "./manifest.generated.js";
import { Output, reportError, type CliIo } from "./output.js";
import { definitionList, wrap } from "./wrap.js";

/**
 * The program is built from the generated connector manifest: `--help` and `connectors` load no
 * connector, no zod schema and no HTTP layer. Each action imports what it needs when it runs.
 */

const CREDENTIALS_HELP = [
  "Credentials:",
  ...wrap(
    "Read from environment variables, never from flags: HRFLOW_API_SECRET and HRFLOW_API_USER (HRFLOW_BASE_URL optional), plus the connector's own (see `hrflow-connectors connectors`). Or --config <file>: a JSON or YAML map of those variable names to values, where a value may refer to the environment as ${VAR}; the file wins over the environment. Vendor options may go under `options: { <connector>: { ... } }`; flags win over them.",
    78,
  ).map((l) => `  ${l}`),
  "",
  "Ledger:",
  ...wrap(
    `Every push is recorded in a SQLite ledger, so a re-run never creates a second candidate and finishes what failed: ./${DEFAULT_LEDGER} by default, or $HRFLOW_CONNECTORS_LEDGER, or --ledger <path>. Several workers on several machines share a PostgreSQL database instead: --database postgres://... or $DATABASE_URL.`,
    78,
  ).map((l) => `  ${l}`),
].join("\n");

function connectorHelp(def: ConnectorManifest): string {
  const env: [string, string][] = [
    ["HRFLOW_API_SECRET", "required, secret: HrFlow API secret (X-API-KEY)"],
    ["HRFLOW_API_USER", "required: email of the HrFlow user (X-USER-EMAIL)"],
    ["HRFLOW_BASE_URL", "optional: HrFlow API base URL (default https://api.hrflow.ai/v1)"],
    ...def.listing.environment.map((v): [string, string] => [
      v.name,
      `${v.required ? "required" : "optional"}${v.secret ? ", secret" : ""}: ${v.description.replace(/`/g, "")}`,
    ]),
  ];
  const lines = [
    "Environment (or --config; credentials are never flags):",
    ...definitionList(env),
    "",
    "Example:",
    ...wrap(def.cliExample, 74, "    ").map((l, i, all) => `  ${l}${i < all.length - 1 ? " \\" : ""}`),
    "",
    `Docs: ${def.listing.docs}`,
    "",
    EXIT_CODES_HELP,
  ];
  return `\n${lines.join("\n")}`;
}

/** The output of a command from the global flags (`--json`, `--verbose`, `--quiet`). */
function outputOf(command: Command, io: CliIo): Output {
  const globals: Record<string, unknown> = command.optsWithGlobals();
  return new Output(io, {
    json: globals["json"] === true,
    verbose: globals["verbose"] === true,
    quiet: globals["quiet"] === true,
  });
}

/** The push flags of a connector, from its manifest (the same flags `addPushOptions` builds from its schema). */
function addManifestPushOptions(command: Command, def: ConnectorManifest): void {
  command
    .option("--source-key <key>", "HrFlow source holding the profile (required)")
    .option("--profile-key <key>", "HrFlow profile key (or --reference)")
    .option("--reference <reference>", "HrFlow profile reference, instead of --profile-key");
  for (const flag of def.flags) {
    const option = flag.boolean
      ? new Option(flag.flag, flag.help)
      : flag.repeatable
        ? new Option(`${flag.flag} <value>`, flag.help).argParser((value: string, previous: unknown) => [
            ...(Array.isArray(previous) ? previous.map(String) : []),
            value,
          ])
        : new Option(`${flag.flag} <value>`, flag.help);
    command.addOption(option);
    if (flag.boolean)
      command.addOption(new Option(`--no-${flag.flag.slice(2)}`, `sets ${flag.flag} to false`));
  }
  for (const [flags, help] of trailingPushFlags(def.listing.displayName, def.defaultBaseUrl))
    command.option(flags, help);
  command.allowUnknownOption().allowExcessArguments();
}

/** `push-profile <connector>`: loads the connector (and the library) now, then pushes. */
async function pushAction(
  name: string,
  command: Command,
  io: CliIo,
  registry: CliRegistry,
): Promise<ExitCodeValue> {
  const [definitions, { optionSpecs }, { pushProfileCommand }] = await Promise.all([
    registry.definitions(),
    import("./option-specs.js"),
    import("./push-profile.js"),
  ]);
  const def = definitions.find((d) => d.name === name);
  if (!def)
    throw new Error(`internal: the manifest lists ${name}, which is not registered (run npm run docs)`);
  const specs = optionSpecs(def.optionsSchema);
  // Commander's attribute of each flag, as `addPushOptions` records it.
  const attributes = new Map(specs.map((spec) => [spec.key, new Option(spec.flag).attributeName()]));
  return pushProfileCommand(def, { specs, attributes }, command, io);
}

/**
 * The connectors the CLI offers: their manifest (what `--help` and `connectors` show, without loading them)
 * and, when a command runs, their definitions. The default is the registry; a test passes its own.
 */
export interface CliRegistry {
  manifest: readonly ConnectorManifest[];
  definitions(): Promise<readonly ConnectorDefinition[]>;
}

/** The registered connectors (`src/connectors/registry.ts`), through the generated manifest. */
export const DEFAULT_REGISTRY: CliRegistry = {
  manifest: CONNECTOR_MANIFEST,
  definitions: async () => (await import("../index.js")).connectorDefinitions(),
};

/** Options of {@link createProgram}. */
export interface ProgramOptions {
  /** Adds the batch and service commands (`addBatchAndServiceCommands`); without it they are listed, not loaded. */
  heavy?: ((program: Command, registry: CliRegistry) => void) | undefined;
  /** @default DEFAULT_REGISTRY */
  registry?: CliRegistry | undefined;
}

/** Builds the `hrflow-connectors` program. `setExitCode` receives each action's exit code. */
export function createProgram(
  io: CliIo,
  setExitCode: (code: ExitCodeValue) => void,
  options: ProgramOptions = {},
): Command {
  const registry = options.registry ?? DEFAULT_REGISTRY;
  const { heavy } = options;
  const manifest = registry.manifest;
  const names = manifest.map((d) => d.listing.name).join(", ");
  const program = new Command("hrflow-connectors")
    .description(
      "Push HrFlow.ai candidate profiles into applicant-tracking systems: no duplicates, every field carried, loud and recoverable failures.",
    )
    .version(VERSION, "-V, --version")
    .option("--config <file>", "JSON or YAML file with credentials (env variable names) and vendor options")
    .option(
      "--database <url|file>",
      "the database of the ledger, runs and jobs: a PostgreSQL URL shared by many workers (postgres://...; default $DATABASE_URL: ledger, claims and vendor rate limits), or a SQLite file (as --ledger); without it, the SQLite ledger",
    )
    .option(
      "--json",
      "machine-readable output on stdout (one JSON document, errors included); logs on stderr",
    )
    .addOption(new Option("--verbose", "debug logs on stderr and error details").conflicts("quiet"))
    .option("--quiet", "errors only on stderr; the result line only on stdout; no status line")
    .showHelpAfterError("(add --help for usage)")
    .addHelpText("after", `\n${CREDENTIALS_HELP}\n\n${EXIT_CODES_HELP}`);

  const push = program
    .command("push-profile")
    .description("push one HrFlow profile into an ATS (one sub-command per connector)")
    .usage("<connector> --source-key S (--profile-key K | --reference R) [vendor options] [--dry-run]")
    .showHelpAfterError(`(connectors: ${names}; add --help for usage)`)
    .addHelpText(
      "after",
      `\nConnectors: ${names}\nSee \`hrflow-connectors push-profile <connector> --help\` for a connector's options.\n\n${EXIT_CODES_HELP}`,
    );
  for (const def of manifest) {
    const command = push
      .command(def.listing.name)
      .description(`push one profile into ${def.listing.displayName}: ${def.listing.description}`)
      .summary(`push one profile into ${def.listing.displayName}`);
    addManifestPushOptions(command, def);
    const required = def.flags.filter((f) => f.required).map((f) => `${f.flag} <value>`);
    command.usage(["--source-key S (--profile-key K | --reference R)", ...required, "[options]"].join(" "));
    command.addHelpText("after", connectorHelp(def));
    command.action(async (_options: unknown, cmd: Command) => {
      setExitCode(await pushAction(def.listing.name, cmd, io, registry));
    });
  }

  program
    .command("connectors")
    .description("list the connectors, their actions, options (required marked) and environment variables")
    .action((_options: unknown, cmd: Command) => {
      printConnectors(
        outputOf(cmd, io),
        manifest.map((d) => d.listing),
      );
      setExitCode(ExitCode.ok);
    });

  program
    .command("replay")
    .description(
      "push again every profile the ledger says did not finish and can finish as it is (failures that need a fix are listed apart), with the options it was pushed with",
    )
    .option("--connector <name>", "only this connector")
    .option("--list", "only list what would be replayed")
    .option("--ledger <path>", `the push ledger (default ./${DEFAULT_LEDGER} or $HRFLOW_CONNECTORS_LEDGER)`)
    .option("--allow-insecure-cv-urls", "allow CV downloads from http:// and loopback URLs (the sandbox)")
    .action(async (_options: unknown, cmd: Command) => {
      const [definitions, { replayCommand }] = await Promise.all([
        registry.definitions(),
        import("./replay.js"),
      ]);
      setExitCode(await replayCommand(definitions, cmd, io));
    });

  program.addCommand(
    ledgerCommand(io, (code) => {
      setExitCode(code);
    }),
  );

  if (heavy) heavy(program, registry);
  else
    for (const [name, description] of Object.entries(HEAVY_COMMANDS))
      program
        .command(name)
        .description(description)
        .allowUnknownOption()
        .allowExcessArguments()
        .action(() => {
          throw new Error(`internal: ${name} runs only once the batch and service commands are loaded`);
        });

  program
    .command("sandbox")
    .description(
      "start a fake HrFlow and every fake ATS on loopback, seed sample profiles, and print commands that push into them",
    )
    .option("--port <port>", "port of the loopback server (default: a free port)", "0")
    .action(async (options: { port: string }, cmd: Command) => {
      setExitCode(await sandboxCommand(outputOf(cmd, io), options.port, io));
    });

  program
    .command("demo")
    .description(
      "push the bundled sample profiles through every connector into an in-process sandbox, twice, and show what each ATS received",
    )
    .action(async (_options: unknown, cmd: Command) => {
      setExitCode(await demoCommand(outputOf(cmd, io)));
    });

  return program;
}

async function sandboxCommand(out: Output, portText: string, io: CliIo): Promise<ExitCodeValue> {
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    out.failure(`--port must be a port number (0 to 65535), got "${portText}"`);
    out.json({
      error: { name: "UsageError", message: `--port must be a port number, got "${portText}"` },
      exitCode: ExitCode.badInput,
    });
    return ExitCode.badInput;
  }
  const { startSandbox } = await import("../testing/index.js");
  const { describeSandbox, printReceived, printSandbox } = await import("./sandbox.js");
  let sandbox;
  try {
    sandbox = await startSandbox({ port });
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "";
    const message =
      code === "EADDRINUSE"
        ? `port ${port} is in use; choose another with --port, or --port 0 for a free one`
        : `cannot start the sandbox: ${error instanceof Error ? error.message : String(error)}`;
    out.failure(message);
    out.json({ error: { name: "SandboxError", message }, exitCode: ExitCode.badInput });
    return ExitCode.badInput;
  }
  printSandbox(out, await describeSandbox(sandbox, io.cwd), io.cwd);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  printReceived(out, sandbox);
  await sandbox.close();
  return ExitCode.ok;
}

async function demoCommand(out: Output): Promise<ExitCodeValue> {
  const { startSandbox } = await import("../testing/index.js");
  const { printDemo, runDemo } = await import("./demo.js");
  const sandbox = await startSandbox();
  try {
    // The tables show every warning; the log adds nothing unless --verbose.
    // The demo shows its own progress ([12/60] 1st push of ...), not each request.
    const report = await runDemo(sandbox, out.logger("error", { status: false }), (e) => {
      out.status.progress(
        e.done,
        e.total,
        `${e.round === 1 ? "1st" : "2nd"} push of ${e.sample} into ${e.connector}`,
      );
    });
    out.status.clear();
    printDemo(out, report);
    return report.ok ? ExitCode.ok : ExitCode.unexpected;
  } finally {
    out.status.clear();
    await sandbox.close();
  }
}

/** The flags a run was given, read before commander parses them (for errors commander itself raises). */
function modeOfArgs(args: readonly string[]): { json: boolean; verbose: boolean; quiet: boolean } {
  const before = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
  return {
    json: before.includes("--json"),
    verbose: before.includes("--verbose"),
    quiet: before.includes("--quiet"),
  };
}

/**
 * Runs the CLI with these arguments (without `node` and the script) and returns the exit code. Usage
 * errors exit 2; `--help` and `--version` exit 0. With `--json`, every run prints exactly one JSON
 * document on stdout, usage errors included.
 */
export async function runCli(
  args: readonly string[],
  io: CliIo,
  registry: CliRegistry = DEFAULT_REGISTRY,
): Promise<ExitCodeValue> {
  let exitCode: ExitCodeValue = ExitCode.ok;
  const mode = modeOfArgs(args);
  let usage = "";
  const setExitCode = (code: ExitCodeValue): void => {
    exitCode = code;
  };
  // The batch and service commands load the whole library: only when one of them runs.
  const full = needsHeavyCommands(args)
    ? (await import("./program-full.js")).addBatchAndServiceCommands
    : undefined;
  const definitions = full ? await registry.definitions() : [];
  const program = createProgram(io, setExitCode, {
    registry,
    heavy:
      full &&
      ((p) => {
        full(p, definitions, io, setExitCode);
      }),
  });
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      // With --json, commander's usage message goes into the JSON document, not stderr.
      writeErr: (text) => {
        if (mode.json) usage += text;
        else io.stderr.write(text);
      },
    });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    const out = new Output(io, mode);
    if (error instanceof CommanderError) {
      // --help, --version: 0. A command run without its sub-command shows its help: a usage error.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.ok;
      const message =
        error.code === "commander.help"
          ? "a sub-command is missing (see --help)"
          : (usage.trim().split("\n")[0] ?? error.message).replace(/^error:\s*/, "");
      out.json({
        error: { name: "UsageError", code: error.code, message: message || error.message },
        exitCode: ExitCode.badInput,
      });
      if (mode.json) out.error(`error: ${message || error.message}`);
      return ExitCode.badInput;
    }
    return reportError(out, error, (p) => p);
  }
  return exitCode;
}
