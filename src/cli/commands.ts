/**
 * The commands that load the whole library when they run (batch and service), with their one-line
 * descriptions: `--help` lists them from here without loading them.
 */
export const HEAVY_COMMANDS = {
  "push-profiles":
    "push a whole HrFlow source (or part of it) into one or more ATS: streaming, at each vendor's rate limit, with progress, a JSON Lines report and resume",
  runs: "list the batch and service runs recorded in the ledger database, most recent first",
  serve:
    "run the webhook service: receive HrFlow events, push each profile to the configured ATS with durable jobs, retries and a dead-letter queue",
  "send-webhook":
    "send signed HrFlow profile events to a running service, as HrFlow would (for the sandbox and tests)",
  jobs: "the webhook service's jobs: list, show (with the ledger timeline), retry, pause and resume a target, stats",
  dlq: "the webhook service's dead-letter queue: list, re-drive",
} as const;

/** The name of a heavy command. */
export type HeavyCommand = keyof typeof HEAVY_COMMANDS;

/** The description of a heavy command. */
export function describe(name: HeavyCommand): string {
  return HEAVY_COMMANDS[name];
}

/** True when the arguments name a heavy command (then the program loads them before parsing). */
export function needsHeavyCommands(args: readonly string[]): boolean {
  return args.some((arg) => Object.hasOwn(HEAVY_COMMANDS, arg));
}
