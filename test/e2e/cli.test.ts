import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { connectorDefinitions, type ConnectorDefinition } from "../../src/index.js";
import { hrflowKey, startSandbox, type SandboxVendor } from "../../src/testing/index.js";
import { assertBuilt, CLI_MAIN as MAIN, runCli, type CliRun as Run } from "../support/cli.js";
import { collect, registerSecret } from "../support/leaks.js";

/**
 * End-to-end tests of the built command line (`node dist/cli/main.js`, as `npx hrflow-connectors` runs it)
 * against the sandbox started in this process. `npm test` builds first.
 */

const run = runCli;

const ResponseSchema = z.object({
  status_code: z.number(),
  message: z.string(),
  result: z.object({
    connector: z.string(),
    action: z.enum(["created", "updated", "unchanged", "partial"]),
    vendorId: z.string().optional(),
    steps: z.array(z.object({ step: z.string(), status: z.string() })),
    plannedRequests: z.array(z.object({ method: z.string(), url: z.string() })).optional(),
  }),
});
const ErrorSchema = z.object({
  error: z.object({ name: z.string(), message: z.string(), field: z.string().optional() }),
  exitCode: z.number(),
});

const defs = connectorDefinitions();
const sandbox = await startSandbox();
const vendorNames = sandbox.vendors.map((v) => v.connector);
let tmp = "";

function defOf(vendor: SandboxVendor): ConnectorDefinition {
  const def = defs.find((d) => d.name === vendor.connector);
  if (!def) throw new Error(`no connector ${vendor.connector}`);
  return def;
}

/** The environment of a push into this vendor of the sandbox, with its own ledger. */
function envFor(vendor: SandboxVendor, ledger: string): Record<string, string> {
  return { ...sandbox.hrflowEnv, ...vendor.env(), HRFLOW_CONNECTORS_LEDGER: join(tmp, `${ledger}.sqlite`) };
}

function pushArgs(vendor: SandboxVendor, sample: string, ...extra: string[]): string[] {
  return [
    "push-profile",
    vendor.connector,
    "--source-key",
    sandbox.sourceKey,
    "--profile-key",
    hrflowKey(sample),
    ...vendor.cliFlags(),
    ...extra,
  ];
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), "hrflow-cli-"));
});
afterAll(async () => {
  await sandbox.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("hrflow-connectors --help and connectors", () => {
  it("documents the commands, credentials, ledger and exit codes", async () => {
    const { code, stdout } = await run(["--help"], {}, tmp);
    expect(code).toBe(0);
    for (const text of ["push-profile", "connectors", "sandbox", "demo", "HRFLOW_API_SECRET", "--config"])
      expect(stdout).toContain(text);
    expect(stdout).toContain(".hrflow-connectors/ledger.sqlite");
    expect(stdout).toMatch(/^ {2}2 {2}bad input/m);
    expect(stdout).toMatch(/^ {2}3 {2}authentication refused/m);
    expect(stdout).toMatch(/^ {2}4 {2}remote failure/m);
  });

  it("lists every connector with its options and environment variables (--json)", async () => {
    const { code, stdout } = await run(["connectors", "--json"], {}, tmp);
    expect(code).toBe(0);
    const listing = z
      .object({
        connectors: z.array(
          z.object({
            name: z.string(),
            options: z.array(z.object({ flag: z.string(), required: z.boolean() })),
            environment: z.array(z.object({ name: z.string() })),
          }),
        ),
      })
      .parse(JSON.parse(stdout));
    expect(listing.connectors.map((c) => c.name)).toEqual(defs.map((d) => d.name));
    for (const def of defs) {
      const entry = listing.connectors.find((c) => c.name === def.name);
      expect(entry?.environment.map((e) => e.name)).toEqual(def.auth.env.map((e) => e.name));
      expect(entry?.options.length).toBe(Object.keys(def.optionsSchema.shape).length);
    }
  });
});

describe.each(vendorNames)("push-profile %s against the sandbox", (name) => {
  const vendor = sandbox.vendor(name);

  it("pushes a profile, then a second run (--json) recognises it instead of creating it again", async () => {
    const env = envFor(vendor, `${name}-push`);
    const first = await run(pushArgs(vendor, "amelie"), env, tmp);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/created/);
    expect(first.stdout).not.toMatch(/\n\s+at /);
    const received = vendor.candidates().filter((c) => c.name.includes("Amélie"));
    expect(received).toHaveLength(1);

    const second = await run(pushArgs(vendor, "amelie", "--json"), env, tmp);
    expect(second.code).toBe(0);
    const response = ResponseSchema.parse(JSON.parse(second.stdout));
    expect(response.result.connector).toBe(name);
    expect(["unchanged", "updated"]).toContain(response.result.action);
    if (response.result.vendorId) expect(response.result.vendorId).toBe(received[0]?.vendorId);
    expect(vendor.candidates().filter((c) => c.name.includes("Amélie"))).toHaveLength(1);
  });

  it("--dry-run prints the requests and sends nothing to the vendor", async () => {
    for (const fake of vendor.fakes) fake.clearFaults();
    const before = vendor.candidates().length;
    const { code, stdout } = await run(
      pushArgs(vendor, "taro", "--dry-run"),
      envFor(vendor, `${name}-dry`),
      tmp,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Dry run for .* nothing was sent/m);
    expect(stdout).toMatch(/^ {3}(POST|PUT) http:\/\/127\.0\.0\.1/m);
    for (const fake of vendor.fakes) expect(fake.requests, `${fake.name} received a request`).toEqual([]);
    expect(vendor.candidates()).toHaveLength(before);

    const json = await run(
      pushArgs(vendor, "taro", "--dry-run", "--json"),
      envFor(vendor, `${name}-dry`),
      tmp,
    );
    expect(json.code).toBe(0);
    const planned = ResponseSchema.parse(JSON.parse(json.stdout)).result.plannedRequests ?? [];
    expect(planned.length).toBeGreaterThan(0);
    for (const fake of vendor.fakes) expect(fake.requests).toEqual([]);
  });

  it("a profile without email either pushes or is refused with exit 2 naming the field (--json parses)", async () => {
    const { code, stdout, stderr } = await run(
      pushArgs(vendor, "sergio", "--json"),
      envFor(vendor, `${name}-sergio`),
      tmp,
    );
    const parsed: unknown = JSON.parse(stdout);
    if (code === 0) {
      expect(ResponseSchema.parse(parsed).status_code).toBe(201);
    } else {
      expect(code).toBe(2);
      const { error, exitCode } = ErrorSchema.parse(parsed);
      expect(exitCode).toBe(2);
      expect(error.name).toBe("MappingError");
      expect(error.field).toBeTruthy();
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toContain(error.field ?? "");
    }
  });

  it("refused credentials exit 3 with one line naming the variable to check", async () => {
    const def = defOf(vendor);
    const env = envFor(vendor, `${name}-auth`);
    const secretNames = def.auth.env.filter((v) => v.secret && env[v.name] !== undefined).map((v) => v.name);
    expect(secretNames.length).toBeGreaterThan(0);
    for (const variable of secretNames) {
      const wrong = `wrong-${variable.toLowerCase()}-value`;
      registerSecret(wrong);
      env[variable] = wrong;
    }
    const { code, stdout, stderr } = await run(pushArgs(vendor, "maximilian"), env, tmp);
    expect(code).toBe(3);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(secretNames.some((v) => lines[0]?.includes(v))).toBe(true);
  });

  it("bad options exit 2 and list every problem at once", async () => {
    const def = defOf(vendor);
    const required = Object.entries(def.optionsSchema.shape)
      .filter(([, schema]) => !z.safeParse(schema, undefined).success)
      .map(([key]) => `--${key.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`);
    const requiredEnv = def.auth.env.filter((v) => v.required).map((v) => v.name);
    const { code, stdout, stderr } = await run(
      [
        "push-profile",
        name,
        "--source-key",
        sandbox.sourceKey,
        "--bogus-flag",
        "1",
        "--base-url",
        "not-a-url",
      ],
      { ...sandbox.hrflowEnv, HRFLOW_CONNECTORS_LEDGER: join(tmp, `${name}-bad.sqlite`) },
      tmp,
    );
    expect(code).toBe(2);
    expect(stdout).toBe("");
    for (const problem of ["--bogus-flag", "--base-url", "--profile-key", ...required, ...requiredEnv])
      expect(stderr, `${problem} not reported`).toContain(problem);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe("push-profile: what is left to do and configuration files", () => {
  const withCvUpload = sandbox.vendors.filter((v) => v.faults.cvUpload);

  it.each(withCvUpload.map((v) => v.connector))(
    "%s: a failed CV upload exits 4 saying a re-run finishes it; the re-run does, without a duplicate",
    async (name) => {
      const vendor = sandbox.vendor(name);
      const target = vendor.faults.cvUpload;
      if (!target) throw new Error("no CV upload target");
      const env = envFor(vendor, `${name}-partial`);
      target.fake.fail({
        method: target.method,
        path: target.path,
        status: 422,
        body: { message: "bad file" },
      });
      const first = await run(pushArgs(vendor, "layla"), env, tmp);
      target.fake.clearFaults();
      expect(first.code).toBe(4);
      expect(first.stderr).toMatch(/re-run/);
      expect(vendor.candidates().filter((c) => c.name === "ليلى حداد")).toHaveLength(1);

      const second = await run(pushArgs(vendor, "layla"), env, tmp);
      expect(second.code).toBe(0);
      const layla = vendor.candidates().filter((c) => c.name === "ليلى حداد");
      expect(layla).toHaveLength(1);
      expect(layla[0]?.cv).toBeTruthy();
    },
  );

  it("replay lists what the ledger says is unfinished and finishes it, with no duplicate", async () => {
    const [vendor] = withCvUpload;
    if (!vendor) throw new Error("no vendor with a CV upload");
    const target = vendor.faults.cvUpload;
    if (!target) throw new Error("no CV upload target");
    const env = envFor(vendor, "replay");
    target.fake.fail({
      method: target.method,
      path: target.path,
      status: 503,
      times: 10,
      body: { message: "down" },
    });
    expect((await run(pushArgs(vendor, "taro"), env, tmp)).code).toBe(4);
    target.fake.clearFaults();

    const listed = await run(["replay", "--list", "--json"], env, tmp);
    expect(listed.code).toBe(0);
    const Row = z.object({
      connector: z.string(),
      profileKey: z.string(),
      outcome: z.string(),
      target: z.object({
        baseUrl: z.string(),
        account: z.string(),
        options: z.record(z.string(), z.unknown()),
      }),
    });
    const pending = z
      .object({ replayable: z.array(Row), needsFix: z.array(Row) })
      .parse(JSON.parse(listed.stdout));
    expect(pending.replayable.map((r) => [r.connector, r.profileKey, r.outcome])).toEqual([
      [vendor.connector, hrflowKey("taro"), "partial"],
    ]);
    // Which target each one is for: the base URL and the options it was pushed with, never a secret.
    expect(pending.replayable[0]?.target.baseUrl).toBe(vendor.options().baseUrl);
    expect(pending.needsFix).toEqual([]);

    const replayed = await run(["replay"], env, tmp);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain("replayed 1: 1 finished, 0 still unfinished");
    expect(vendor.candidates().filter((c) => c.name.includes("田中"))).toHaveLength(1);
    expect(vendor.candidates().find((c) => c.name.includes("田中"))?.cv).toBeTruthy();

    const after = await run(["replay", "--list"], env, tmp);
    expect(after.stdout).toContain("0 push(es) to finish");
  });

  it("reads credentials from a --config file whose values refer to the environment", async () => {
    const [vendor] = sandbox.vendors;
    if (!vendor) throw new Error("empty sandbox");
    const credentials = { ...sandbox.hrflowEnv, ...vendor.env() };
    const file = join(tmp, "config.yaml");
    await writeFile(
      file,
      Object.keys(credentials)
        .map((key) => `${key}: \${VAULT_${key}}`)
        .join("\n"),
    );
    const fromVault = Object.fromEntries(Object.entries(credentials).map(([k, v]) => [`VAULT_${k}`, v]));
    const ok = await run(["--config", file, ...pushArgs(vendor, "amelie", "--dry-run")], fromVault, tmp);
    expect(ok.code).toBe(0);

    const missing = await run(["--config", file, ...pushArgs(vendor, "amelie", "--dry-run")], {}, tmp);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("${VAULT_HRFLOW_API_SECRET}");

    // A file that does not parse is reported by position, never quoted (it may hold secrets).
    const broken = join(tmp, "broken.yaml");
    registerSecret("secret-in-a-broken-config-file");
    await writeFile(broken, "HRFLOW_API_SECRET: secret-in-a-broken-config-file\nOTHER: [1,\n");
    const unreadable = await run(["--config", broken, ...pushArgs(vendor, "amelie")], {}, tmp);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/is not valid JSON or YAML at line \d+, column \d+/);
  });
});

describe("demo", () => {
  it(
    "pushes every sample through every connector twice, with no duplicate, and says so",
    { timeout: 120_000 },
    async () => {
      const { code, stdout, stderr } = await run(["demo"], {}, tmp);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(stdout).toContain("Summary");
      expect(stdout).not.toContain("PROBLEM");
      for (const def of defs) {
        expect(stdout).toContain(`== ${def.displayName} (${def.name}) ==`);
        expect(stdout).toMatch(
          new RegExp(`What ${def.displayName} holds: [1-9]\\d* candidate\\(s\\), 0 duplicate\\(s\\)`),
        );
      }
      expect(defs).toHaveLength(5);
      expect(stdout).toMatch(/All 5 connectors behaved as expected/);
    },
  );
});

describe("sandbox", () => {
  it(
    "prints commands that work as pasted, and what the fakes received on Ctrl-C",
    { timeout: 120_000 },
    async () => {
      const cwd = await mkdtemp(join(tmpdir(), "hrflow-sandbox-"));
      const child: ChildProcess = spawn(process.execPath, [MAIN, "sandbox", "--port", "0"], {
        cwd,
        env: { PATH: process.env["PATH"] ?? "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout?.on("data", () => {
            if (stdout.includes("--profile-key from the table above")) resolve();
          });
          child.on("close", () => {
            reject(new Error(`sandbox exited: ${stderr}`));
          });
        });
        const commands = stdout
          .split("\n")
          .filter((line) => line.includes(" push-profile "))
          .map((line) => line.trim());
        expect(commands).toHaveLength(defs.length);
        for (const command of commands) {
          const pasted = await new Promise<Run>((resolve, reject) => {
            const shell = spawn("sh", ["-c", command], {
              cwd,
              env: { PATH: process.env["PATH"] ?? "" },
              stdio: ["ignore", "pipe", "pipe"],
            });
            let out = "";
            let err = "";
            shell.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
            shell.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
            shell.on("error", reject);
            shell.on("close", (code) => {
              collect(out, err);
              resolve({ code, signal: null, stdout: out, stderr: err });
            });
          });
          expect(pasted.code, `${command}\n${pasted.stderr}`).toBe(0);
          expect(pasted.stdout).toMatch(/created/);
        }
      } finally {
        child.kill("SIGINT");
        const code = await exited;
        collect(stdout, stderr);
        await rm(cwd, { recursive: true, force: true });
        expect(code).toBe(0);
      }
      expect(stdout).toContain("What the fake ATS received");
      expect(stdout).toMatch(/Amélie Poulain-Dupré/);
    },
  );
});
