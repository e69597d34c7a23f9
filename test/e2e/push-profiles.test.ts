import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ReportLineSchema, type ReportItemLine, type ReportLine } from "../../src/cli/report.js";
import { createSqliteStore, emptyRunCounts, type RunCounts } from "../../src/index.js";
import { generateProfiles, hrflowKey, type SampleProfile } from "../../src/testing/index.js";
import { startBatchSandbox, type BatchSandbox } from "../support/batch-sandbox.js";
import { collect } from "../support/leaks.js";

/**
 * End-to-end tests of `push-profiles` and `runs` (the built CLI in a child process, as `npx` runs it)
 * against fakes that enforce each vendor's limits, scaled 60 times faster in the fakes and in the CLI
 * (`HRFLOW_CONNECTORS_RATE_SCALE`, a test hook). `npm test` builds first.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(root, "dist", "cli", "main.js");
let sandbox: BatchSandbox;
let tmp = "";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function baseEnv(ledger: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "",
    ...sandbox.hrflowEnv,
    HRFLOW_CONNECTORS_RATE_SCALE: String(sandbox.scale),
    HRFLOW_CONNECTORS_LEDGER: join(tmp, `${ledger}.sqlite`),
    HRFLOW_CONNECTORS_PROGRESS_MS: "250",
    HRFLOW_CONNECTORS_SETTLE_MS: "400",
  };
  for (const vendor of sandbox.vendors) Object.assign(env, vendor.env());
  return env;
}

/** Each connector's sandbox flags in their `--<connector>-` form, so one command can name several. */
function vendorFlags(connectors: readonly string[]): string[] {
  return connectors.flatMap((name) =>
    sandbox
      .vendor(name)
      .cliFlags()
      .map((word) => (word.startsWith("--") ? `--${name}-${word.slice(2)}` : word)),
  );
}

function start(args: readonly string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: tmp,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      collect(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

const run = (args: readonly string[], env: Record<string, string>): Promise<Run> => start(args, env).done;

function readLines(path: string): ReportLine[] {
  const text = readFileSync(path, "utf8");
  collect(text);
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => ReportLineSchema.parse(JSON.parse(l)));
}

function items(lines: readonly ReportLine[]): ReportItemLine[] {
  return lines.filter((l): l is ReportItemLine => l.type === "item");
}

function countsOf(lines: readonly ReportItemLine[]): RunCounts {
  const counts = emptyRunCounts();
  for (const line of lines) counts[line.action] += 1;
  return counts;
}

/** The profile with some `info` fields replaced. */
function withInfo(profile: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const info = profile["info"];
  return { ...profile, info: { ...(info !== null && typeof info === "object" ? info : {}), ...patch } };
}

/** Adds a generated set of profiles to a new source of the fake HrFlow. */
function addSource(seed: string, count: number): { sourceKey: string; profiles: SampleProfile[] } {
  const sourceKey = hrflowKey(`source-${seed}`);
  const profiles = generateProfiles(count, { sourceKey, seed });
  for (const sample of profiles) sandbox.hrflow.addProfile(sourceKey, sample.profile, sample.cv);
  return { sourceKey, profiles };
}

function emailsAt(connector: string, seed: string): (string | undefined)[] {
  return sandbox
    .vendor(connector)
    .candidates()
    .map((c) => c.email?.toLowerCase())
    .filter((e) => e?.endsWith(`.${seed}@example.com`));
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "push-profiles-"));
  sandbox = await startBatchSandbox({ count: 200 });
});
afterAll(async () => {
  await sandbox.close();
  await rm(tmp, { recursive: true, force: true });
});

const ALL = ["breezyhr", "smartrecruiters", "flatchr", "greenhouse", "taleez"];

describe("push-profiles", () => {
  it("pushes a source of 200 profiles to every connector once, within each vendor's limits; the report, the summary and the ledger agree; a second run creates nothing", async () => {
    const env = baseEnv("all");
    const report = join(tmp, "all.jsonl");
    const args = [
      "push-profiles",
      ...ALL,
      "--source-key",
      sandbox.sourceKey,
      "--report",
      report,
      ...vendorFlags(ALL),
    ];
    const first = await run(args, env);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/completed, 200 profile\(s\), 1000 item\(s\)/);
    expect(first.stdout).toMatch(/total\s+1000\s+0\s+0\s+0\s+1000/);

    const lines = readLines(report);
    const [head] = lines;
    const summary = lines.at(-1);
    expect(head?.type).toBe("run");
    expect(summary?.type).toBe("summary");
    const itemLines = items(lines);
    expect(itemLines).toHaveLength(1000);
    if (summary?.type !== "summary" || head?.type !== "run")
      throw new Error("report without its run and summary");
    expect(countsOf(itemLines)).toEqual(summary.counts);
    expect(summary.counts.created).toBe(1000);
    expect(head.command).toContain("push-profiles breezyhr smartrecruiters");
    for (const line of itemLines) {
      expect(line.vendorId === null && line.connector !== "flatchr", line.connector).toBe(false);
      expect(line.attempts).toBe(1);
    }

    // The ledger and the run record say the same.
    const store = createSqliteStore(join(tmp, "all.sqlite"));
    try {
      const entries = await store.ledger.list();
      expect(entries).toHaveLength(1000);
      expect(entries.every((e) => e.outcome === "created")).toBe(true);
      const record = await store.runs.get(summary.runId);
      expect(record).toMatchObject({ status: "completed", reportPath: report, kind: "batch" });
      expect(record?.counts).toEqual(summary.counts);
    } finally {
      await store.close();
    }

    for (const name of ALL) {
      expect(new Set(emailsAt(name, "gen")).size, name).toBe(200);
      expect(emailsAt(name, "gen"), name).toHaveLength(200);
      for (const stats of sandbox.stats(name)) {
        expect(stats.throttled, name).toBe(0);
        const limit = sandbox.limits[name];
        if (limit && name !== "greenhouse")
          expect(stats.maxInWindow, name).toBeLessThanOrEqual(limit.requests);
        if (limit?.concurrency !== undefined)
          expect(stats.maxInFlight, name).toBeLessThanOrEqual(limit.concurrency);
      }
    }

    const second = await run([...args, "--report", join(tmp, "all-2.jsonl")], env);
    expect(second.code).toBe(0);
    const again = readLines(join(tmp, "all-2.jsonl")).at(-1);
    expect(again?.type === "summary" ? again.counts : undefined).toMatchObject({ created: 0, skipped: 1000 });
    for (const name of ALL) expect(emailsAt(name, "gen"), name).toHaveLength(200);

    const runs = await run(["runs", "--json"], env);
    const listed = z
      .object({ runs: z.array(z.object({ id: z.string(), status: z.string() })) })
      .parse(JSON.parse(runs.stdout));
    expect(listed.runs.map((r) => r.status)).toEqual(["completed", "completed"]);
    // The same file through --database (as `jobs --database FILE` takes it) or --ledger; both naming two
    // different stores is refused, naming both.
    const file = env["HRFLOW_CONNECTORS_LEDGER"] ?? "";
    for (const flag of ["--database", "--ledger"]) {
      const through = await run(["runs", "--json", flag, file], {});
      expect(through.code, flag).toBe(0);
      expect(through.stdout, flag).toBe(runs.stdout);
    }
    const both = await run(["runs", "--ledger", file, "--database", join(tmp, "other.sqlite")], {});
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--database");
    expect(both.stderr).toContain("other.sqlite");
  }, 300_000);

  it("interrupted halfway by SIGINT (twice: pushes in flight are cut), then resumed, ends with each profile once", async () => {
    const { sourceKey } = addSource("int", 150);
    const targets = ["smartrecruiters", "taleez"];
    for (const name of targets) for (const fake of sandbox.vendor(name).fakes) fake.latency(40);
    try {
      const env = baseEnv("interrupted");
      const report = join(tmp, "int.jsonl");
      const args = ["push-profiles", ...targets, "--source-key", sourceKey, ...vendorFlags(targets)];
      const { child, done } = start([...args, "--report", report], env);
      // Half way: signal, and again while the pushes in flight finish.
      while (!existsSync(report) || readFileSync(report, "utf8").split("\n").length < 120)
        await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill("SIGINT");
      await new Promise((resolve) => setTimeout(resolve, 30));
      child.kill("SIGINT");
      const stopped = await done;
      expect(stopped.code).toBe(4);
      expect(stopped.stderr).toContain("Resume with the same command");
      const summary = readLines(report).at(-1);
      expect(summary?.type === "summary" ? summary.status : undefined).toBe("interrupted");
      expect(summary?.type === "summary" ? summary.items : 300).toBeLessThan(300);

      const resumed = await run([...args, "--report", join(tmp, "int-2.jsonl")], env);
      expect(resumed.stderr).not.toMatch(/error/i);
      expect(resumed.code).toBe(0);
      for (const name of targets) {
        expect(emailsAt(name, "int"), name).toHaveLength(150);
        expect(new Set(emailsAt(name, "int")).size, name).toBe(150);
      }
      const store = createSqliteStore(join(tmp, "interrupted.sqlite"));
      try {
        const entries = await store.ledger.list();
        expect(entries).toHaveLength(300);
        expect(entries.every((e) => ["created", "updated", "unchanged"].includes(e.outcome))).toBe(true);
        const [latest, earlier] = await store.runs.list();
        expect([latest?.status, earlier?.status]).toEqual(["completed", "interrupted"]);
      } finally {
        await store.close();
      }
    } finally {
      for (const name of targets) for (const fake of sandbox.vendor(name).fakes) fake.latency(0);
    }
  }, 300_000);

  it("killed with SIGKILL mid-run: `runs` shows the run interrupted with a note once it stops showing signs of life, and re-running resumes", async () => {
    const { sourceKey } = addSource("kill", 80);
    const targets = ["taleez"];
    for (const name of targets) for (const fake of sandbox.vendor(name).fakes) fake.latency(40);
    try {
      // Test hooks: a sign of life every 100 ms, abandoned after 3 s without one (defaults 30 s and 3 min).
      const env = {
        ...baseEnv("killed"),
        HRFLOW_CONNECTORS_RUN_HEARTBEAT_MS: "100",
        HRFLOW_CONNECTORS_RUN_STALE_MS: "3000",
      };
      const ledger = join(tmp, "killed.sqlite");
      const report = join(tmp, "kill.jsonl");
      const args = ["push-profiles", ...targets, "--source-key", sourceKey, ...vendorFlags(targets)];
      const { child, done } = start([...args, "--report", report], env);
      while (!existsSync(report) || readFileSync(report, "utf8").split("\n").length < 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const store = createSqliteStore(ledger);
      try {
        // Alive: its heartbeats move lastSeenAt past its start, and `runs` shows it running.
        const [live] = await store.runs.list();
        if (!live) throw new Error("no run recorded");
        while (((await store.runs.get(live.id))?.lastSeenAt ?? "") <= live.startedAt)
          await new Promise((resolve) => setTimeout(resolve, 20));
        const during = await run(["runs", "show", live.id, "--json"], env);
        expect(
          z.object({ run: z.object({ status: z.string() }) }).parse(JSON.parse(during.stdout)).run.status,
        ).toBe("running");

        const exited = new Promise<NodeJS.Signals | null>((resolve) => {
          child.on("exit", (_code, signal) => {
            resolve(signal);
          });
        });
        child.kill("SIGKILL");
        expect(await exited).toBe("SIGKILL");
        await done;
        // Nothing ended it: still `running` in the database until someone looks after the stale time.
        const dead = await store.runs.get(live.id);
        expect(dead?.status).toBe("running");
        const lastSeen = dead?.lastSeenAt ?? "";
        while (Date.now() <= Date.parse(lastSeen) + 3000 + 200)
          await new Promise((resolve) => setTimeout(resolve, 50));

        const listed = await run(["runs", "--json"], env);
        expect(listed.code).toBe(0);
        const RunJson = z.object({
          id: z.string(),
          status: z.string(),
          endedAt: z.string().optional(),
          lastSeenAt: z.string().optional(),
          note: z.string().optional(),
        });
        const runs = z.object({ runs: z.array(RunJson) }).parse(JSON.parse(listed.stdout)).runs;
        const killed = runs.find((r) => r.id === live.id);
        expect(killed?.status).toBe("interrupted");
        expect(killed?.endedAt).toBe(lastSeen);
        expect(killed?.note).toBe(
          `no sign of life since ${lastSeen}: its process stopped without ending the run (killed?); re-running the same command resumes it`,
        );
        const shown = await run(["runs", "show", live.id], env);
        expect(shown.stdout).toContain(`Run ${live.id} (batch): interrupted`);
        expect(shown.stdout).toContain("no sign of life since");

        const resumed = await run([...args, "--report", join(tmp, "kill-2.jsonl")], env);
        expect(resumed.stderr).not.toMatch(/error/i);
        expect(resumed.code).toBe(0);
        for (const name of targets) {
          expect(emailsAt(name, "kill"), name).toHaveLength(80);
          expect(new Set(emailsAt(name, "kill")).size, name).toBe(80);
        }
        const [latest, earlier] = await store.runs.list();
        expect([latest?.status, earlier?.status]).toEqual(["completed", "interrupted"]);
        expect(latest?.counts.skipped).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    } finally {
      for (const name of targets) for (const fake of sandbox.vendor(name).fakes) fake.latency(0);
    }
  }, 300_000);

  it("--retry-failed pushes again exactly the items that failed; runs show lists them", async () => {
    const { sourceKey, profiles } = addSource("retry", 30);
    const taleez = sandbox.vendor("taleez");
    // Credentials and the fake's options in a --config file only, as a newcomer has them from the sandbox:
    // the command printed to finish the run must carry it.
    const env = Object.fromEntries(
      Object.entries(baseEnv("retry")).filter(([k]) => k === "PATH" || k.startsWith("HRFLOW_CONNECTORS_")),
    );
    const config = join(tmp, "retry-config.json");
    writeFileSync(
      config,
      JSON.stringify({
        ...sandbox.hrflowEnv,
        ...taleez.env(),
        options: { taleez: taleez.options() },
      }),
    );
    const report = join(tmp, "retry.jsonl");
    const args = ["--config", config, "push-profiles", "taleez", "--source-key", sourceKey];
    taleez.faults.create.fake.fail({ method: "POST", path: /^\/0\/candidates$/, status: 400, times: 4 });
    const first = await run([...args, "--report", report], env);
    expect(first.code, first.stderr).toBe(4);
    const printed = /\n {2}(hrflow-connectors push-profiles .*--retry-failed .*)\n/.exec(first.stderr)?.[1];
    expect(printed).toBe(
      `hrflow-connectors push-profiles taleez --config ${config} --source-key ${sourceKey} --retry-failed ${report}`,
    );
    // Retrying into the report being read would destroy it: refused, the report untouched.
    const reportBefore = readFileSync(report, "utf8");
    const same = await run([...args, "--retry-failed", report, "--report", report], env);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain("--report: is the report --retry-failed reads");
    expect(readFileSync(report, "utf8")).toBe(reportBefore);
    const failed = items(readLines(report)).filter((l) => l.action === "failed");
    expect(failed).toHaveLength(4);
    expect(emailsAt("taleez", "retry")).toHaveLength(26);

    const summary = readLines(report).at(-1);
    const runId = summary?.type === "summary" ? summary.runId : "";
    const shown = await run(["runs", "show", runId], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("incomplete");
    for (const line of failed) expect(shown.stdout).toContain(line.profileKey);

    const pulls = (): number =>
      sandbox.hrflow.requests.filter((r) => r.path === "/v1/profile/indexing").length;
    const before = pulls();
    // The printed command, run as printed (plus a report name for this test to read).
    const retry = await run(
      [...(printed ?? "").split(" ").slice(1), "--report", join(tmp, "retry-2.jsonl")],
      env,
    );
    expect(retry.code).toBe(0);
    const retried = items(readLines(join(tmp, "retry-2.jsonl")));
    expect(retried.map((l) => l.profileKey).sort()).toEqual(failed.map((l) => l.profileKey).sort());
    expect(retried.every((l) => l.action === "created")).toBe(true);
    expect(pulls() - before).toBe(4);
    expect(emailsAt("taleez", "retry")).toHaveLength(30);
    expect(new Set(emailsAt("taleez", "retry")).size).toBe(30);
    expect(profiles).toHaveLength(30);
  }, 120_000);

  it("--dry-run plans the whole run (created, updated, unchanged, refused with the reason) and sends nothing; --json streams the report", async () => {
    const { sourceKey, profiles } = addSource("plan", 12);
    const env = baseEnv("plan");
    const args = ["push-profiles", "breezyhr", "--source-key", sourceKey, ...vendorFlags(["breezyhr"])];
    expect((await run([...args, "--limit", "8"], env)).code).toBe(0);
    // Two changed (Breezy updates its candidates), one without a name (Breezy requires one).
    const changed = profiles
      .slice(0, 2)
      .map((p) => withInfo(p.profile, { full_name: "Changed Person", last_name: "Person" }));
    for (const profile of changed) sandbox.hrflow.addProfile(sourceKey, profile);
    const last = profiles[11];
    if (!last) throw new Error("no profile");
    sandbox.hrflow.addProfile(
      sourceKey,
      withInfo(last.profile, { full_name: null, first_name: null, last_name: null }),
    );
    const sr = sandbox.vendor("breezyhr").fakes[0];
    const sent = sr?.requests.length ?? 0;
    const plan = await run([...args, "--dry-run", "--json"], env);
    expect(plan.code).toBe(0);
    expect(sr?.requests.length).toBe(sent);
    const lines = plan.stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => ReportLineSchema.parse(JSON.parse(l)));
    const summary = lines.at(-1);
    if (summary?.type !== "summary") throw new Error("no summary line");
    expect(summary.counts).toMatchObject({ created: 3, updated: 2, unchanged: 6, refused: 1 });
    expect(items(lines).every((l) => l.planned)).toBe(true);
    expect(summary.reasons[0]?.reason).toMatch(/breezyhr: MappingError/);
  }, 120_000);

  it("shows progress in a terminal (log-update redraws) and as plain lines without one; nothing with --quiet", async () => {
    const { sourceKey } = addSource("tty", 20);
    const env = baseEnv("tty");
    const args = ["push-profiles", "taleez", "--source-key", sourceKey, ...vendorFlags(["taleez"])];
    const quoted = [process.execPath, MAIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    // `script` gives the CLI a pseudo-terminal (stdout and stderr both go to it). Asynchronous: the fakes
    // answer from this process.
    const tty = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn("script", ["-q", "-e", "-c", quoted, "/dev/null"], {
        cwd: tmp,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.on("error", reject);
      child.on("close", (status) => {
        resolve({ status, stdout });
      });
    });
    collect(tty.stdout);
    expect(tty.status).toBe(0);
    // Erase-line sequences of the live block, then its last state.
    expect(tty.stdout).toContain("\u001b[2K");
    expect(tty.stdout).toMatch(/20\/20 items \(100%\)/);
    expect(tty.stdout).not.toContain("[push-profiles]");

    const { sourceKey: plainKey } = addSource("plain", 20);
    const plain = await run(
      ["push-profiles", "taleez", "--source-key", plainKey, ...vendorFlags(["taleez"])],
      env,
    );
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/\[push-profiles\] .*20\/20 items \(100%\)/);
    expect(plain.stderr).not.toContain("\u001b[");

    const { sourceKey: quietKey } = addSource("quiet", 5);
    const quiet = await run(
      ["--quiet", "push-profiles", "taleez", "--source-key", quietKey, ...vendorFlags(["taleez"])],
      env,
    );
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
  }, 120_000);

  it("exits 2 on bad options (all listed) and 3 when HrFlow refuses the credentials", async () => {
    const env = baseEnv("bad");
    const bad = await run(
      [
        "push-profiles",
        "smartrecruiters",
        "nosuch",
        "--limit",
        "x",
        "--created-after",
        "soon",
        "--taleez-recruiter-id",
        "7",
      ],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("nosuch");
    expect(bad.stderr).toContain("--limit");
    expect(bad.stderr).toContain("--created-after");
    expect(bad.stderr).toContain("--source-key");
    expect(bad.stderr).toContain("--taleez-recruiter-id: is for taleez, which this command does not name");
    const refused = await run(
      ["push-profiles", "taleez", "--source-key", sandbox.sourceKey, ...vendorFlags(["taleez"])],
      { ...env, HRFLOW_API_SECRET: "wrong-secret-value" },
    );
    expect(refused.code).toBe(3);
  }, 60_000);
});
