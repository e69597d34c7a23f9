import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { collect } from "../support/leaks.js";

/**
 * The examples in `examples/` run as a user runs them: `node examples/<name>.ts` (Node strips the types),
 * importing `hrflow-connectors` by name, which resolves to this package's built code. `npm run typecheck`
 * checks them with the project's strict settings and `npm run lint` lints them. The README's library example
 * is `examples/quickstart.ts`, word for word.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const examples = join(root, "examples");
// Node 22.13 to 23.5 strip types only with the flag; later versions do it by default.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const stripFlag = major < 23 || (major === 23 && minor < 6) ? ["--experimental-strip-types"] : [];

function runExample(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...stripFlag, join(examples, name)], {
      cwd: root,
      env: { PATH: process.env["PATH"] ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => {
      collect(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

const expected: Record<string, RegExp> = {
  "quickstart.ts": /^201 created \S+ uploaded CV Amélie Poulain\.pdf\n$/,
  "catch-workflow.ts": /^201 Profile successfully pushed\n404 HrflowError\n$/,
  "format-and-logics.ts":
    /^layla: 201 created\nsergio: 200 Profile discarded by logics\ntaro: MappingError: .*nickname.*\n$/,
  "two-ats.ts": /^Greenhouse: 201 created\nBreezy HR: 201 created\n$/,
};

describe("examples", () => {
  it("every example has its expected output here", () => {
    const files = readdirSync(examples).filter((f) => f.endsWith(".ts"));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))("%s runs against the sandbox", async (name) => {
    expect(existsSync(join(root, "dist", "index.js")), "run `npm run build` first (npm test does)").toBe(
      true,
    );
    const { code, stdout, stderr } = await runExample(name);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(expected[name] ?? /^$/);
  });

  it("the README's library example is examples/quickstart.ts, as printed", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = readme.split(/^## /m).find((s) => s.startsWith("A library example in 30 seconds"));
    const code = section ? /```ts\n([\s\S]*?)```/.exec(section)?.[1] : undefined;
    expect(code, "README.md: no ```ts block under '## A library example in 30 seconds'").toBe(
      readFileSync(join(examples, "quickstart.ts"), "utf8"),
    );
  });
});
