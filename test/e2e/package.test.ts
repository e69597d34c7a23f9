import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The package as a user gets it: `npm pack` in a copy of the project (its `prepack` builds `dist/`, as in a
 * fresh clone), the tarball installed into an empty folder, then used the four ways a user does: an ES
 * module import, a CommonJS `require`, a strict TypeScript file type-checked against it with only
 * `typescript` and `@types/node` at hand, and its command line.
 */

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
// The project's own TypeScript compiler and Node types, as a user would install them (nothing else).
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const nodeTypes = join(root, "node_modules", "@types", "node");

let work = "";
let app = "";
let tarball = "";

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "hrflow-package-"));
  // A copy of what a clone holds (without dist/), sharing the installed node_modules for the build.
  const project = join(work, "project");
  await mkdir(project);
  for (const entry of [
    "src",
    "scripts",
    "docs",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "tsconfig.build.json",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
  ])
    await cp(join(root, entry), join(project, entry), { recursive: true });
  await symlink(join(root, "node_modules"), join(project, "node_modules"), "dir");
  const packed = await exec(npm, ["pack", "--silent", "--pack-destination", work], { cwd: project });
  tarball = join(work, packed.stdout.trim().split("\n").pop() ?? "");

  // An empty project that installs the tarball (dependencies from the registry or npm's cache).
  app = join(work, "app");
  await mkdir(app);
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
  await exec(npm, ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: app,
  });
  // @types/node: the user's own (the package's @types/pg may have brought one already).
  const types = join(app, "node_modules", "@types");
  await mkdir(types, { recursive: true });
  if (!existsSync(join(types, "node"))) await symlink(nodeTypes, join(types, "node"), "dir");
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("ships the built code, its declarations, the LICENSE and docs; no sources, tests or source maps", async () => {
    const { stdout } = await exec("tar", ["tzf", tarball]);
    const files = stdout.trim().split("\n");
    for (const file of [
      "package/LICENSE",
      "package/README.md",
      "package/CHANGELOG.md",
      "package/dist/index.js",
      "package/dist/index.d.ts",
      "package/dist/testing/index.js",
      "package/dist/cli/main.js",
      "package/docs/vendor-notes.md",
    ])
      expect(files).toContain(file);
    expect(files.filter((f) => /^package\/(src|test|bench|scripts|examples)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".map") || f.includes("/dist/docs/"))).toEqual([]);
    const installed = await readdir(join(app, "node_modules", "hrflow-connectors", "dist"));
    expect(installed).toContain("index.js");
  });

  it("imports from an ES module", async () => {
    const { stdout, stderr } = await exec(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { SmartRecruiters, Hrflow, VERSION } from "hrflow-connectors";
         import { startSandbox } from "hrflow-connectors/testing";
         const sandbox = await startSandbox({ samples: [] });
         await sandbox.close();
         console.log(typeof SmartRecruiters.pushProfile, typeof Hrflow, VERSION);`,
      ],
      { cwd: app },
    );
    expect(stdout.trim()).toMatch(/^function function \d+\.\d+\.\d+/);
    expect(stderr).toBe("");
  });

  it("requires from CommonJS (require of an ES module, Node 22.12+), without a warning", async () => {
    const { stdout, stderr } = await exec(
      process.execPath,
      [
        "-e",
        `const { Greenhouse, isConfigError } = require("hrflow-connectors");
         const testing = require("hrflow-connectors/testing");
         console.log(typeof Greenhouse.pushProfile, typeof isConfigError, typeof testing.startSandbox);`,
      ],
      { cwd: app },
    );
    expect(stdout.trim()).toBe("function function function");
    expect(stderr).toBe("");
  });

  it("type-checks a strict TypeScript file with only typescript and @types/node installed", async () => {
    await writeFile(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          // The package's own declarations and everything they import are checked too.
          skipLibCheck: false,
          noEmit: true,
          types: ["node"],
        },
        files: ["check.mts"],
      }),
    );
    await writeFile(
      join(app, "check.mts"),
      `import { Hrflow, SmartRecruiters, XSmartTokenAuth, isConnectorsError, type WorkflowResponse } from "hrflow-connectors";
import { startSandbox, type SandboxVendorOptions } from "hrflow-connectors/testing";

const sandbox = await startSandbox();
const options: SandboxVendorOptions = sandbox.vendor("smartrecruiters").options();
const baseUrl: string = options.baseUrl;
try {
  const response: WorkflowResponse = await SmartRecruiters.pushProfile({
    hrflowClient: new Hrflow({ apiSecret: "secret", apiUser: "me@example.com", baseUrl: sandbox.url }),
    auth: new XSmartTokenAuth({ value: "token" }),
    profile: { key: "k", source: { key: "s" } },
    jobId: "job",
    baseUrl,
    dryRun: true,
  });
  const action: "created" | "updated" | "unchanged" | "partial" | undefined = response.result?.action;
  console.log(action);
} catch (error) {
  if (isConnectorsError(error)) console.error(error.name);
} finally {
  await sandbox.close();
}
`,
    );
    const result = await exec(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: app }).catch(
      (error: unknown) => error as { stdout: string; stderr: string; code: number },
    );
    expect(result.stdout, result.stdout).toBe("");
  });

  it("runs its command line", async () => {
    const bin = join(app, "node_modules", ".bin", "hrflow-connectors");
    const { stdout } = await exec(bin, ["--help"], { cwd: app });
    expect(stdout).toContain("push-profile");
    const listed = await exec(bin, ["connectors", "--json"], { cwd: app });
    expect(JSON.parse(listed.stdout)).toHaveProperty("connectors");
  });
});
