import { existsSync } from "node:fs";
import { Command } from "commander";
import { z } from "zod";
import { ConfigError, RUN_COUNTERS, settleAbandonedRuns, type RunRecord, type Runtime } from "../index.js";
import { effectiveEnv } from "./config.js";
import { describe } from "./commands.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { reportError, type CliIo, type Output } from "./output.js";
import { formatDuration } from "./progress.js";
import { configFor, databaseFlag, outputFor } from "./push-profile.js";
import { NOT_ARRIVED, readReport, type ReportItemLine } from "./report.js";
import { DEFAULT_LEDGER } from "./defaults.js";
import { ledgerLocation, openCliRuntime } from "./store.js";
import { textTable } from "./table.js";

const RunsFlagsSchema = z.object({
  ledger: z.string().optional(),
  limit: z.string().optional(),
  kind: z.enum(["batch", "service"]).optional(),
  failures: z.string().optional(),
});
type RunsFlags = z.output<typeof RunsFlagsSchema>;

async function withRuns(
  command: Command,
  io: CliIo,
  work: (runtime: Runtime, flags: RunsFlags, out: Output) => Promise<ExitCodeValue>,
): Promise<ExitCodeValue> {
  const out = outputFor(command, io);
  let runtime: Runtime | undefined;
  try {
    const parsed = RunsFlagsSchema.safeParse(command.optsWithGlobals());
    if (!parsed.success)
      throw new ConfigError(
        parsed.error.issues.map((i) => ({ path: `--${String(i.path[0] ?? "")}`, message: i.message })),
        { summary: "Invalid runs options" },
      );
    const config = await configFor(command, io);
    const env = effectiveEnv(io.env, config);
    runtime = await openCliRuntime({
      location: ledgerLocation(parsed.data.ledger, env, io.cwd, databaseFlag(command)),
      logger: out.logger(),
      env,
    });
    // Runs whose process was killed read as interrupted, with a note, rather than running forever. A
    // database this command may not write (read-only file) is still read.
    const opened = runtime;
    await settleAbandonedRuns(opened.store.runs, opened.clock.now(), opened.runStaleMs).catch(
      (error: unknown) => {
        opened.logger.debug(`could not end abandoned runs: ${String(error)}`);
      },
    );
    return await work(runtime, parsed.data, out);
  } catch (error) {
    return reportError(out, error, (p) => p);
  } finally {
    await runtime?.close();
  }
}

function countsText(run: RunRecord): string {
  return RUN_COUNTERS.filter((c) => run.counts[c] > 0)
    .map((c) => `${c} ${run.counts[c]}`)
    .join(", ");
}

function durationOf(run: RunRecord): string {
  if (run.endedAt === undefined) return "running";
  return formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt));
}

/** `runs` (list) and `runs show ID`: what each batch and service run did. */
export function runsCommand(io: CliIo, setExitCode: (code: ExitCodeValue) => void): Command {
  const runs = new Command("runs")
    .description(describe("runs"))
    .option("--ledger <path>", `the push ledger (default ./${DEFAULT_LEDGER} or $HRFLOW_CONNECTORS_LEDGER)`)
    .option("--kind <kind>", "only batch or service runs")
    .option("--limit <n>", "at most this many", "20")
    .action(async (_o: unknown, cmd: Command) => {
      setExitCode(
        await withRuns(cmd, io, async (runtime, flags, out) => {
          const limit = Number(flags.limit ?? "20");
          if (!Number.isInteger(limit) || limit < 1)
            throw new ConfigError([{ path: "--limit", message: "must be a whole number, 1 or more" }]);
          const list = await runtime.store.runs.list({ kind: flags.kind, limit });
          out.json({ runs: list });
          if (list.length === 0) {
            out.print("No runs recorded yet (push-profiles records each run).");
            return ExitCode.ok;
          }
          for (const row of textTable(
            ["run", "kind", "status", "started", "took", "counts"],
            list.map((r) => [
              r.id,
              r.kind,
              r.status,
              r.startedAt.slice(0, 19).replace("T", " "),
              durationOf(r),
              countsText(r),
            ]),
          ))
            out.print(row);
          out.detail("`hrflow-connectors runs show <run>` prints one run with its failures.");
          return ExitCode.ok;
        }),
      );
    });

  runs
    .command("show")
    .description(
      "print one run: its command, counts and status, and the items that did not arrive (from its report)",
    )
    .argument("<run>", "the run id (as `runs` lists it)")
    .option("--failures <n>", "at most this many failures", "50")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      setExitCode(
        await withRuns(cmd, io, async (runtime, flags, out) => {
          const run = await runtime.store.runs.get(id);
          if (!run)
            throw new ConfigError([
              {
                path: "run",
                message: `no run ${id} in this ledger database; see \`hrflow-connectors runs\``,
              },
            ]);
          const max = Number(flags.failures ?? "50");
          const failures: ReportItemLine[] = [];
          let more = 0;
          const reportThere = run.reportPath !== undefined && existsSync(run.reportPath);
          if (reportThere && run.reportPath !== undefined) {
            for await (const line of readReport(run.reportPath)) {
              if (line.type !== "item" || !NOT_ARRIVED.includes(line.action)) continue;
              if (failures.length < max) failures.push(line);
              else more++;
            }
          }
          out.json({ run, failures });
          out.print(`Run ${run.id} (${run.kind}): ${run.status}`);
          out.print(`  command  ${run.command}`);
          out.print(
            `  started  ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt} (${durationOf(run)})` : ""}`,
          );
          out.print(`  counts   ${countsText(run) || "nothing yet"}`);
          if (run.note) out.print(`  note     ${run.note}`);
          out.print(
            `  report   ${run.reportPath ?? "(none)"}${run.reportPath && !reportThere ? " (no longer there)" : ""}`,
          );
          if (failures.length > 0) {
            out.print("Items that did not arrive:");
            for (const row of textTable(
              ["profile", "connector", "action", "error"],
              failures.map((f) => [
                f.profileKey,
                f.connector,
                f.action,
                f.error ? `${f.error.name}: ${f.error.message}` : f.message,
              ]),
            ))
              out.print(row);
            if (more > 0) out.print(`  ... and ${more} more (--failures N)`);
            if (run.reportPath)
              out.detail(
                `Retry only them: hrflow-connectors push-profiles <connectors> [options] --retry-failed ${run.reportPath}`,
              );
          }
          return ExitCode.ok;
        }),
      );
    });
  return runs;
}
