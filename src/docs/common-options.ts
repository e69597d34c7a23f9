import { DEFAULT_RETRY, type ConnectorDefinition } from "../index.js";

/**
 * The options every `pushProfile` takes, for the generated docs: the one place their table is written
 * (the TSDoc of `CommonPushOptions` in src/connectors/pipeline.ts says the same for editors).
 */
export interface CommonOptionDoc {
  name: string;
  type: string;
  required: boolean;
  /** Markdown; empty when there is no default worth stating. */
  defaultValue: string;
  description: string;
  /** How the command line sets it (Markdown), or "library only". */
  cli: string;
}

/** The common options, with what depends on the connector filled in. */
export function commonOptions(def: ConnectorDefinition): CommonOptionDoc[] {
  const envNames = def.auth.env.map((v) => `\`${v.name}\``).join(", ");
  return [
    {
      name: "hrflowClient",
      type: "`Hrflow`",
      required: true,
      defaultValue: "",
      description: "HrFlow client used to pull the profile: `new Hrflow({ apiSecret, apiUser })`.",
      cli: "`HRFLOW_API_SECRET`, `HRFLOW_API_USER`, `HRFLOW_BASE_URL` (optional)",
    },
    {
      name: "profile",
      type: "`{ key, source: { key } }` or `{ reference, source: { key } }`",
      required: true,
      defaultValue: "",
      description: "The profile to push, by key or by reference, in its HrFlow source.",
      cli: "`--source-key` with `--profile-key` or `--reference`",
    },
    {
      name: "auth",
      type: def.auth.classes.map((c) => `\`${c}\``).join(" or "),
      required: true,
      defaultValue: "",
      description: `The ${def.displayName} credentials (see Authentication below).`,
      cli: envNames,
    },
    {
      name: "logics",
      type: "`Array<LogicFn | string>`",
      required: false,
      defaultValue: "`[]`",
      description:
        "Filters applied before formatting: a function returns the (possibly changed) profile, or `null`/`undefined` to discard it (nothing is sent); a string is a function name looked up in `localScope`, then `globalScope`.",
      cli: "library only",
    },
    {
      name: "localScope",
      type: "`Record<string, unknown>`",
      required: false,
      defaultValue: "",
      description:
        "Where logic and format names are looked up first (a plain property lookup, never `eval`).",
      cli: "library only",
    },
    {
      name: "globalScope",
      type: "`Record<string, unknown>`",
      required: false,
      defaultValue: "",
      description: "Where logic and format names are looked up after `localScope`.",
      cli: "library only",
    },
    {
      name: "format",
      type: "`FormatFn`",
      required: false,
      defaultValue: "the default mapping",
      description: `Replaces the default mapping (profile to ${def.displayName} payload); its output is validated against the payload schema before anything is sent.`,
      cli: "library only",
    },
    {
      name: "formatFunctionName",
      type: "`string`",
      required: false,
      defaultValue: "",
      description:
        "Name of a format function in `localScope`/`globalScope`; give this or `format`, not both.",
      cli: "library only",
    },
    {
      name: "baseUrl",
      type: "`string`",
      required: false,
      defaultValue: `\`${def.defaultBaseUrl}\``,
      description: `${def.displayName} API base URL (point it at the sandbox or a proxy).`,
      cli: "`--base-url`",
    },
    {
      name: "fetch",
      type: "`typeof fetch`",
      required: false,
      defaultValue: "`globalThis.fetch`",
      description: `Transport for the ${def.displayName} calls.`,
      cli: "library only",
    },
    {
      name: "dryRun",
      type: "`boolean`",
      required: false,
      defaultValue: "`false`",
      description:
        "Build and validate every request, send nothing to the vendor, and return the planned requests (secrets masked) in `result.plannedRequests`.",
      cli: "`--dry-run`",
    },
    {
      name: "logger",
      type: "`Logger`",
      required: false,
      defaultValue: "silent",
      description: "Receives progress, retries and warnings; `getLoggerWithBasicConfig()` gives a ready one.",
      cli: "`--verbose`, `--quiet` (stderr)",
    },
    {
      name: "store",
      type: "`PushStore`",
      required: false,
      defaultValue: "an in-memory ledger shared by the process",
      description:
        "The push ledger: what was created, which steps finished. A re-run resumes from it and never creates a second candidate. `createSqliteStore(path)` keeps it across runs.",
      cli: "`--ledger` (default `./.hrflow-connectors/ledger.sqlite`)",
    },
    {
      name: "clock",
      type: "`Clock`",
      required: false,
      defaultValue: "`systemClock`",
      description: "Time source for waits and dates (tests use a virtual clock).",
      cli: "library only",
    },
    {
      name: "timeoutMs",
      type: "`number`",
      required: false,
      defaultValue: "`30000`",
      description: "Per-attempt timeout of each vendor call, in milliseconds.",
      cli: "library only",
    },
    {
      name: "retry",
      type: "`RetryOverrides`",
      required: false,
      defaultValue: `\`${JSON.stringify(DEFAULT_RETRY).replace(/,/g, ", ").replace(/:/g, ": ")}\``,
      description:
        "Retry policy overrides. 429 and 5xx are retried with backoff and `Retry-After`; a create whose answer was lost is looked up before any retry.",
      cli: "library only",
    },
    {
      name: "allowInsecureCvUrls",
      type: "`boolean`",
      required: false,
      defaultValue: "`false`",
      description:
        "The sandbox's permission: CV downloads over `http://` and from loopback addresses (127/8, `::1`, `::ffff:127.x.y.z`) or `localhost`. Link-local and private ranges stay refused. Never in production.",
      cli: "`--allow-insecure-cv-urls` (implied when `HRFLOW_BASE_URL` is on loopback)",
    },
    {
      name: "maxCvBytes",
      type: "`number`",
      required: false,
      defaultValue: "15 MiB",
      description: "Largest CV accepted, in bytes.",
      cli: "library only",
    },
    {
      name: "cvTimeoutMs",
      type: "`number`",
      required: false,
      defaultValue: "`20000`",
      description: "Time budget of the whole CV download: every redirect, the connection and the body.",
      cli: "library only",
    },
    {
      name: "maxCvRedirects",
      type: "`number`",
      required: false,
      defaultValue: "`3`",
      description: "Redirects the CV download follows at most; each hop is checked like the first URL.",
      cli: "library only",
    },
    {
      name: "cvLookup",
      type: "`(hostname) => Promise<{ address, family? }[]>`",
      required: false,
      defaultValue: "the system resolver",
      description:
        "The resolver of the CV download's connecting agent; every address it answers is checked before the socket opens (public unicast only).",
      cli: "library only",
    },
    {
      name: "cvCa",
      type: "`string | Buffer | (string | Buffer)[]`",
      required: false,
      defaultValue: "Node's bundled CAs",
      description:
        "Certificate authorities trusted for `https://` CV URLs instead of Node's bundled ones (a corporate TLS proxy, a test CA).",
      cli: "library only",
    },
    {
      name: "maxResponseBytes",
      type: "`number`",
      required: false,
      defaultValue: "10 MiB",
      description: `Largest ${def.displayName} API answer read, in bytes; past it the connection is closed and \`ResponseTooLargeError\` names the endpoint.`,
      cli: "library only",
    },
    {
      name: "signal",
      type: "`AbortSignal`",
      required: false,
      defaultValue: "",
      description: "Aborts the push: the request in flight and any retry wait.",
      cli: "library only",
    },
  ];
}
