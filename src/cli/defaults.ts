/** Where the CLI keeps its push ledger unless `--ledger` or `HRFLOW_CONNECTORS_LEDGER` says otherwise. */
export const DEFAULT_LEDGER = ".hrflow-connectors/ledger.sqlite";

/** The flags every push command ends with (after the vendor's own), as `[flags, help]`. */
export function trailingPushFlags(displayName: string, defaultBaseUrl: string): [string, string][] {
  return [
    ["--base-url <url>", `${displayName} API base URL (default: ${defaultBaseUrl})`],
    [
      "--dry-run",
      "plan the push from the ledger and print the requests it would send (secrets masked); send nothing",
    ],
    [
      "--read-vendor",
      "with --dry-run: also read the vendor (GET requests only) to plan exactly what a real push would do",
    ],
    [
      "--ledger <path>",
      `push ledger (SQLite) that makes re-runs safe (default: $HRFLOW_CONNECTORS_LEDGER or ./${DEFAULT_LEDGER}; ":memory:" keeps nothing)`,
    ],
    [
      "--allow-insecure-cv-urls",
      "allow CV downloads over http:// and from loopback/private hosts (implied when HRFLOW_BASE_URL is on loopback, as in the sandbox)",
    ],
  ];
}
