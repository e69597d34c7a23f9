import { Command } from "commander";
import { z } from "zod";
import { ConfigError, JOB_STATES, openStore, type Job, type Store } from "../index.js";
import { jobDetail } from "../server/operations.js";
import { effectiveEnv } from "./config.js";
import { describe } from "./commands.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { reportError, type CliIo, type Output } from "./output.js";
import { configFor, outputFor } from "./push-profile.js";
import { DEFAULT_LEDGER } from "./defaults.js";
import { displayLocation, ledgerLocation } from "./store.js";
import { textTable } from "./table.js";

const FlagsSchema = z.object({
  database: z.string().optional(),
  state: z.array(z.enum(JOB_STATES)).optional(),
  target: z.string().optional(),
  limit: z.string().optional(),
});
type Flags = z.output<typeof FlagsSchema>;

const iso = (ms: number | undefined): string => (ms === undefined ? "" : new Date(ms).toISOString());

/** Opens the service's database (the ledger file), runs `work`, closes it; errors become exit codes. */
async function withQueue(
  command: Command,
  io: CliIo,
  work: (store: Store, flags: Flags, out: Output) => Promise<ExitCodeValue>,
): Promise<ExitCodeValue> {
  const out = outputFor(command, io);
  let store: Store | undefined;
  try {
    const parsed = FlagsSchema.safeParse(command.optsWithGlobals());
    if (!parsed.success)
      throw new ConfigError(
        parsed.error.issues.map((i) => ({ path: `--${String(i.path[0] ?? "")}`, message: i.message })),
        { summary: "Invalid options" },
      );
    const env = effectiveEnv(io.env, await configFor(command, io));
    const location = ledgerLocation(parsed.data.database, env, io.cwd);
    try {
      store = await openStore(location);
    } catch (error) {
      throw new ConfigError(
        [
          {
            path: "--database",
            message: `cannot open ${displayLocation(location)}: ${error instanceof Error ? error.message : String(error)}`,
          },
        ],
        { summary: "Cannot open the service's database" },
      );
    }
    return await work(store, parsed.data, out);
  } catch (error) {
    return reportError(out, error, (p) => p);
  } finally {
    await store?.close();
  }
}

function limitOf(flags: Flags): number {
  const limit = Number(flags.limit ?? "50");
  if (!Number.isInteger(limit) || limit < 1)
    throw new ConfigError([{ path: "--limit", message: "must be a positive whole number" }], {
      summary: "Invalid options",
    });
  return limit;
}

function printJobs(out: Output, jobs: readonly Job[]): void {
  out.json({ jobs });
  if (jobs.length === 0) {
    out.print("No jobs.");
    return;
  }
  const rows = jobs.map((j) => [
    j.id,
    j.state,
    j.target,
    j.key.split("|").slice(1).join("|"),
    `${j.attempts}/${j.maxAttempts}`,
    iso(j.updatedAt),
    j.state === "dead"
      ? (j.deadReason ?? "")
      : j.state === "retry"
        ? `at ${iso(j.runAt)}: ${j.lastError?.name ?? ""}`
        : "",
  ]);
  for (const line of textTable(["id", "state", "target", "profile", "attempts", "updated", "why"], rows))
    out.print(line);
}

/** `jobs ...` and `dlq ...`: the service's job queue, read and acted on in its database directly. */
export function jobsCommands(io: CliIo, setExitCode: (code: ExitCodeValue) => void): Command[] {
  const databaseHelp = `the service's database (its ledger file; default ./${DEFAULT_LEDGER} or $HRFLOW_CONNECTORS_LEDGER)`;
  const jobs = new Command("jobs").description(describe("jobs")).option("--database <path>", databaseHelp);
  const act =
    (work: (store: Store, flags: Flags, out: Output, args: string[]) => Promise<ExitCodeValue>) =>
    async (...raw: unknown[]): Promise<void> => {
      const cmd = raw[raw.length - 1];
      if (!(cmd instanceof Command)) return;
      setExitCode(await withQueue(cmd, io, (store, flags, out) => work(store, flags, out, cmd.args)));
    };

  jobs
    .command("list")
    .description("list jobs, most recently updated first")
    .option("--state <state...>", `only these states (${JOB_STATES.join(", ")})`)
    .option("--target <name>", "only this target")
    .option("--limit <n>", "at most this many", "50")
    .action(
      act(async (store, flags, out) => {
        printJobs(
          out,
          await store.queue.list({ states: flags.state, target: flags.target, limit: limitOf(flags) }),
        );
        return ExitCode.ok;
      }),
    );

  jobs
    .command("show")
    .argument("<id>", "the job id")
    .description("one job: its state, history, last error, and the ledger's timeline of its push")
    .action(
      act(async (store, _flags, out, [id = ""]) => {
        const job = await store.queue.get(id);
        if (!job)
          throw new ConfigError([{ path: "id", message: `no job ${id} in this database` }], {
            summary: "Nothing to show",
          });
        const detail = await jobDetail(store, job);
        out.json(detail);
        out.print(
          `Job ${job.id}: ${job.state} (attempt ${job.attempts} of ${job.maxAttempts}), target ${job.target}`,
        );
        out.print(
          `  profile ${job.key.split("|").slice(1).join("|")} of source ${job.key.split("|")[0] ?? ""}`,
        );
        if (job.deadReason) out.print(`  dead: ${job.deadReason}`);
        if (job.lastError)
          out.print(`  last error: ${job.lastError.name} (${job.lastError.kind}): ${job.lastError.message}`);
        if (job.state === "retry") out.print(`  next attempt at ${iso(job.runAt)}`);
        out.print("  history:");
        for (const h of job.history)
          out.print(
            `    ${iso(h.at)}  ${h.event}${h.attempt > 0 ? ` #${h.attempt}` : ""}${h.detail ? `  ${h.detail}` : ""}`,
          );
        if (detail.ledger) {
          const l = detail.ledger;
          out.print(
            `  ledger: ${l.outcome}${l.vendorId ? `, vendor id ${l.vendorId}` : ""}, ${l.attempts} push(es), updated ${l.updatedAt}`,
          );
          for (const t of l.timeline)
            out.print(
              `    ${t.at}  ${t.step}: ${t.status}${t.vendorId ? ` (${t.vendorId})` : ""}${t.detail ? `  ${t.detail}` : ""}`,
            );
          if (l.lastError) out.print(`    last error: ${l.lastError.name}: ${l.lastError.message}`);
        } else out.print("  ledger: no entry yet");
        return ExitCode.ok;
      }),
    );

  jobs
    .command("retry")
    .argument("<id>", "the job id")
    .description("run a waiting (retry) or dead job again now; a dead one gets a fresh attempt budget")
    .action(
      act(async (store, _flags, out, [id = ""]) => {
        const job = await store.queue.get(id);
        if (!job)
          throw new ConfigError([{ path: "id", message: `no job ${id} in this database` }], {
            summary: "Nothing to retry",
          });
        if (job.state !== "retry" && job.state !== "dead")
          throw new ConfigError(
            [{ path: "id", message: `job ${id} is ${job.state}: only retry and dead jobs can be retried` }],
            {
              summary: "Nothing to retry",
            },
          );
        const retried = await store.queue.retry(id, Date.now());
        out.json({ job: retried });
        out.print(`Job ${id} queued again; a running service takes it at its next poll.`);
        return ExitCode.ok;
      }),
    );

  jobs
    .command("retry-failed")
    .description("run every job waiting for a retry now")
    .option("--target <name>", "only this target")
    .action(
      act(async (store, flags, out) => {
        const retried = await store.queue.retryAll({ nowMs: Date.now(), target: flags.target });
        out.json({ retried });
        out.print(`${retried} job(s) queued again.`);
        return ExitCode.ok;
      }),
    );

  for (const action of ["pause", "resume"] as const)
    jobs
      .command(action)
      .argument("<target>", "the target's name in the service configuration")
      .description(
        action === "pause"
          ? "stop workers from taking this target's jobs (events keep being accepted and queued)"
          : "let workers take this target's jobs again",
      )
      .action(
        act(async (store, _flags, out, [target = ""]) => {
          if (action === "pause") await store.queue.pause(target, Date.now());
          else await store.queue.resume(target);
          out.json({ target, paused: action === "pause" });
          out.print(`Target ${target} ${action === "pause" ? "paused" : "resumed"}.`);
          return ExitCode.ok;
        }),
      );

  jobs
    .command("stats")
    .description("jobs by state, the oldest waiting job's age, paused targets")
    .action(
      act(async (store, _flags, out) => {
        const stats = await store.queue.stats(Date.now());
        out.json(stats);
        for (const line of textTable(
          ["state", "jobs"],
          JOB_STATES.map((s) => [s, String(stats.counts[s])]),
        ))
          out.print(line);
        out.print(`oldest waiting: ${(stats.oldestWaitingMs / 1000).toFixed(1)} s`);
        out.print(`paused targets: ${stats.paused.join(", ") || "none"}`);
        return ExitCode.ok;
      }),
    );

  const dlq = new Command("dlq").description(describe("dlq")).option("--database <path>", databaseHelp);
  dlq
    .command("list")
    .description("list dead jobs and why")
    .option("--target <name>", "only this target")
    .option("--limit <n>", "at most this many", "50")
    .action(
      act(async (store, flags, out) => {
        printJobs(
          out,
          await store.queue.list({ states: ["dead"], target: flags.target, limit: limitOf(flags) }),
        );
        return ExitCode.ok;
      }),
    );
  dlq
    .command("redrive")
    .description("queue every dead job again with a fresh attempt budget (after fixing what killed them)")
    .option("--target <name>", "only this target")
    .action(
      act(async (store, flags, out) => {
        const redriven = await store.queue.redrive({ nowMs: Date.now(), target: flags.target });
        out.json({ redriven });
        out.print(`${redriven} job(s) re-driven.`);
        return ExitCode.ok;
      }),
    );
  return [jobs, dlq];
}
