import { Command } from "commander";
import { DEFAULT_LEDGER } from "./defaults.js";
import type { ExitCodeValue } from "./exit-codes.js";
import type { CliIo } from "./output.js";

/** The outcomes `ledger list --outcome` accepts. */
export const LEDGER_OUTCOMES = [
  "created",
  "updated",
  "unchanged",
  "partial",
  "failed",
  "pending",
  "in-doubt",
] as const;

/**
 * `ledger list | show | resolve | forget | purge`: what the push ledger knows, and settling it by hand.
 * Only the commands are defined here (so `--help` loads nothing else); each action imports its work.
 */
export function ledgerCommand(io: CliIo, setExitCode: (code: ExitCodeValue) => void): Command {
  const actions = () => import("./ledger-actions.js");
  const ledger = new Command("ledger")
    .description("show and manage the push ledger: list, show, resolve an in-doubt create, forget, purge")
    .option("--ledger <path>", `the push ledger (default ./${DEFAULT_LEDGER} or $HRFLOW_CONNECTORS_LEDGER)`);

  ledger
    .command("list")
    .description("list ledger entries, most recent first, with their target and what to do about them")
    .option("--connector <name>", "only this connector")
    .option("--outcome <outcome...>", `only these outcomes (${LEDGER_OUTCOMES.join(", ")})`)
    .option("--unfinished", "only pushes that did not finish")
    .option("--limit <n>", "at most this many", "50")
    .action(async (_o: unknown, cmd: Command) => {
      setExitCode(await (await actions()).ledgerList(cmd, io));
    });

  ledger
    .command("show")
    .description("show everything the ledger knows about one profile's pushes to one connector")
    .argument("<connector>", "connector name")
    .argument("<profile-key>", "HrFlow profile key")
    .option("--target <target>", "only this target (base URL, account, scope)")
    .action(async (connector: string, profileKey: string, _o: unknown, cmd: Command) => {
      setExitCode(await (await actions()).ledgerShow(connector, profileKey, cmd, io));
    });

  ledger
    .command("resolve")
    .description(
      "settle a create left in doubt: --vendor-id ID when you found the candidate in the ATS, --none when it is not there",
    )
    .argument("<connector>", "connector name")
    .argument("<profile-key>", "HrFlow profile key")
    .option("--vendor-id <id>", "the candidate's id in the ATS (the push continues with it)")
    .option("--none", "no candidate was created (the next push creates it)")
    .option("--target <target>", "the target, when the profile was pushed to several")
    .action(async (connector: string, profileKey: string, _o: unknown, cmd: Command) => {
      setExitCode(await (await actions()).ledgerResolve(connector, profileKey, cmd, io));
    });

  ledger
    .command("forget")
    .description("remove a profile's entry (a later push then looks it up in the ATS as if new)")
    .argument("<connector>", "connector name")
    .argument("<profile-key>", "HrFlow profile key")
    .option("--target <target>", "the target, when the profile was pushed to several")
    .action(async (connector: string, profileKey: string, _o: unknown, cmd: Command) => {
      setExitCode(await (await actions()).ledgerForget(connector, profileKey, cmd, io));
    });

  ledger
    .command("purge")
    .description("remove finished entries not updated for N days (unfinished ones are kept)")
    .requiredOption("--older-than <days>", "age in days")
    .action(async (_o: unknown, cmd: Command) => {
      setExitCode(await (await actions()).ledgerPurge(cmd, io));
    });
  return ledger;
}
