import { afterEach, beforeEach } from "vitest";
import { drainCollected, findLeaks } from "../support/leaks.js";

// Fails any test in which a configured secret appeared in a log line, an error, a response, a plan or a
// report collected through test/support/leaks.ts.
beforeEach(() => {
  drainCollected();
});

afterEach(() => {
  const leaks = findLeaks(drainCollected());
  if (leaks.length > 0) {
    throw new Error(`Secret leak: ${leaks.map((l) => `${l.secret} after "${l.excerpt}"`).join("; ")}`);
  }
});
