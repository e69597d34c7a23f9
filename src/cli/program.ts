import { Command, CommanderError, Option } from "commander";
import { connectorDefinitions, VERSION, type ConnectorDefinition } from "../index.js";
import { printConnectors } from "./connectors.js";
import { EXIT_CODES_HELP, ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { Output, reportError, type CliIo } from "./output.js";
import { optionSpecs } from "./option-specs.js";
import { definitionList, wrap } from "./wrap.js";
import { addPushOptions, outputFor, pushProfileCommand } from "./push-profile.js";
import { DEFAULT_LEDGER } from "./store.js";
import { ledgerCommand } from "./ledger.js";
import { replayCommand } from "./replay.js";
import { jobsCommands } from "./jobs.js";
import { sendWebhookCommand } from "./send-webhook.js";
import { serveCommand } from "./serve.js";
import { addBatchOptions, pushProfilesCommand } from "./push-profiles.js";
import { runsCommand } from "./runs.js";

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

function connectorHelp(def: ConnectorDefinition): string {
  const env: [string, string][] = [
    ["HRFLOW_API_SECRET", "required, secret: HrFlow API secret (X-API-KEY)"],
    ["HRFLOW_API_USER", "required: email of the HrFlow user (X-USER-EMAIL)"],
    ["HRFLOW_BASE_URL", "optional: HrFlow API base URL (default https://api.hrflow.ai/v1)"],
    ...def.auth.env.map((v): [string, string] => [
      v.name,
      `${v.required ? "required" : "optional"}${v.secret ? ", secret" : ""}: ${v.description.replace(/`/g, "")}`,
    ]),
  ];
  const lines = [
    "Environment (or --config; credentials are never flags):",
    ...definitionList(env),
    "",
    "Example:",
    ...wrap(def.examples.cli, 74, "    ").map((l, i, all) => `  ${l}${i < all.length - 1 ? " \\" : ""}`),
    "",
    `Docs: docs/connectors/${def.name}/push_profile.md`,
    "",
    EXIT_CODES_HELP,
  ];
  return `\n${lines.join("\n")}`;
}

/** Builds the `hrflow-connectors` program. `setExitCode` receives each action's exit code. */
export function createProgram(io: CliIo, setExitCode: (code: ExitCodeValue) => void): Command {
  const defs = connectorDefinitions();
  const program = new Command("hrflow-connectors")
    .description(
      "Push HrFlow.ai candidate profiles into applicant-tracking systems: no duplicates, every field carried, loud and recoverable failures.",
    )
    .version(VERSION, "-V, --version")
    .option("--config <file>", "JSON or YAML file with credentials (env variable names) and vendor options")
    .option(
      "--database <url>",
      "PostgreSQL shared by many workers (postgres://...; default $DATABASE_URL): ledger, claims and vendor rate limits; without it, the SQLite ledger",
    )
    .option("--json", "machine-readable output on stdout (one JSON document); logs on stderr")
    .addOption(new Option("--verbose", "debug logs on stderr and error details").conflicts("quiet"))
    .option("--quiet", "errors only on stderr; the result line only on stdout")
    .showHelpAfterError("(add --help for usage)")
    .addHelpText("after", `\n${CREDENTIALS_HELP}\n\n${EXIT_CODES_HELP}`);

  const push = program
    .command("push-profile")
    .description("push one HrFlow profile into an ATS (one sub-command per connector)")
    .usage("<connector> --source-key S (--profile-key K | --reference R) [vendor options] [--dry-run]")
    .showHelpAfterError(`(connectors: ${defs.map((d) => d.name).join(", ")}; add --help for usage)`)
    .addHelpText(
      "after",
      `\nConnectors: ${defs.map((d) => d.name).join(", ")}\nSee \`hrflow-connectors push-profile <connector> --help\` for a connector's options.\n\n${EXIT_CODES_HELP}`,
    );
  for (const def of defs) {
    const command = push
      .command(def.name)
      .description(`push one profile into ${def.displayName}: ${def.description}`)
      .summary(`push one profile into ${def.displayName}`);
    const flags = addPushOptions(command, def);
    const required = optionSpecs(def.optionsSchema)
      .filter((s) => s.required)
      .map((s) => `${s.flag} <value>`);
    command.usage(["--source-key S (--profile-key K | --reference R)", ...required, "[options]"].join(" "));
    command.addHelpText("after", connectorHelp(def));
    command.action(async (_options: unknown, cmd: Command) => {
      setExitCode(await pushProfileCommand(def, flags, cmd, io));
    });
  }

  const batch = program
    .command("push-profiles")
    .description(
      "push a whole HrFlow source (or part of it) into one or more ATS: streaming, at each vendor's rate limit, with progress, a JSON Lines report and resume",
    )
    .usage("<connector...> --source-key S [filters] [vendor options]")
    .addHelpText(
      "after",
      [
        "",
        ...[
          "Vendor options are each connector's, in kebab-case (see `push-profile <connector> --help`): a flag applies to every named connector that has it; --<connector>-<flag> to that one only (--greenhouse-job-id 12, --smartrecruiters-base-url URL).",
          "Resume: the ledger remembers every push, so running the same command again skips what is done and unchanged and finishes the rest; --retry-failed <report> pushes again only the items a report says did not arrive. Ctrl-C stops starting pushes and lets those in flight finish (twice: interrupts them, recorded in the ledger).",
          "Each run is recorded: `hrflow-connectors runs`, `hrflow-connectors runs show <run>`.",
        ].flatMap((paragraph) => [...wrap(paragraph, 78), ""]),
        EXIT_CODES_HELP,
      ].join("\n"),
    );
  const batchFlags = addBatchOptions(batch, defs);
  batch.action(async (names: string[], _options: unknown, cmd: Command) => {
    setExitCode(await pushProfilesCommand(defs, batchFlags, names, cmd, io));
  });

  program.addCommand(
    runsCommand(io, (code) => {
      setExitCode(code);
    }),
  );

  program
    .command("connectors")
    .description("list the connectors, their actions, options (required marked) and environment variables")
    .action((_options: unknown, cmd: Command) => {
      printConnectors(outputFor(cmd, io), defs);
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
      setExitCode(await replayCommand(defs, cmd, io));
    });

  program.addCommand(
    ledgerCommand(io, (code) => {
      setExitCode(code);
    }),
  );

  program
    .command("serve")
    .description(
      "run the webhook service: receive HrFlow events, push each profile to the configured ATS with durable jobs, retries and a dead-letter queue",
    )
    .option("--check", "validate the configuration (every problem listed) and exit")
    .option("--workers <n>", "concurrent pushes in this process (overrides the configuration)")
    .option("--host <host>", "address to listen on (overrides listen.host)")
    .option("--port <port>", "port to listen on (overrides listen.port)")
    .addOption(
      new Option("--log-level <level>", "log level of the JSON logs on stdout").choices([
        "debug",
        "info",
        "warn",
        "error",
      ]),
    )
    .addHelpText(
      "after",
      "\n--config <file> names the service configuration (JSON or YAML): targets, routes, webhook secret, database, admin token. See docs/service.md.",
    )
    .action(async (_options: unknown, cmd: Command) => {
      setExitCode(await serveCommand(cmd, io));
    });

  program
    .command("send-webhook")
    .description(
      "send signed HrFlow profile events to a running service, as HrFlow would (for the sandbox and tests)",
    )
    .option("--url <url>", "the service's webhook URL (default: from --config's listen, /webhooks/hrflow)")
    .option("--source-key <key>", "the profiles' source (default: the first source routed in --config)")
    .option("--profile-key <key...>", "profile key(s); several are sent as one list of events")
    .option("--event <type>", "event type", "profile.storing.success")
    .addOption(
      new Option("--variant <variant>", "signature scheme").choices([
        "hex-hmac-of-decoded-payload",
        "raw-hmac-of-encoded-payload",
        "hex-hmac-of-raw-body",
      ]),
    )
    .addHelpText(
      "after",
      "\nThe secret is read from --config (a serve configuration: webhook.secret) or HRFLOW_WEBHOOK_SECRET.",
    )
    .action(async (_options: unknown, cmd: Command) => {
      setExitCode(await sendWebhookCommand(cmd, io));
    });

  for (const command of jobsCommands(io, (code) => {
    setExitCode(code);
  }))
    program.addCommand(command);

  program
    .command("sandbox")
    .description(
      "start a fake HrFlow and every fake ATS on loopback, seed sample profiles, and print commands that push into them",
    )
    .option("--port <port>", "port of the loopback server (default: a free port)", "0")
    .action(async (options: { port: string }, cmd: Command) => {
      setExitCode(await sandboxCommand(outputFor(cmd, io), options.port, io));
    });

  program
    .command("demo")
    .description(
      "push the bundled sample profiles through every connector into an in-process sandbox, twice, and show what each ATS received",
    )
    .action(async (_options: unknown, cmd: Command) => {
      setExitCode(await demoCommand(outputFor(cmd, io), io));
    });

  return program;
}

async function sandboxCommand(out: Output, portText: string, io: CliIo): Promise<ExitCodeValue> {
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    out.error(`error: --port must be a port number (0 to 65535), got "${portText}"`);
    return ExitCode.badInput;
  }
  const { startSandbox } = await import("../testing/index.js");
  const { describeSandbox, printReceived, printSandbox } = await import("./sandbox.js");
  let sandbox;
  try {
    sandbox = await startSandbox({ port });
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "";
    out.error(
      code === "EADDRINUSE"
        ? `error: port ${port} is in use; choose another with --port, or --port 0 for a free one`
        : `error: cannot start the sandbox: ${error instanceof Error ? error.message : String(error)}`,
    );
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

async function demoCommand(out: Output, io: CliIo): Promise<ExitCodeValue> {
  const { startSandbox } = await import("../testing/index.js");
  const { printDemo, runDemo } = await import("./demo.js");
  const sandbox = await startSandbox();
  // A live status line on a terminal (nothing on pipes, in --json or --quiet mode).
  const live = io.stderr.isTTY === true && !out.mode.json && !out.mode.quiet;
  try {
    // The tables show every warning; the log adds nothing unless --verbose.
    const report = await runDemo(sandbox, out.logger("error"), (e) => {
      if (live)
        io.stderr.write(
          `\r\x1b[2K[${e.done}/${e.total}] ${e.round === 1 ? "1st" : "2nd"} push of ${e.sample} into ${e.connector}`,
        );
    });
    if (live) io.stderr.write("\r\x1b[2K");
    printDemo(out, report);
    return report.ok ? ExitCode.ok : ExitCode.unexpected;
  } finally {
    await sandbox.close();
  }
}

/**
 * Runs the CLI with these arguments (without `node` and the script) and returns the exit code. Usage
 * errors exit 2; `--help` and `--version` exit 0.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  let exitCode: ExitCodeValue = ExitCode.ok;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, --version: 0. A command run without its sub-command shows its help: a usage error.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.ok;
      return ExitCode.badInput;
    }
    const out = new Output(io, {
      json: args.includes("--json"),
      verbose: args.includes("--verbose"),
      quiet: false,
    });
    return reportError(out, error, (p) => p);
  }
  return exitCode;
}
