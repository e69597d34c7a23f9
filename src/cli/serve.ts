import { dirname } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { ConfigError, openStore, type Store, type WaitReason } from "../index.js";
import { createServiceLogger } from "../server/logger.js";
import { createService } from "../server/service.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { reportError, type CliIo } from "./output.js";
import { databaseFlag, outputFor } from "./push-profile.js";
import { loadServeConfig } from "./serve-config.js";
import { registerSharedLimitMetrics } from "../server/shared-limit-metrics.js";
import { displayLocation, ledgerLocation } from "./store.js";

const ServeFlagsSchema = z.object({
  config: z.string().optional(),
  check: z.boolean().optional(),
  workers: z.string().optional(),
  port: z.string().optional(),
  host: z.string().optional(),
  logLevel: z.enum(["debug", "info", "warn", "error"]).optional(),
});

/** Resolves when the process is asked to stop (SIGTERM, SIGINT). */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const once = (signal: NodeJS.Signals): void => {
      process.off("SIGTERM", once);
      process.off("SIGINT", once);
      resolve(signal);
    };
    process.on("SIGTERM", once);
    process.on("SIGINT", once);
  });
}

/**
 * `serve`: validates the configuration (every problem listed; `--check` stops there), opens and migrates
 * the database, listens, runs the workers, and on SIGTERM or SIGINT stops accepting, lets pushes in flight
 * finish within the grace period (the rest are handed back), and exits 0.
 */
export async function serveCommand(command: Command, io: CliIo): Promise<ExitCodeValue> {
  const out = outputFor(command, io);
  let store: Store | undefined;
  try {
    const flags = ServeFlagsSchema.parse(command.optsWithGlobals());
    if (flags.config === undefined)
      throw new ConfigError(
        [
          {
            path: "--config",
            message: "is required: the service's configuration file (see docs/service.md)",
          },
        ],
        { summary: "Cannot start the service" },
      );
    const loaded = await loadServeConfig(flags.config, io.env, io.cwd, out.logger("error"));
    const settings = loaded.settings;
    out.addSecrets(settings.secrets);
    const issues = [];
    if (flags.workers !== undefined) {
      const workers = Number(flags.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 256)
        issues.push({ path: "--workers", message: "must be a whole number from 1 to 256" });
      else settings.workers = workers;
    }
    if (flags.port !== undefined) {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        issues.push({ path: "--port", message: "must be a port number (0 to 65535)" });
      else settings.listen = { ...settings.listen, port };
    }
    if (flags.host !== undefined) settings.listen = { ...settings.listen, host: flags.host };
    if (issues.length > 0) throw new ConfigError(issues, { summary: "Invalid serve options" });

    // --database, else the file's `database`, else DATABASE_URL (PostgreSQL), else the default SQLite file
    // next to the configuration file.
    const flagged = databaseFlag(command);
    const database =
      flagged !== undefined
        ? ledgerLocation(undefined, {}, io.cwd, flagged)
        : (loaded.database ??
          ledgerLocation(undefined, { DATABASE_URL: io.env["DATABASE_URL"] }, dirname(loaded.path)));
    const summary = {
      config: loaded.path,
      database: displayLocation(database),
      listen: settings.listen,
      workers: settings.workers,
      targets: settings.targets.map((t) => ({ name: t.name, connector: t.definition.name })),
      routes: settings.routes.length,
      signed: settings.webhook.secret !== undefined,
      allowUnsigned: settings.webhook.allowUnsigned,
      operationsApi: settings.adminToken !== undefined,
    };
    if (flags.check) {
      out.json({ ok: true, ...summary });
      out.print(
        `Configuration OK: ${summary.targets.length} target(s), ${summary.routes} route(s), database ${summary.database}, listening on ${settings.listen.host}:${settings.listen.port}, ${settings.workers} worker(s), operations API ${summary.operationsApi ? "on" : "off (no adminToken)"}${settings.webhook.allowUnsigned ? ", UNSIGNED events accepted" : ""}`,
      );
      return ExitCode.ok;
    }

    store = await openStore(database);
    const logger = createServiceLogger({ secrets: settings.secrets, level: flags.logLevel ?? "info" });
    const positive = (name: string): number | undefined => {
      const value = Number(io.env[name]);
      return Number.isFinite(value) && value > 0 ? value : undefined;
    };
    const leaseMs = positive("HRFLOW_CONNECTORS_LEASE_MS");
    const settleWindowMs = positive("HRFLOW_CONNECTORS_SETTLE_MS");
    // Test hooks, as for the other commands (see openCliRuntime).
    const runHeartbeatMs = positive("HRFLOW_CONNECTORS_RUN_HEARTBEAT_MS");
    const runStaleMs = positive("HRFLOW_CONNECTORS_RUN_STALE_MS");
    // On PostgreSQL, every worker process shares each vendor's budget; waits are told to the service's
    // runtime (its metrics count them) once it exists.
    const waits: { emit?: (wait: { bucket: string; reason: WaitReason; waitMs: number }) => void } = {};
    const shared = store.sharedRateLimits?.({ onWait: (wait) => waits.emit?.(wait) });
    const service = createService({
      settings,
      store,
      logger,
      runtime: {
        ...(leaseMs !== undefined ? { leaseMs } : {}),
        ...(settleWindowMs !== undefined ? { settleWindowMs } : {}),
        ...(runHeartbeatMs !== undefined ? { runHeartbeatMs } : {}),
        ...(runStaleMs !== undefined ? { runStaleMs } : {}),
        ...(shared ? { rateLimits: shared } : {}),
      },
    });
    waits.emit = (wait) => {
      service.runtime.emit({ type: "wait", ...wait });
    };
    if (shared) registerSharedLimitMetrics(service.metrics.registry, shared);
    store = undefined; // the service closes it
    const stopping = stopSignal();
    try {
      await service.start();
    } catch (error) {
      await service.stop(0);
      const code = error instanceof Error && "code" in error ? String(error.code) : "";
      if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL")
        throw new ConfigError(
          [
            {
              path: "listen",
              message: `cannot listen on ${settings.listen.host}:${settings.listen.port} (${code})`,
            },
          ],
          { summary: "Cannot start the service" },
        );
      throw error;
    }
    const signal = await stopping;
    logger.info("stop requested", { signal });
    await service.stop();
    logger.flush();
    return ExitCode.ok;
  } catch (error) {
    await store?.close();
    return reportError(out, error, (p) => p);
  }
}
