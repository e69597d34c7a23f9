import { Option, type Command } from "commander";
import type { ConnectorDefinition } from "../index.js";
import { EXIT_CODES_HELP, type ExitCodeValue } from "./exit-codes.js";
import { describe } from "./commands.js";
import { jobsCommands } from "./jobs.js";
import type { CliIo } from "./output.js";
import { addBatchOptions, pushProfilesCommand } from "./push-profiles.js";
import { runsCommand } from "./runs.js";
import { sendWebhookCommand } from "./send-webhook.js";
import { serveCommand } from "./serve.js";
import { wrap } from "./wrap.js";

/**
 * The batch and service commands (`push-profiles`, `runs`, `serve`, `send-webhook`, `jobs`, `dlq`). They
 * load the whole library, so the program adds them only when one of them runs; `--help` lists them from
 * the light table in `commands.ts`.
 */
export function addBatchAndServiceCommands(
  program: Command,
  defs: readonly ConnectorDefinition[],
  io: CliIo,
  setExitCode: (code: ExitCodeValue) => void,
): void {
  const batch = program
    .command("push-profiles")
    .description(describe("push-profiles"))
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
    .command("serve")
    .description(describe("serve"))
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
      "\n--config <file> names the service configuration (JSON or YAML): targets, routes, webhook secret, database, admin and metrics tokens. See docs/service.md.",
    )
    .action(async (_options: unknown, cmd: Command) => {
      setExitCode(await serveCommand(cmd, io));
    });

  program
    .command("send-webhook")
    .description(describe("send-webhook"))
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
}
