import type { VendorAuth } from "../core/auth/base.js";
import type { ConnectorDefinition } from "../connectors/definition.js";
import { connectorDefinitions } from "../connectors/registry.js";
import { Hrflow } from "../hrflow/client.js";
import { FakeHub, type FakeServer } from "./fake-server.js";
import { HrflowFake } from "./hrflow-fake.js";
import { SAMPLE_SOURCE_KEY, sampleProfiles, type SampleProfile } from "./profiles.js";

/** What a vendor fake received, summarised for the demo table. */
export interface SandboxCandidate {
  vendorId: string;
  name: string;
  email: string | undefined;
  /** The CV file the vendor holds, if any. */
  cv: string | undefined;
  /** Counts and notes (experiences, tags, applications, ...). */
  details: string;
}

/**
 * The options that point a push at a vendor's fakes: `baseUrl` always, and the target ids the fake knows
 * (`jobId`, `positionId`, `vacancy`, ...), named as the connector's options.
 */
export type SandboxVendorOptions = { baseUrl: string } & Record<string, unknown>;

/** One vendor in the sandbox: its fakes, credentials and the options that point a push at them. */
export interface SandboxVendor {
  /** Connector machine name. */
  connector: string;
  /** Fakes to mount (mounted at `/<fake.name>`). */
  fakes: FakeServer[];
  /** Environment variables with the sandbox credentials and URLs (for CLI commands). */
  env(): Record<string, string>;
  /** The auth instance for library use. */
  auth(): VendorAuth;
  /** Vendor options (camelCase, including `baseUrl`) that target the fakes. */
  options(): SandboxVendorOptions;
  /** The same options as CLI flags (`--base-url ...`). */
  cliFlags(): string[];
  /** What the fake holds now. */
  candidates(): SandboxCandidate[];
  /** Routes the fault-matrix tests target (on the fake that serves them). */
  faults: {
    /** The request that creates the candidate (the one whose answer can be lost). */
    create: RouteTarget;
    /** The separate CV upload, for vendors that take the CV after the candidate. */
    cvUpload?: RouteTarget;
  };
  /** Makes every token issued so far invalid (vendors whose tokens come from a sign-in). */
  expireTokens?(): void;
  /** Other credentials the fakes accept besides those of `env()` (for the test suite's leak harness). */
  otherSecrets?(): string[];
}

/** A fake and the requests of one route on it. */
export interface RouteTarget {
  fake: FakeServer;
  method: string;
  path: RegExp;
}

/** A running sandbox. */
export interface Sandbox {
  /** The single loopback address every fake is mounted under. */
  url: string;
  hrflow: HrflowFake;
  /** A client for the fake HrFlow. */
  hrflowClient: Hrflow;
  /** Environment variables for HrFlow (`HRFLOW_API_SECRET`, `HRFLOW_API_USER`, `HRFLOW_BASE_URL`). */
  hrflowEnv: Record<string, string>;
  sourceKey: string;
  samples: SampleProfile[];
  vendors: SandboxVendor[];
  /** The vendor of that connector. */
  vendor(connector: string): SandboxVendor;
  close(): Promise<void>;
}

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** Port of the single loopback server. @default 0 (a free port) */
  port?: number;
  /** Profiles to seed. @default sampleProfiles() */
  samples?: SampleProfile[];
  /** The connectors whose fakes to start. @default every registered connector */
  connectors?: readonly ConnectorDefinition[];
}

/** The sandbox entry of every connector that has a fake (each definition says how to load its own). */
export async function sandboxVendors(
  connectors: readonly Pick<ConnectorDefinition, "sandbox">[] = connectorDefinitions(),
): Promise<SandboxVendor[]> {
  return Promise.all(connectors.flatMap((def) => (def.sandbox ? [def.sandbox()] : [])));
}

/**
 * Starts the fake HrFlow and every vendor fake behind one loopback port, seeds the sample profiles, and
 * returns the URLs, credentials and options to push into them. Used by the demo, the CLI's `sandbox`
 * command, the tests, and users' own tests.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const hub = new FakeHub();
  const hrflow = new HrflowFake();
  hub.mount(hrflow);
  const vendors = await sandboxVendors(options.connectors);
  for (const vendor of vendors) for (const fake of vendor.fakes) hub.mount(fake);
  const url = await hub.listen(options.port ?? 0);
  const samples = hrflow.seedSamples(options.samples ?? sampleProfiles());
  const hrflowClient = new Hrflow({
    apiSecret: hrflow.apiSecret,
    apiUser: hrflow.apiUser,
    baseUrl: hrflow.baseUrl,
  });
  return {
    url,
    hrflow,
    hrflowClient,
    hrflowEnv: {
      HRFLOW_API_SECRET: hrflow.apiSecret,
      HRFLOW_API_USER: hrflow.apiUser,
      HRFLOW_BASE_URL: hrflow.baseUrl,
    },
    sourceKey: SAMPLE_SOURCE_KEY,
    samples,
    vendors,
    vendor: (connector) => {
      const found = vendors.find((v) => v.connector === connector);
      if (!found) throw new Error(`No sandbox vendor for ${connector}`);
      return found;
    },
    close: () => hub.close(),
  };
}
