import { afterEach, beforeEach } from "vitest";
import { connectorDefinitions } from "../../src/connectors/registry.js";
import { collect, drainCollected, findLeaks, registerSandboxSecrets } from "../support/leaks.js";

// The sandbox secrets of every registered connector (derived from the registry, not listed by hand).
await registerSandboxSecrets(connectorDefinitions());

// Fails any test in which a configured secret appeared in a log line, an error, a response, a plan, a
// report or CLI output collected through test/support/leaks.ts, or in anything written to this worker's
// stdout/stderr (getLoggerWithBasicConfig writes there).
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = (...args: unknown[]): boolean => {
    const [chunk] = args;
    if (typeof chunk === "string" || chunk instanceof Uint8Array)
      collect(Buffer.from(chunk).toString("utf8"));
    return write(...args);
  };
}

beforeEach(() => {
  drainCollected();
});

afterEach(() => {
  const leaks = findLeaks(drainCollected());
  if (leaks.length > 0) {
    throw new Error(`Secret leak: ${leaks.map((l) => `${l.secret} after "${l.excerpt}"`).join("; ")}`);
  }
});
