import { resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import {
  ConfigError,
  createSqliteStore,
  REPLAYABLE,
  replayPushes,
  type ConfigIssue,
  type ConnectorDefinition,
  type PushStore,
  type VendorAuth,
} from "../index.js";
import { authFromEnv, effectiveEnv, hrflowFromEnv, isLoopbackUrl, secretValues } from "./config.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { reportError, type CliIo } from "./output.js";
import { configFor, DEFAULT_LEDGER, outputFor } from "./push-profile.js";

const ReplayFlagsSchema = z.object({
  ledger: z.string().optional(),
  connector: z.string().optional(),
  list: z.boolean().optional(),
  allowInsecureCvUrls: z.boolean().optional(),
});

function openLedger(path: string): PushStore {
  try {
    return createSqliteStore(path);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split(" Tried:")[0] ?? "";
    throw new ConfigError([{ path: "--ledger", message: `cannot open ${path}: ${reason}` }], {
      summary: "Cannot open the push ledger",
    });
  }
}

/**
 * `replay`: pushes again every ledger entry that did not finish (failed, partial, pending), with the
 * options it was pushed with and today's credentials. `--list` only shows them.
 */
export async function replayCommand(
  defs: readonly ConnectorDefinition[],
  command: Command,
  io: CliIo,
): Promise<ExitCodeValue> {
  const out = outputFor(command, io);
  let store: PushStore | undefined;
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
    const ledger = flags.ledger ?? env["HRFLOW_CONNECTORS_LEDGER"] ?? DEFAULT_LEDGER;
    const ledgerPath = ledger === ":memory:" ? ledger : resolve(io.cwd, ledger);
    if (issues.length > 0) throw new ConfigError(issues, { summary: "Cannot replay" });
    store = openLedger(ledgerPath);
    const pending = await store.list({
      outcomes: REPLAYABLE,
      ...(flags.connector ? { connector: flags.connector } : {}),
    });

    if (flags.list === true || pending.length === 0) {
      const rows = pending.map((e) => ({
        connector: e.connector,
        profileKey: e.profileKey,
        outcome: e.outcome,
        attempts: e.attempts,
        lastError: e.lastError?.message,
        failedSteps: Object.entries(e.steps)
          .filter(([, s]) => s.status !== "done")
          .map(([name, s]) => `${name}: ${s.status}${s.detail ? ` (${s.detail})` : ""}`),
      }));
      out.json({ ledger: ledgerPath, pending: rows });
      out.print(`${pending.length} push(es) to finish in ${ledgerPath}`);
      for (const row of rows) {
        out.print(`  ${row.connector}  ${row.profileKey}  ${row.outcome} after ${row.attempts} attempt(s)`);
        for (const step of row.failedSteps) out.detail(`      ${step}`);
        if (row.lastError) out.detail(`      last error: ${row.lastError}`);
      }
      return ExitCode.ok;
    }

    // Credentials for every connector that has something to replay, all problems at once.
    const logger = out.logger();
    const hrflow = hrflowFromEnv(env, logger);
    issues.push(...hrflow.issues);
    const auths = new Map<string, VendorAuth>();
    for (const name of new Set(pending.map((e) => e.connector))) {
      const def = defs.find((d) => d.name === name);
      if (!def) continue;
      const baseUrl = pending.find((e) => e.connector === name)?.baseUrl ?? def.defaultBaseUrl;
      const credentials = authFromEnv(def, env, baseUrl);
      issues.push(...credentials.issues);
      if (credentials.auth) auths.set(name, credentials.auth);
    }
    if (issues.length > 0 || !hrflow.client) throw new ConfigError(issues, { summary: "Cannot replay" });

    const allowInsecureCvUrls = flags.allowInsecureCvUrls === true || isLoopbackUrl(env["HRFLOW_BASE_URL"]);
    const results: Record<string, unknown>[] = [];
    const summary = await replayPushes({
      store,
      hrflowClient: hrflow.client,
      definitions: defs,
      auth: (name) => {
        const auth = auths.get(name);
        if (!auth) throw new ConfigError([{ path: name, message: "no credentials" }]);
        return auth;
      },
      pushOptions: { logger, allowInsecureCvUrls },
      onResult: (entry, outcome) => {
        const result = outcome.response?.result;
        const line = outcome.error
          ? `failed: ${outcome.error instanceof Error ? outcome.error.message : "unexpected error"}`
          : `${String(result?.action)}${result?.vendorId ? ` (id ${result.vendorId})` : ""}, CV ${String(result?.cv.status)}${
              outcome.response?.status_code === 202 ? ` — still incomplete: ${outcome.response.message}` : ""
            }`;
        results.push({ connector: entry.connector, profileKey: entry.profileKey, result: line });
        out.print(`${entry.connector}  ${entry.profileKey}  ${line}`);
        // The log leaves the result's warnings to the result: print them here, once.
        if (result) out.warnings(result.warnings);
      },
    });
    for (const auth of auths.values()) out.addSecrets(auth.secrets());
    out.json({ ledger: ledgerPath, ...summary, results });
    out.print(`replayed ${summary.replayed}: ${summary.succeeded} finished, ${summary.failed} still failing`);
    return summary.failed > 0 ? ExitCode.remoteFailure : ExitCode.ok;
  } catch (error) {
    return reportError(out, error, (p) => p);
  } finally {
    await store?.close();
  }
}
