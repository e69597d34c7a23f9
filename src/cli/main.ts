#!/usr/bin/env node
/**
 * `hrflow-connectors`: the command line. Run `hrflow-connectors --help`.
 */
import { runCli } from "./program.js";

// `hrflow-connectors demo | head`: a closed pipe ends the output quietly, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
