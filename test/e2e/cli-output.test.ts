import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { z } from "zod";
import { sandboxConfig } from "../../src/cli/sandbox.js";
import { displayWidth } from "../../src/cli/table.js";
import { hrflowKey, startSandbox, type SandboxVendor } from "../../src/testing/index.js";
import { collect } from "../support/leaks.js";

/**
 * What the built CLI prints, as a person or a script reads it: each warning once, one JSON document with
 * `--json` (usage errors included, 201 only for a created candidate), lines that fit 80 columns on a pipe,
 * colour only where the conventions allow it, and a sandbox config file that targets the fakes for every
 * connector. `npm test` builds first.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(root, "dist", "cli", "main.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd,
      env: { PATH: process.env["PATH"] ?? "", ...env },
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

const sandbox = await startSandbox();
let tmp = "";
let configFile = "";

const envFor = (vendor: SandboxVendor, ledger: string): Record<string, string> => ({
  ...sandbox.hrflowEnv,
  ...vendor.env(),
  HRFLOW_CONNECTORS_LEDGER: join(tmp, `${ledger}.sqlite`),
});
const pushArgs = (vendor: SandboxVendor, sample: string, ...extra: string[]): string[] => [
  "push-profile",
  vendor.connector,
  "--source-key",
  sandbox.sourceKey,
  "--profile-key",
  hrflowKey(sample),
  ...vendor.cliFlags(),
  ...extra,
];

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  tmp = await mkdtemp(join(tmpdir(), "hrflow-cli-output-"));
  const { env, options } = sandboxConfig(sandbox);
  configFile = join(tmp, "sandbox.yaml");
  await writeFile(configFile, toYaml({ ...env, options }));
});
afterAll(async () => {
  await sandbox.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("warnings", () => {
  it("prints each warning once, on stdout, and nothing on stderr", async () => {
    // The messy sample: a skill longer than a tag holds, entries Breezy cannot take.
    const vendor = sandbox.vendor("breezyhr");
    const { code, stdout, stderr } = await run(pushArgs(vendor, "messy"), envFor(vendor, "warnings"), tmp);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const warnings = stdout.split("\n").filter((line) => line.startsWith("warning: "));
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(new Set(warnings).size).toBe(warnings.length);
    expect(stdout).toContain("skills[3].name was cut");
  });
});

describe("--json", () => {
  const Response = z.object({
    status_code: z.number(),
    message: z.string(),
    result: z.object({ action: z.string() }),
  });

  it("says 201 for a created candidate and 200 for one left unchanged", async () => {
    const vendor = sandbox.vendor("smartrecruiters");
    const env = envFor(vendor, "json-status");
    const first = Response.parse(
      JSON.parse((await run(pushArgs(vendor, "layla", "--json"), env, tmp)).stdout),
    );
    expect(first).toMatchObject({ status_code: 201, result: { action: "created" } });
    const second = Response.parse(
      JSON.parse((await run(pushArgs(vendor, "layla", "--json"), env, tmp)).stdout),
    );
    expect(second).toMatchObject({
      status_code: 200,
      message: "Profile already up to date",
      result: { action: "unchanged" },
    });
  });

  it.each([
    [["push-profile", "nope", "--json"], "commander.unknownCommand"],
    [["push-profile", "--json"], "commander.help"],
    [["--json", "no-such-command"], "commander.unknownCommand"],
    [["--json", "sandbox", "--port", "99999"], undefined],
  ])("%j prints exactly one JSON document, exit 2", async (args, code) => {
    const { code: exit, stdout, stderr } = await run(args, {}, tmp);
    expect(exit).toBe(2);
    const document = z
      .object({
        error: z.object({ name: z.string(), message: z.string(), code: z.string().optional() }),
        exitCode: z.literal(2),
      })
      .parse(JSON.parse(stdout));
    if (code) expect(document.error.code).toBe(code);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("terminal width and colour", () => {
  it("fits 80 columns on a pipe: result lines, tables, warnings, dry-run bodies, the demo", async () => {
    const vendor = sandbox.vendor("breezyhr");
    for (const args of [
      pushArgs(vendor, "messy", "--dry-run"),
      pushArgs(vendor, "maximilian"),
      ["connectors"],
      ["demo"],
    ]) {
      const { code, stdout } = await run(args, envFor(vendor, "width"), tmp);
      expect(code).toBe(0);
      for (const line of stdout.split("\n")) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
    }
  });

  it("has no colour on a pipe or with NO_COLOR, and colour with FORCE_COLOR", async () => {
    const vendor = sandbox.vendor("taleez");
    const env = envFor(vendor, "colour");
    const plain = await run(pushArgs(vendor, "amelie"), env, tmp);
    expect(plain.stdout).not.toContain("\u001b[");
    const forced = await run(pushArgs(vendor, "amelie"), { ...env, FORCE_COLOR: "1" }, tmp);
    expect(forced.stdout).toContain("\u001b[");
    const none = await run(["connectors"], { NO_COLOR: "1" }, tmp);
    expect(none.stdout).not.toContain("\u001b[");
  });
});

describe("the sandbox's config file", () => {
  it.each(sandbox.vendors.map((v) => v.connector))(
    "%s: --config alone targets the fakes (base URLs and ids come from its options)",
    async (connector) => {
      const { code, stdout, stderr } = await run(
        [
          "push-profile",
          connector,
          "--config",
          configFile,
          "--source-key",
          sandbox.sourceKey,
          "--profile-key",
          hrflowKey("amelie"),
          "--dry-run",
          "--json",
        ],
        { HRFLOW_CONNECTORS_LEDGER: join(tmp, `${connector}-config.sqlite`) },
        tmp,
      );
      expect(code, stderr).toBe(0);
      const planned = z
        .object({ result: z.object({ plannedRequests: z.array(z.object({ url: z.string() })) }) })
        .parse(JSON.parse(stdout)).result.plannedRequests;
      expect(planned.length).toBeGreaterThan(0);
      for (const request of planned) expect(request.url.startsWith(sandbox.url), request.url).toBe(true);
    },
  );
});
