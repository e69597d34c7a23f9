import {
  BreezyhrFake,
  createBreezyhrSandbox,
  createFlatchrSandbox,
  createGreenhouseSandbox,
  createSmartRecruitersSandbox,
  createTaleezSandbox,
  FakeHub,
  FlatchrFake,
  generateProfiles,
  GreenhouseFake,
  HrflowFake,
  hrflowKey,
  SmartRecruitersFake,
  TaleezFake,
  type FakeLimitStats,
  type FakeServer,
  type SampleProfile,
  type SandboxVendor,
} from "../../src/testing/index.js";
import { Hrflow } from "../../src/index.js";

/** Options of {@link startBatchSandbox}. */
export interface BatchSandboxOptions {
  /** Generated profiles in the source. */
  count: number;
  /**
   * Every vendor's limit runs this many times faster, in the fakes and (through `withRateScale`) in the
   * client, so a test keeps the vendors' pace in less time. @default 60
   */
  scale?: number;
  /** Latency added to every vendor request. @default 0 */
  latencyMs?: number;
  /** Profiles of the source. @default generateProfiles(count) */
  profiles?: SampleProfile[];
}

/** The fake HrFlow and every vendor fake, each enforcing its vendor's limits (scaled), on one port. */
export interface BatchSandbox {
  hrflow: HrflowFake;
  hrflowClient: Hrflow;
  hrflowEnv: Record<string, string>;
  sourceKey: string;
  profiles: SampleProfile[];
  vendors: SandboxVendor[];
  vendor(connector: string): SandboxVendor;
  scale: number;
  /** What each vendor's fakes saw of the client's pace. */
  stats(connector: string): FakeLimitStats[];
  /** The vendor limits each fake enforces (scaled), for assertions. */
  limits: Record<string, { requests: number; perMs: number; concurrency: number | undefined }>;
  close(): Promise<void>;
}

/** The source key of the generated profiles. */
export const BATCH_SOURCE_KEY = hrflowKey("batch-source");

/** Starts the fakes with the vendors' limits, scaled by `scale`, and `count` generated profiles. */
export async function startBatchSandbox(options: BatchSandboxOptions): Promise<BatchSandbox> {
  const scale = options.scale ?? 60;
  const hub = new FakeHub();
  const hrflow = new HrflowFake();
  hub.mount(hrflow);
  const sr = new SmartRecruitersFake();
  // The fixed per-minute counter Breezy's fake always keeps is lifted: the scaled sliding window applies.
  const breezy = new BreezyhrFake({ requestsPerMinute: 1_000_000 });
  const flatchr = new FlatchrFake();
  // Greenhouse v3 announces its window in headers; the client follows whatever it says.
  const greenhouse = new GreenhouseFake({ v3RateLimit: { limit: 150, windowMs: 1000 } });
  const taleez = new TaleezFake();
  const vendors = [
    createBreezyhrSandbox(breezy),
    createSmartRecruitersSandbox(sr),
    createFlatchrSandbox(flatchr),
    createGreenhouseSandbox(greenhouse),
    createTaleezSandbox(taleez),
  ];
  for (const vendor of vendors) for (const fake of vendor.fakes) hub.mount(fake);
  await hub.listen();
  const limits = {
    smartrecruiters: { requests: 10, perMs: 1000 / scale, concurrency: 8 },
    breezyhr: { requests: 100, perMs: 60_000 / scale, concurrency: undefined },
    flatchr: { requests: 5, perMs: 1000 / scale, concurrency: 4 },
    taleez: { requests: 5, perMs: 1000 / scale, concurrency: 4 },
    greenhouse: { requests: 150, perMs: 1000, concurrency: undefined },
  };
  sr.enforceVendorLimits({ perMs: limits.smartrecruiters.perMs });
  breezy.enforceVendorLimits({ requests: 100, perMs: limits.breezyhr.perMs });
  flatchr.enforceVendorLimits({ perMs: limits.flatchr.perMs });
  taleez.enforceVendorLimits({ perMs: limits.taleez.perMs });
  greenhouse.enforceVendorLimits();
  const latency = options.latencyMs ?? 0;
  for (const vendor of vendors) for (const fake of vendor.fakes) fake.latency(latency);

  const profiles = options.profiles ?? generateProfiles(options.count, { sourceKey: BATCH_SOURCE_KEY });
  for (const sample of profiles) hrflow.addProfile(BATCH_SOURCE_KEY, sample.profile, sample.cv);
  const hrflowClient = new Hrflow({
    apiSecret: hrflow.apiSecret,
    apiUser: hrflow.apiUser,
    baseUrl: hrflow.baseUrl,
  });
  const byName = (connector: string): SandboxVendor => {
    const found = vendors.find((v) => v.connector === connector);
    if (!found) throw new Error(`no vendor ${connector}`);
    return found;
  };
  return {
    hrflow,
    hrflowClient,
    hrflowEnv: {
      HRFLOW_API_SECRET: hrflow.apiSecret,
      HRFLOW_API_USER: hrflow.apiUser,
      HRFLOW_BASE_URL: hrflow.baseUrl,
    },
    sourceKey: BATCH_SOURCE_KEY,
    profiles,
    vendors,
    vendor: byName,
    scale,
    stats: (connector) =>
      byName(connector)
        .fakes.filter((f: FakeServer) => !f.name.includes("auth"))
        .map((f) => f.limitStats()),
    limits,
    close: () => hub.close(),
  };
}
