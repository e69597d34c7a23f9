import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { createSqliteStore, type RunRecord, type Store } from "../../src/index.js";
import { profileEvent, signHrflowWebhook, startSandbox } from "../../src/testing/index.js";
import { collect, registerSecret } from "../support/leaks.js";
import { addProfiles, waitFor } from "../support/service.js";

/**
 * The `serve` command as a real process (`node dist/cli/main.js serve`): configuration checks, a clean
 * SIGTERM, and kill -9 at random moments while events arrive and jobs run. `npm test` builds first.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(root, "dist", "cli", "main.js");
const SECRET = "serve-e2e-webhook-secret-0123456789";
const ADMIN = "serve-e2e-admin-token-0123456789";
registerSecret(SECRET, ADMIN);

const sandbox = await startSandbox();
const vendor = sandbox.vendor("smartrecruiters");
let tmp = "";

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  tmp = await mkdtemp(join(tmpdir(), "hrflow-serve-"));
});
afterAll(async () => {
  await sandbox.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A free loopback port (the service listens on the same one across restarts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

/** A configuration whose one target is the sandbox's SmartRecruiters fake. */
function serviceConfig(
  port: number,
  database: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const { baseUrl, ...options } = vendor.options();
  return {
    listen: { host: "127.0.0.1", port },
    database,
    env: sandbox.hrflowEnv,
    webhook: { secret: "${TEST_WEBHOOK_SECRET}" },
    adminToken: "${TEST_ADMIN_TOKEN}",
    workers: 4,
    jobs: { maxAttempts: 100, leaseMs: 1_500, pollMs: 100, backoffBaseMs: 100, backoffMaxMs: 500 },
    shutdownGraceMs: 5_000,
    targets: {
      sr: {
        connector: "smartrecruiters",
        options,
        credentials: vendor.env(),
        baseUrl,
        allowInsecureCvUrls: true,
        requestAttempts: 2,
      },
    },
    routes: [{ sources: [sandbox.sourceKey], targets: ["sr"] }],
    ...extra,
  };
}

const childEnv = {
  PATH: process.env["PATH"] ?? "",
  TEST_WEBHOOK_SECRET: SECRET,
  TEST_ADMIN_TOKEN: ADMIN,
  // Short claim leases and settle window, so a killed push is taken over quickly in the test.
  HRFLOW_CONNECTORS_LEASE_MS: "1500",
  HRFLOW_CONNECTORS_SETTLE_MS: "500",
  // A sign of life of the service run every 100 ms, abandoned after 3 s without one (defaults 30 s, 3 min).
  HRFLOW_CONNECTORS_RUN_HEARTBEAT_MS: "100",
  HRFLOW_CONNECTORS_RUN_STALE_MS: "3000",
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      collect(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `serve` child; `exited` resolves with its exit code or signal. */
interface ServeChild {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startServe(configFile: string, port: number): Promise<ServeChild> {
  const child = spawn(process.execPath, [MAIN, "serve", "--config", configFile], {
    cwd: tmp,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      collect(output);
      resolve({ code, signal });
    });
  });
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`serve exited early: ${output}`);
    try {
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  }, "the service to be ready");
  return { child, output: () => output, exited };
}

describe("serve --check", () => {
  it("lists every problem of a configuration's shape at once and exits 2", async () => {
    const file = join(tmp, "shape.yaml");
    await writeFile(
      file,
      toYaml({
        listen: { port: "eighty" },
        webhook: { secret: SECRET },
        workers: 0,
        targets: {},
        routes: [],
        surprise: true,
      }),
    );
    const { code, stderr } = await run(["serve", "--config", file, "--check"], tmp);
    expect(code).toBe(2);
    for (const problem of [
      "listen.port",
      "workers",
      "routes: at least one route is needed",
      "unknown setting(s): surprise",
    ])
      expect(stderr).toContain(problem);
  });

  it("lists every problem of its targets, routes and secrets at once and exits 2", async () => {
    const file = join(tmp, "broken.yaml");
    await writeFile(join(tmp, "logic.mjs"), "export const keep = (profile) => profile;\n");
    await writeFile(
      file,
      toYaml({
        env: sandbox.hrflowEnv,
        webhook: { secret: "   " },
        adminToken: "short",
        metricsToken: "short-too",
        targets: {
          a: { connector: "nosuchvendor", options: {} },
          b: { connector: "smartrecruiters", options: { jobId: 12, color: "red" }, credentials: {} },
          c: {
            connector: "taleez",
            options: { recruiterId: 1 },
            credentials: { TALEEZ_API_KEY: "${NOT_SET_ANYWHERE}" },
            logics: ["./logic.mjs#missing"],
          },
        },
        routes: [{ targets: ["a", "zzz"] }],
      }),
    );
    const { code, stderr } = await run(["serve", "--config", file, "--check"], tmp);
    expect(code).toBe(2);
    for (const problem of [
      "webhook.secret: is blank",
      "adminToken: is shorter than 16 characters",
      "metricsToken: is shorter than 16 characters",
      'targets.a.connector: unknown connector "nosuchvendor"',
      "targets.b.options.jobId",
      "SMARTRECRUITERS_TOKEN",
      "${NOT_SET_ANYWHERE}",
      'has no exported function named "missing"',
      'routes[0].targets[1]: no target named "zzz"',
    ])
      expect(stderr).toContain(problem);
  });

  it("refuses a configuration without a webhook secret unless allowUnsigned is explicitly true", async () => {
    const file = join(tmp, "unsigned.yaml");
    const config = serviceConfig(8080, "unsigned.sqlite");
    await writeFile(file, toYaml({ ...config, webhook: {} }));
    const refused = await run(["serve", "--config", file, "--check"], tmp);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("webhook.secret: is required");
    await writeFile(file, toYaml({ ...config, webhook: { allowUnsigned: true } }));
    const allowed = await run(["serve", "--config", file, "--check"], tmp);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("UNSIGNED events accepted");
  });

  it("accepts a valid configuration with a logic module and exits 0 without starting", async () => {
    await writeFile(
      join(tmp, "logics.mjs"),
      "export const onlyWithEmail = (p) => (p.info?.email ? p : null);\n",
    );
    const file = join(tmp, "valid.yaml");
    const config = serviceConfig(8080, "valid.sqlite");
    const targets = config["targets"] as Record<string, Record<string, unknown>>;
    await writeFile(
      file,
      toYaml({ ...config, targets: { sr: { ...targets["sr"], logics: ["./logics.mjs#onlyWithEmail"] } } }),
    );
    const { code, stdout } = await run(["serve", "--config", file, "--check"], tmp);
    expect(code).toBe(0);
    expect(stdout).toContain("Configuration OK: 1 target(s), 1 route(s)");
    expect(existsSync(join(tmp, "valid.sqlite"))).toBe(false);
  });
});

describe("serve as a process", () => {
  it("drains on SIGTERM and exits 0; a restart finishes what was accepted", async () => {
    const port = await freePort();
    const file = join(tmp, "sigterm.yaml");
    await writeFile(file, toYaml(serviceConfig(port, "sigterm.sqlite")));
    const profiles = addProfiles(sandbox, 12, "sigterm");
    const first = await startServe(file, port);
    const signed = signHrflowWebhook(
      profiles.map((p) => profileEvent(sandbox.sourceKey, { key: p.key })),
      SECRET,
    );
    const answer = await fetch(`http://127.0.0.1:${port}/webhooks/hrflow`, {
      method: "POST",
      headers: signed.headers,
      body: signed.body,
    });
    expect(answer.status).toBe(202);
    first.child.kill("SIGTERM");
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');
    const second = await startServe(file, port);
    const store = createSqliteStore(join(tmp, "sigterm.sqlite"));
    try {
      await waitFor(async () => {
        const { counts } = await store.queue.stats(Date.now());
        return counts.completed === profiles.length ? true : undefined;
      }, "every job to complete");
    } finally {
      await store.close();
      second.child.kill("SIGTERM");
      expect((await second.exited).code).toBe(0);
    }
    for (const p of profiles)
      expect(vendor.candidates().filter((c) => c.email?.toLowerCase() === p.email).length).toBe(1);
    expect(first.output() + second.output()).not.toContain(SECRET);
  });

  it("kill -9 at random moments while events arrive and jobs run: every 202 pushed exactly once, nothing refused pushed", async () => {
    const port = await freePort();
    const file = join(tmp, "crash.yaml");
    await writeFile(file, toYaml(serviceConfig(port, "crash.sqlite")));
    const profiles = addProfiles(sandbox, 120, "crash");
    const outcome = new Map<string, "accepted" | "refused" | "unanswered">();
    let next = 0;
    let up = false;
    let sending = true;

    // Senders: each posts one event at a time while the service is up; a few are forged on purpose.
    const sender = async (): Promise<void> => {
      while (sending) {
        if (!up || next >= profiles.length) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        const profile = profiles[next++];
        if (!profile) break;
        const forged = next % 7 === 0;
        const signed = signHrflowWebhook(
          profileEvent(sandbox.sourceKey, { key: profile.key }),
          forged ? "forged-secret-xyz" : SECRET,
        );
        try {
          const response = await fetch(`http://127.0.0.1:${port}/webhooks/hrflow`, {
            method: "POST",
            headers: signed.headers,
            body: signed.body,
          });
          outcome.set(profile.key, response.status === 202 ? "accepted" : "refused");
        } catch {
          outcome.set(profile.key, "unanswered");
        }
      }
    };
    const senders = [sender(), sender()];

    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const serve = await startServe(file, port);
      up = true;
      // Let events arrive and pushes run for a random while, then kill -9 mid-flight.
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.floor(Math.random() * 1_200)));
      up = false;
      serve.child.kill("SIGKILL");
      const exit = await serve.exited;
      expect(exit.signal).toBe("SIGKILL");
    }
    sending = false;
    await Promise.all(senders);

    // A last run finishes everything that was accepted.
    const last = await startServe(file, port);
    const store: Store = createSqliteStore(join(tmp, "crash.sqlite"));
    try {
      // The deadline only guards against a hang (a busy machine pushes slower); it says what was left.
      await waitFor(
        async () => {
          const { counts } = await store.queue.stats(Date.now());
          return counts.queued + counts.active + counts.retry === 0 ? true : undefined;
        },
        "the queue to drain",
        300_000,
      ).catch(async (error: unknown) => {
        const left = await store.queue.list({ states: ["queued", "active", "retry"], limit: 5 });
        const summary = left.map((j) => ({
          state: j.state,
          attempts: j.attempts,
          runInMs: j.runAt - Date.now(),
          lastError: j.lastError,
          history: j.history.slice(-4),
        }));
        throw new Error(
          `${String(error)}; left: ${JSON.stringify(summary)}; log tail: ${last.output().slice(-2000)}`,
        );
      });
      const jobs = await store.queue.list({ limit: 10_000 });
      expect(jobs.filter((j) => j.state !== "completed")).toEqual([]);

      // The killed processes' runs: once without a sign of life for the stale time, the operations API
      // shows them interrupted (ended at their last sign of life); the live process's run is running.
      const killed = (await store.runs.list({ kind: "service" })).slice(1);
      expect(killed).toHaveLength(rounds);
      const lastSeen = Math.max(...killed.map((r) => Date.parse(r.lastSeenAt ?? r.startedAt)));
      while (Date.now() <= lastSeen + 3_000 + 200) await new Promise((resolve) => setTimeout(resolve, 50));
      const admin = { authorization: `Bearer ${ADMIN}` };
      const listed = (await (
        await fetch(`http://127.0.0.1:${port}/admin/runs?kind=service`, { headers: admin })
      ).json()) as { runs: RunRecord[] };
      const [current, ...dead] = listed.runs;
      expect(current?.status).toBe("running");
      expect(dead.map((r) => r.status)).toEqual(killed.map(() => "interrupted"));
      for (const r of dead) {
        expect(r.endedAt).toBe(r.lastSeenAt);
        expect(r.note).toMatch(/^no sign of life since .*: the serve process stopped without shutting down/);
      }
      const shown = (await (
        await fetch(`http://127.0.0.1:${port}/admin/runs/current`, { headers: admin })
      ).json()) as { run: RunRecord };
      expect(shown.run.status).toBe("running");
      expect(shown.run.id).toBe(current?.id);
    } finally {
      await store.close();
      last.child.kill("SIGTERM");
      await last.exited;
    }
    const accepted = [...outcome].filter(([, o]) => o === "accepted").map(([k]) => k);
    const refused = [...outcome].filter(([, o]) => o === "refused").map(([k]) => k);
    expect(accepted.length).toBeGreaterThan(10);
    expect(refused.length).toBeGreaterThan(0);
    const count = (key: string): number => {
      const email = profiles.find((p) => p.key === key)?.email ?? "";
      return vendor.candidates().filter((c) => c.email?.toLowerCase() === email).length;
    };
    const wrong = accepted.filter((k) => count(k) !== 1);
    expect(wrong).toEqual([]);
    expect(refused.filter((k) => count(k) !== 0)).toEqual([]);
    // Sent but never answered (the process died with the request): never pushed twice.
    expect([...outcome].filter(([k, o]) => o === "unanswered" && count(k) > 1)).toEqual([]);
  }, 600_000);
});
