import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { collect } from "./leaks.js";

/** The built command line, as `npx hrflow-connectors` runs it (`npm test` builds first). */
export const CLI_MAIN = join(fileURLToPath(new URL("../../", import.meta.url)), "dist", "cli", "main.js");

/** Fails early with a clear message when the CLI was not built. */
export function assertBuilt(): void {
  if (!existsSync(CLI_MAIN))
    throw new Error(`${CLI_MAIN} is missing: run \`npm run build\` first (npm test does)`);
}

/** How a CLI process ended. `signal` is set when it was killed (e.g. SIGKILL). */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process under way. */
export interface CliProcess {
  child: ChildProcess;
  done: Promise<CliRun>;
}

/** Starts the CLI with only these environment variables (plus PATH); its output goes to the leak harness. */
export function startCli(args: readonly string[], env: Record<string, string>, cwd: string): CliProcess {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      collect(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Runs the CLI to its end. */
export function runCli(args: readonly string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  return startCli(args, env, cwd).done;
}

/** Resolves once `check` is true, polling every 10 ms (up to `timeoutMs`, then rejects). */
export async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("waited too long");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
