import {
  isAmbiguousCreateError,
  isAuthError,
  isBusyError,
  isConfigError,
  isHrflowError,
  isHttpError,
  isMappingError,
  isNetworkError,
  isRateLimitError,
  isResponseTooLargeError,
  isResponseValidationError,
  isTimeoutError,
} from "../core/errors.js"; // light: not the index, which loads every connector

/** The process exit codes of `hrflow-connectors` (also listed in `--help`). */
export const ExitCode = {
  /** Done (created, updated, unchanged, or a dry run). */
  ok: 0,
  /** A bug: an error this tool does not know. */
  unexpected: 1,
  /** Bad input or configuration: an option, a missing credential, a profile that cannot be sent. */
  badInput: 2,
  /** The vendor or HrFlow refused the credentials. */
  authRefused: 3,
  /** The vendor or HrFlow failed, or the push is incomplete (re-running finishes it). */
  remoteFailure: 4,
} as const;

/** One of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The help text that documents the exit codes. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success: created, updated, unchanged, or a dry run
  2  bad input or configuration: an option, a missing credential, a profile
     the vendor cannot take (names the field), a profile HrFlow does not know
  3  authentication refused by the vendor or by HrFlow (names the variables)
  4  remote failure: the vendor or HrFlow failed (HTTP error, network, timeout,
     rate limit), or the push is incomplete (the candidate exists but a step
     such as the CV failed: re-running the same command finishes it)
  1  unexpected error (a bug: please report it with the --verbose output)`;

/** The exit code for an error thrown by a push. */
export function exitCodeOf(error: unknown): ExitCodeValue {
  if (isConfigError(error) || isMappingError(error)) return ExitCode.badInput;
  if (isAuthError(error)) return ExitCode.authRefused;
  if (isHrflowError(error)) {
    if (error.code === 401 || error.code === 403) return ExitCode.authRefused;
    // A wrong --profile-key or --source-key: the input, not HrFlow, is at fault.
    if (error.notFound) return ExitCode.badInput;
    return ExitCode.remoteFailure;
  }
  if (
    isHttpError(error) ||
    isNetworkError(error) ||
    isTimeoutError(error) ||
    isRateLimitError(error) ||
    isResponseValidationError(error) ||
    isResponseTooLargeError(error) ||
    isAmbiguousCreateError(error) ||
    isBusyError(error)
  ) {
    return ExitCode.remoteFailure;
  }
  return ExitCode.unexpected;
}
