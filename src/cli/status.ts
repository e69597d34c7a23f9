import { Writable } from "node:stream";
import type { Spinner } from "yocto-spinner";
import type { LogFields } from "../core/logger.js";

/**
 * A one-line status on a terminal that says what the command is waiting for ("waiting 9 s for
 * SmartRecruiters' rate limit", "pulling profile K from HrFlow", "SmartRecruiters: upload resume"). It shows
 * only on an interactive stderr, never with `--json` or `--quiet`, and never on a pipe or in CI: there it
 * is a no-op. Lines printed while it shows go above it. Every command (and the coming batch command, with
 * `progress`) uses the same interface.
 */
export interface StatusLine {
  /** Shows `text` (starts the spinner on first use). */
  set(text: string): void;
  /** `[done/total] text`: a progress line for commands that push several profiles. */
  progress(done: number, total: number, text: string): void;
  /** Removes the line; the next `set` shows it again. */
  clear(): void;
}

/** The status line that shows nothing (pipes, `--json`, `--quiet`, tests). */
export const silentStatus: StatusLine = Object.freeze({
  set: () => undefined,
  progress: () => undefined,
  clear: () => undefined,
});

/**
 * The status line of a stream: a spinner (yocto-spinner, loaded on first use so that commands that show
 * nothing never load it) when the stream is an interactive terminal, else {@link silentStatus}. `clear()`
 * stops it; the process's entry point clears it before exiting.
 */
export function createStatusLine(stream: unknown): StatusLine {
  if (!(stream instanceof Writable) || !("isTTY" in stream) || stream.isTTY !== true) return silentStatus;
  let spinner: Spinner | undefined;
  let loading: Promise<void> | undefined;
  let wanted: string | undefined;
  const show = (): void => {
    if (!spinner) return;
    if (wanted === undefined) spinner.stop();
    else if (spinner.isSpinning) spinner.text = wanted;
    else spinner.start(wanted);
  };
  return {
    set(text) {
      wanted = text;
      if (spinner) show();
      else
        loading ??= import("yocto-spinner").then(({ default: createSpinner }) => {
          // The commands handle Ctrl-C themselves (the sandbox stops on it): the spinner must not exit.
          spinner = createSpinner({ stream, handleSignals: false });
          show();
        });
    },
    progress(done, total, text) {
      this.set(`[${done}/${total}] ${text}`);
    },
    clear() {
      wanted = undefined;
      show();
    },
  };
}

/** `SmartRecruiters'`, `Taleez'`, `Breezy HR's`. */
const possessive = (name: string): string => (name.endsWith("s") ? `${name}'` : `${name}'s`);
const seconds = (ms: number): string => `${Math.max(1, Math.round(ms / 1000))} s`;
const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const count = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

/**
 * What a log line says the library is waiting for, as a status text, from the structured `event` field
 * the library sets (see `LogEvent` in `core/logger.ts`); undefined for any other line.
 */
export function statusOf(message: string, fields: LogFields | undefined): string | undefined {
  const vendor = text(fields?.["vendor"]) ?? text(fields?.["connector"]) ?? "the vendor";
  const operation = text(fields?.["operation"]);
  const waitMs = count(fields?.["waitMs"]);
  switch (fields?.["event"]) {
    case "pull":
      return "pulling the profile from HrFlow";
    case "cv-download":
      return "downloading the CV";
    case "request":
      return `${vendor}: ${operation ?? message}`;
    case "rate-limit-wait":
      return waitMs === undefined
        ? `waiting for ${possessive(vendor)} rate limit${operation ? ` (${operation})` : ""}`
        : `waiting ${seconds(waitMs)} for ${possessive(vendor)} rate limit${operation ? ` (${operation})` : ""}`;
    case "retry-wait":
      // A 429 is the vendor's rate limit speaking: the wait is for it, not for a failure.
      return fields["outcome"] === 429
        ? `waiting ${seconds(waitMs ?? 0)} for ${possessive(vendor)} rate limit${operation ? ` (${operation})` : ""}`
        : `${vendor}: ${operation ?? "request"} failed; retrying in ${seconds(waitMs ?? 0)}`;
    default:
      return undefined;
  }
}
