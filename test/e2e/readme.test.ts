import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { collect } from "../support/leaks.js";

/**
 * The README's library example runs as printed: it is saved in the clone and run with node against the
 * built package (`import "hrflow-connectors"` resolves to this package from inside it).
 */

const root = fileURLToPath(new URL("../../", import.meta.url));

function readmeExample(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("A library example in 30 seconds"));
  const code = section ? /```js\n([\s\S]*?)```/.exec(section)?.[1] : undefined;
  if (!code) throw new Error("README.md: no ```js block under '## A library example in 30 seconds'");
  return code;
}

describe("README", () => {
  it("the 30-second library example runs as printed", async () => {
    expect(existsSync(join(root, "dist", "index.js")), "run `npm run build` first (npm test does)").toBe(
      true,
    );
    const dir = join(root, ".hrflow-connectors");
    await mkdir(dir, { recursive: true });
    const file = join(dir, `quickstart-${process.pid}.mjs`);
    await writeFile(file, readmeExample());
    try {
      const { code, stdout, stderr } = await new Promise<{
        code: number | null;
        stdout: string;
        stderr: string;
      }>((resolve, reject) => {
        const child = spawn(process.execPath, [file], {
          cwd: root,
          env: { PATH: process.env["PATH"] ?? "" },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
        child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
        child.on("error", reject);
        child.on("close", (exit) => {
          collect(out, err);
          resolve({ code: exit, stdout: out, stderr: err });
        });
      });
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(stdout).toMatch(/^201 created \S+ uploaded CV Amélie Poulain\.pdf\n$/);
    } finally {
      await rm(file, { force: true });
    }
  });
});
