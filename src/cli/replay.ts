import type { Command } from "commander";
import { z } from "zod";
import {
  ConfigError,
  replayPushes,
  replayVerdict,
  targetParts,
  unfinishedEntries,
  type ConfigIssue,
  type ConnectorDefinition,
  type LedgerEntry,
  type Runtime,
  type VendorAuth,
} from "../index.js";
import { authFromEnv, effectiveEnv, hrflowFromEnv, isLoopbackUrl, secretValues } from "./config.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { reportError, type CliIo, type Output } from "./output.js";
import { configFor, databaseFlag, outputFor } from "./push-profile.js";
import { displayLocation, ledgerLocation, openCliRuntime } from "./store.js";

const ReplayFlagsSchema = z.object({
  ledger: z.string().optional(),
  connector: z.string().optional(),
  list: z.boolean().optional(),
  allowInsecureCvUrls: z.boolean().optional(),
});

/** One ledger entry as `replay --list` and `ledger list` show it (no secret: the account is a fingerprint). */
export function entryRow(entry: LedgerEntry): Record<string, unknown> {
  const target = targetParts(entry.target);
  const verdict = replayVerdict(entry);
  return {
    connector: entry.connector,
    profileKey: entry.profileKey,
    sourceKey: entry.sourceKey,
    outcome: entry.outcome,
    vendorId: entry.vendorId,
    attempts: entry.attempts,
    updatedAt: entry.updatedAt,
    target: { baseUrl: target.baseUrl, account: target.account, scope: target.scope, options: entry.options },
    lastError: entry.lastError,
    steps: Object.fromEntries(
      Object.entries(entry.steps).map(([name, step]) => [
        name,
        `${step.status}${step.detail ? ` (${step.detail})` : ""}`,
      ]),
    ),
    ...(verdict.fix ? { fix: verdict.fix } : {}),
  };
}

/** Prints one entry in text mode: what, where, how it ended, and what to do. */
export function printEntry(out: Output, entry: LedgerEntry): void {
  const target = targetParts(entry.target);
  const options = Object.entries(entry.options)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(" ");
  out.print(
    `  ${entry.connector}  ${entry.profileKey}  ${entry.outcome} after ${entry.attempts} attempt(s)${entry.vendorId ? `  (vendor id ${entry.vendorId})` : ""}`,
  );
  out.detail(
    `      target: ${target.baseUrl}, account ${target.account}${target.scope ? `, ${target.scope}` : ""}${options ? `, ${options}` : ""}`,
  );
  for (const [name, step] of Object.entries(entry.steps))
    if (step.status !== "done")
      out.detail(`      ${name}: ${step.status}${step.detail ? ` (${step.detail})` : ""}`);
  if (entry.lastError) out.detail(`      last error: ${entry.lastError.message}`);
  const verdict = replayVerdict(entry);
  if (verdict.fix) out.detail(`      to do: ${verdict.fix}`);
}

/**
 * `replay`: pushes again every ledger entry that did not finish and can finish as it is, with the options
 * it was pushed with and today's credentials; entries that need a fix first are listed apart. `--list`
 * only shows them.
 */
export async function replayCommand(
  defs: readonly ConnectorDefinition[],
  command: Command,
  io: CliIo,
): Promise<ExitCodeValue> {
  const out = outputFor(command, io);
  let runtime: Runtime | undefined;
  try {
    const flags = ReplayFlagsSchema.parse(command.opts());
    const config = await configFor(command, io);
    const env = effectiveEnv(io.env, config);
    out.addSecrets(secretValues(defs, env));
    const issues: ConfigIssue[] = [];
    if (flags.connector !== undefined && !defs.some((d) => d.name === flags.connector)) {
      issues.push({
        path: "--connector",
        message: `unknown connector "${flags.connector}" (one of ${defs.map((d) => d.name).join(", ")})`,
      });
    }
    if (issues.length > 0) throw new ConfigError(issues, { summary: "Cannot replay" });
    const location = ledgerLocation(flags.ledger, env, io.cwd, databaseFlag(command));
    const logger = out.logger();
    runtime = await openCliRuntime({ location, logger, env });
    const entries = await unfinishedEntries(runtime.store.ledger, flags.connector);
    const replayable = entries.filter((e) => replayVerdict(e).replayable);
    const needFix = entries.filter((e) => !replayVerdict(e).replayable);

    if (flags.list === true || replayable.length === 0) {
      out.json({
        ledger: displayLocation(location),
        replayable: replayable.map(entryRow),
        needsFix: needFix.map(entryRow),
      });
      out.print(`${replayable.length} push(es) to finish in ${displayLocation(location)}`);
      for (const entry of replayable) printEntry(out, entry);
      if (needFix.length > 0) {
        out.print(`${needFix.length} push(es) that replay cannot finish until something is fixed:`);
        for (const entry of needFix) printEntry(out, entry);
      }
      return ExitCode.ok;
    }

    // Credentials for every connector that has something to replay, all problems at once.
    const hrflow = hrflowFromEnv(env, logger);
    issues.push(...hrflow.issues);
    const auths = new Map<string, VendorAuth>();
    for (const name of new Set(replayable.map((e) => e.connector))) {
      const def = defs.find((d) => d.name === name);
      if (!def) continue;
      const baseUrl = replayable.find((e) => e.connector === name)?.baseUrl ?? def.defaultBaseUrl;
      const credentials = authFromEnv(def, env, baseUrl);
      issues.push(...credentials.issues);
      if (credentials.auth) auths.set(name, credentials.auth);
    }
    if (issues.length > 0 || !hrflow.client) throw new ConfigError(issues, { summary: "Cannot replay" });

    const allowInsecureCvUrls = flags.allowInsecureCvUrls === true || isLoopbackUrl(env["HRFLOW_BASE_URL"]);
    const results: Record<string, unknown>[] = [];
    const summary = await replayPushes({
      runtime,
      hrflowClient: hrflow.client,
      definitions: defs,
      connector: flags.connector,
      auth: (name) => {
        const auth = auths.get(name);
        if (!auth) throw new ConfigError([{ path: name, message: "no credentials" }]);
        return auth;
      },
      pushOptions: { logger, allowInsecureCvUrls },
      onResult: (entry, outcome) => {
        const result = outcome.response?.result;
        const state = outcome.after?.outcome ?? "unknown";
        const line = outcome.error
          ? `still ${state}: ${outcome.error instanceof Error ? outcome.error.message : "unexpected error"}`
          : `${state}${result?.vendorId ? ` (id ${result.vendorId})` : ""}, CV ${String(result?.cv.status)}${
              outcome.response?.status_code === 202 ? ` — still incomplete: ${outcome.response.message}` : ""
            }`;
        results.push({
          connector: entry.connector,
          profileKey: entry.profileKey,
          outcome: state,
          result: line,
        });
        out.print(`${entry.connector}  ${entry.profileKey}  ${line}`);
        // The log leaves the result's warnings to the result: print them here, once.
        if (result) out.warnings(result.warnings);
      },
    });
    for (const auth of auths.values()) out.addSecrets(auth.secrets());
    out.json({
      ledger: displayLocation(location),
      replayed: summary.replayed,
      finished: summary.finished,
      unfinished: summary.unfinished,
      busy: summary.busy,
      needsFix: summary.needsFix.map((n) => entryRow(n.entry)),
      results,
    });
    out.print(
      `replayed ${summary.replayed}: ${summary.finished} finished, ${summary.unfinished} still unfinished` +
        (summary.busy > 0 ? `, ${summary.busy} skipped (a push of them is under way)` : ""),
    );
    if (summary.needsFix.length > 0) {
      out.print(`${summary.needsFix.length} not replayed until something is fixed:`);
      for (const { entry } of summary.needsFix) printEntry(out, entry);
    }
    return summary.unfinished > 0 ? ExitCode.remoteFailure : ExitCode.ok;
  } catch (error) {
    return reportError(out, error, (p) => p);
  } finally {
    await runtime?.close();
  }
}
