#!/usr/bin/env node
/**
 * `hrflow-connectors`: the command line. Run `hrflow-connectors --help`.
 */
import { runCli } from "./program.js";
import { createStatusLine } from "./status.js";

// `hrflow-connectors demo | head`: a closed pipe ends the output quietly, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// One status line for the process (a spinner on an interactive stderr only), cleared before exiting.
const status = createStatusLine(process.stderr);
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    status,
  });
} finally {
  status.clear();
}
