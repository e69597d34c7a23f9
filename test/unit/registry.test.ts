import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildManifest } from "../../src/cli/manifest.js";
import { runCli, type CliRegistry } from "../../src/cli/program.js";
import { connectorDefinitions } from "../../src/connectors/registry.js";
import { createRuntime } from "../../src/core/runtime.js";
import { renderDocs } from "../../src/docs/render.js";
import { hrflowKey } from "../../src/testing/profiles.js";
import { startSandbox, type Sandbox } from "../../src/testing/sandbox.js";
import { knownSecrets, registerSandboxSecrets } from "../support/leaks.js";
import { Toy } from "../support/toy-connector.js";

/**
 * The vendor folder is the unit: a connector registered in ONE line (the array below) appears in the CLI,
 * the docs generator, the sandbox and the leak harness, with nothing else edited.
 */
const registry = [...connectorDefinitions(), Toy.definition];

const cliRegistry: CliRegistry = {
  manifest: buildManifest(registry),
  definitions: () => Promise.resolve(registry),
};

function captureIo(env: Record<string, string> = {}, cwd = process.cwd()) {
  let stdout = "";
  let stderr = "";
  return {
    io: {
      stdout: { write: (t: string) => ((stdout += t), true) },
      stderr: { write: (t: string) => ((stderr += t), true) },
      env,
      cwd,
    },
    out: () => stdout,
    err: () => stderr,
  };
}

let sandbox: Sandbox;
let tmp = "";
beforeAll(async () => {
  sandbox = await startSandbox({ connectors: registry });
  tmp = await mkdtemp(join(tmpdir(), "toy-"));
});
afterAll(async () => {
  await sandbox.close();
  await rm(tmp, { recursive: true, force: true });
});

describe("a connector registered in one line", () => {
  it("appears in the CLI: listed with its options and variables, with its own push command and flags", async () => {
    const listing = captureIo();
    expect(await runCli(["connectors", "--json"], listing.io, cliRegistry)).toBe(0);
    const toy = (JSON.parse(listing.out()) as { connectors: { name: string }[] }).connectors.find(
      (c) => c.name === "toy",
    );
    expect(JSON.stringify(toy)).toContain("boardId");
    expect(JSON.stringify(toy)).toContain("TOY_API_KEY");

    const help = captureIo();
    expect(await runCli(["push-profile", "toy", "--help"], help.io, cliRegistry)).toBe(0);
    expect(help.out()).toContain("--board-id <value>");
  });

  it("pushes through the CLI into its fake, with its flags and its credentials from the environment", async () => {
    const vendor = sandbox.vendor("toy");
    const env = {
      ...sandbox.hrflowEnv,
      ...vendor.env(),
      HRFLOW_CONNECTORS_LEDGER: join(tmp, "ledger.sqlite"),
    };
    const args = [
      "push-profile",
      "toy",
      "--source-key",
      sandbox.sourceKey,
      "--profile-key",
      hrflowKey("amelie"),
      ...vendor.cliFlags(),
      "--json",
    ];
    const first = captureIo(env, tmp);
    expect(await runCli(args, first.io, cliRegistry), first.err()).toBe(0);
    expect(JSON.parse(first.out())).toMatchObject({ status_code: 201, result: { action: "created" } });
    const second = captureIo(env, tmp);
    expect(await runCli(args, second.io, cliRegistry), second.err()).toBe(0);
    expect(JSON.parse(second.out())).toMatchObject({ result: { action: "unchanged" } });
    expect(vendor.candidates()).toHaveLength(1);
    expect(first.out() + second.out()).not.toContain(vendor.env()["TOY_API_KEY"]);
  });

  it("appears in the docs generator: its page, the index and the README table", async () => {
    const readme = await readFile(join(process.cwd(), "README.md"), "utf8");
    const files = renderDocs(registry, readme);
    expect(files.get("docs/connectors/toy/push_profile.md")).toContain("Toy ATS");
    expect(files.get("docs/connectors/toy/push_profile.md")).toContain("boardId");
    expect(files.get("docs/connectors/README.md")).toContain("toy/push_profile.md");
    expect(files.get("README.md")).toContain("`Toy.pushProfile`");
  });

  it("appears in the sandbox, and a push through the library reaches its fake", async () => {
    const vendor = sandbox.vendor("toy");
    const runtime = createRuntime();
    try {
      const response = await Toy.pushProfile({
        hrflowClient: sandbox.hrflowClient,
        auth: vendor.auth(),
        profile: { key: hrflowKey("taro"), source: { key: sandbox.sourceKey } },
        runtime,
        boardId: "b-2",
        baseUrl: vendor.options().baseUrl,
      });
      expect(response.result?.action).toBe("created");
      expect(vendor.candidates().some((c) => c.details === "board b-2")).toBe(true);
    } finally {
      await runtime.close();
    }
  });

  it("appears in the leak harness: its sandbox secret is learnt from the registry", async () => {
    expect(knownSecrets()).not.toContain("toy-key-sbx-51c7a2");
    await registerSandboxSecrets([Toy.definition]);
    expect(knownSecrets()).toContain("toy-key-sbx-51c7a2");
  });
});
