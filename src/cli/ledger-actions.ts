import type { Command } from "commander";
import { z } from "zod";
import {
  ConfigError,
  resolveEntry,
  UNFINISHED_OUTCOMES,
  type LedgerEntry,
  type LedgerOutcome,
  type Runtime,
} from "../index.js";
import { effectiveEnv } from "./config.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { reportError, type CliIo, type Output } from "./output.js";
import { configFor, databaseFlag, outputFor } from "./push-profile.js";
import { entryRow, printEntry } from "./replay.js";
import { displayLocation, ledgerLocation, openCliRuntime } from "./store.js";

import { LEDGER_OUTCOMES as OUTCOMES } from "./ledger.js";

const LedgerFlagsSchema = z.object({
  ledger: z.string().optional(),
  connector: z.string().optional(),
  outcome: z.array(z.enum(OUTCOMES)).optional(),
  unfinished: z.boolean().optional(),
  limit: z.string().optional(),
  target: z.string().optional(),
  vendorId: z.string().optional(),
  none: z.boolean().optional(),
  olderThan: z.string().optional(),
});
type LedgerFlags = z.output<typeof LedgerFlagsSchema>;

async function withLedger(
  command: Command,
  io: CliIo,
  work: (runtime: Runtime, flags: LedgerFlags, out: Output) => Promise<ExitCodeValue>,
): Promise<ExitCodeValue> {
  const out = outputFor(command, io);
  let runtime: Runtime | undefined;
  try {
    const parsed = LedgerFlagsSchema.safeParse(command.optsWithGlobals());
    if (!parsed.success)
      throw new ConfigError(
        parsed.error.issues.map((i) => ({ path: `--${String(i.path[0] ?? "")}`, message: i.message })),
        { summary: "Invalid ledger options" },
      );
    const config = await configFor(command, io);
    const env = effectiveEnv(io.env, config);
    const location = ledgerLocation(parsed.data.ledger, env, io.cwd, databaseFlag(command));
    runtime = await openCliRuntime({ location, logger: out.logger(), env });
    return await work(runtime, parsed.data, out);
  } catch (error) {
    return reportError(out, error, (p) => p);
  } finally {
    await runtime?.close();
  }
}

/** The entries of one profile of one connector, narrowed to one target when `--target` is given. */
async function entriesOf(
  runtime: Runtime,
  connector: string,
  profileKey: string,
  target: string | undefined,
): Promise<LedgerEntry[]> {
  const entries = await runtime.store.ledger.list({ connector, profileKey });
  const matching =
    target === undefined ? entries : entries.filter((e) => e.target === target || e.target.includes(target));
  if (matching.length === 0)
    throw new ConfigError(
      [
        {
          path: "profileKey",
          message: `the ledger has no ${connector} entry for profile ${profileKey}${target ? ` and target ${target}` : ""}`,
        },
      ],
      { summary: "Nothing to do" },
    );
  return matching;
}

/** The one entry a command acts on; several targets need `--target`. */
async function oneEntry(
  runtime: Runtime,
  connector: string,
  profileKey: string,
  target: string | undefined,
): Promise<LedgerEntry> {
  const entries = await entriesOf(runtime, connector, profileKey, target);
  const [first, ...others] = entries;
  if (!first || others.length > 0)
    throw new ConfigError(
      [
        {
          path: "--target",
          message: `profile ${profileKey} was pushed to ${entries.length} ${connector} targets; give one of: ${entries.map((e) => e.target).join(", ")}`,
        },
      ],
      { summary: "Which target?" },
    );
  return first;
}

/** `ledger list`: entries, most recent first, with their target and what to do about them. */
export function ledgerList(cmd: Command, io: CliIo): Promise<ExitCodeValue> {
  return withLedger(cmd, io, async (runtime, flags, out) => {
    const limit = Number(flags.limit ?? "50");
    if (!Number.isInteger(limit) || limit < 1)
      throw new ConfigError([{ path: "--limit", message: "must be a positive whole number" }]);
    const outcomes: readonly LedgerOutcome[] | undefined = flags.unfinished
      ? UNFINISHED_OUTCOMES
      : flags.outcome;
    const entries = await runtime.store.ledger.list({ connector: flags.connector, outcomes, limit });
    out.json({ ledger: displayLocation(runtime.store.location), entries: entries.map(entryRow) });
    out.print(
      `${entries.length} entr${entries.length === 1 ? "y" : "ies"} in ${displayLocation(runtime.store.location)}`,
    );
    for (const entry of entries) printEntry(out, entry);
    return ExitCode.ok;
  });
}

/** `ledger show`: every step of one profile's pushes to one connector. */
export function ledgerShow(
  connector: string,
  profileKey: string,
  cmd: Command,
  io: CliIo,
): Promise<ExitCodeValue> {
  return withLedger(cmd, io, async (runtime, flags, out) => {
    const entries = await entriesOf(runtime, connector, profileKey, flags.target);
    out.json({ entries: entries.map(entryRow) });
    for (const entry of entries) {
      printEntry(out, entry);
      for (const [name, step] of Object.entries(entry.steps))
        out.detail(
          `      ${name}: ${step.status} at ${step.at}${step.vendorId ? ` (id ${step.vendorId})` : ""}${step.detail ? ` — ${step.detail}` : ""}`,
        );
    }
    return ExitCode.ok;
  });
}

/** `ledger resolve`: settles an in-doubt create with the id a person found, or with "none was made". */
export function ledgerResolve(
  connector: string,
  profileKey: string,
  cmd: Command,
  io: CliIo,
): Promise<ExitCodeValue> {
  return withLedger(cmd, io, async (runtime, flags, out) => {
    if ((flags.vendorId === undefined) === (flags.none !== true))
      throw new ConfigError([{ path: "--vendor-id", message: "give either --vendor-id <id> or --none" }], {
        summary: "Cannot resolve",
      });
    const entry = await oneEntry(runtime, connector, profileKey, flags.target);
    const resolved = await resolveEntry(
      runtime,
      entry,
      flags.vendorId !== undefined ? { vendorId: flags.vendorId } : { none: true },
    );
    out.json({ resolved: entryRow(resolved) });
    out.print(
      flags.vendorId !== undefined
        ? `Recorded candidate ${flags.vendorId} for ${connector} profile ${profileKey}; \`hrflow-connectors replay\` finishes its other steps.`
        : `Recorded that no candidate was created for ${connector} profile ${profileKey}; \`hrflow-connectors replay\` creates it.`,
    );
    return ExitCode.ok;
  });
}

/** `ledger forget`: removes a profile's entry. */
export function ledgerForget(
  connector: string,
  profileKey: string,
  cmd: Command,
  io: CliIo,
): Promise<ExitCodeValue> {
  return withLedger(cmd, io, async (runtime, flags, out) => {
    const entry = await oneEntry(runtime, connector, profileKey, flags.target);
    const held = await runtime.claim(entry, { wait: false });
    if (!held)
      throw new ConfigError([{ path: "profileKey", message: "a push of it is under way; try again later" }]);
    try {
      await runtime.store.ledger.forget(entry);
    } finally {
      await held.release();
    }
    out.json({ forgotten: entryRow(entry) });
    out.print(`Forgot ${connector} profile ${profileKey} (${entry.outcome}).`);
    return ExitCode.ok;
  });
}

/** `ledger purge`: removes finished entries not updated for N days. */
export function ledgerPurge(cmd: Command, io: CliIo): Promise<ExitCodeValue> {
  return withLedger(cmd, io, async (runtime, flags, out) => {
    const days = Number(flags.olderThan);
    if (!Number.isFinite(days) || days < 0)
      throw new ConfigError([{ path: "--older-than", message: "must be a number of days" }]);
    const before = new Date(runtime.clock.now() - days * 86_400_000).toISOString();
    const removed = await runtime.store.ledger.purge(before);
    out.json({ purged: removed, before });
    out.print(`Purged ${removed} finished entr${removed === 1 ? "y" : "ies"} last updated before ${before}.`);
    return ExitCode.ok;
  });
}
