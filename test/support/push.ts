import type { WorkflowResponse } from "../../src/connectors/pipeline.js";
import { capturingLogger, collect, collectError, type CapturingLogger } from "./leaks.js";

/** What a push did: the response or the error, and every log line. */
export interface PushRun {
  response: WorkflowResponse | undefined;
  error: unknown;
  logger: CapturingLogger;
}

/**
 * Runs a push with a capturing logger and feeds the response or the error to the secret-leak harness.
 * Never throws: assert on `response` or `error`.
 */
export async function runPush<O extends { logger?: unknown }>(
  pushProfile: (options: O) => Promise<WorkflowResponse>,
  options: Omit<O, "logger">,
): Promise<PushRun> {
  const logger = capturingLogger();
  try {
    const response = await pushProfile({ ...options, logger } as unknown as O);
    collect(response);
    return { response, error: undefined, logger };
  } catch (error) {
    collectError(error);
    return { response: undefined, error, logger };
  }
}
