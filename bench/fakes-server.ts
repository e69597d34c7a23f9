/**
 * The fakes of the batch benchmark, in a process of their own (as a vendor is): the fake HrFlow with
 * BENCH_COUNT generated profiles and every vendor fake, on one loopback port, each enforcing its vendor's
 * limits (BENCH_LIMITS=on; Breezy's minute window 10 times shorter and Greenhouse's 30 s window 3 times
 * shorter, so that a run spans many windows in little time) with BENCH_LATENCY_MS added to every vendor
 * request. Prints one JSON line (URLs, credentials, options), then
 * serves until killed. `GET /control/stats` answers what each fake saw.
 */
import {
  BreezyhrFake,
  createBreezyhrSandbox,
  createFlatchrSandbox,
  createGreenhouseSandbox,
  createSmartRecruitersSandbox,
  createTaleezSandbox,
  FakeHub,
  FakeServer,
  FlatchrFake,
  generateProfiles,
  GreenhouseFake,
  HrflowFake,
  hrflowKey,
  SmartRecruitersFake,
  TaleezFake,
} from "../src/testing/index.js";

const count = Number(process.env["BENCH_COUNT"] ?? "100");
const latencyMs = Number(process.env["BENCH_LATENCY_MS"] ?? "25");
const limits = process.env["BENCH_LIMITS"] !== "off";
const SCALES: Record<string, number> = { breezyhr: 10, greenhouse: 3 };
const factor = (connector: string): number => SCALES[connector] ?? 1;

const hub = new FakeHub();
const hrflow = new HrflowFake();
hub.mount(hrflow);
const sr = new SmartRecruitersFake();
// Breezy's fixed per-minute counter is lifted: the (scaled) sliding window of enforceVendorLimits applies.
const breezy = new BreezyhrFake({ requestsPerMinute: 1_000_000_000 });
const flatchr = new FlatchrFake();
// Harvest v3 announces its budget in headers: the vendor's documented example, 75 per 30 s.
const greenhouse = new GreenhouseFake({
  v3RateLimit: limits
    ? { limit: 75, windowMs: 30_000 / factor("greenhouse") }
    : { limit: 1_000_000_000, windowMs: 1000 },
});
const taleez = new TaleezFake();
const vendors = [
  createBreezyhrSandbox(breezy),
  createSmartRecruitersSandbox(sr),
  createFlatchrSandbox(flatchr),
  createGreenhouseSandbox(greenhouse),
  createTaleezSandbox(taleez),
];
for (const vendor of vendors) for (const fake of vendor.fakes) hub.mount(fake);
const control = new FakeServer("control");
hub.mount(control);
await hub.listen();

if (limits) {
  sr.enforceVendorLimits({ perMs: 1000 / factor("smartrecruiters") });
  breezy.enforceVendorLimits({ requests: 100, perMs: 60_000 / factor("breezyhr") });
  flatchr.enforceVendorLimits({ perMs: 1000 / factor("flatchr") });
  taleez.enforceVendorLimits({ perMs: 1000 / factor("taleez") });
} else {
  // No limit, but the counters still measure the client's pace.
  for (const fake of [sr, breezy, taleez, flatchr.api, flatchr.careers]) fake.limit({});
}
for (const vendor of vendors) for (const fake of vendor.fakes) fake.latency(latencyMs);

const sourceKey = hrflowKey("bench-source");
for (const sample of generateProfiles(count, { sourceKey, seed: "bench" }))
  hrflow.addProfile(sourceKey, sample.profile, sample.cv);

/** `/jobs/3696.../candidates` → `/jobs/:id/candidates`: requests grouped by route. */
const route = (path: string): string =>
  path
    .split("/")
    .map((part) => (/\d/.test(part) && part.length >= 5 ? ":id" : part))
    .join("/");

control.route("GET", "/stats", () => ({
  status: 200,
  body: Object.fromEntries(
    vendors.map((vendor) => {
      const routes: Record<string, number> = {};
      for (const fake of vendor.fakes)
        for (const r of fake.requests) {
          const key = `${r.method} ${fake.name.includes("auth") ? "(token) " : ""}${route(r.path)}`;
          routes[key] = (routes[key] ?? 0) + 1;
        }
      return [
        vendor.connector,
        {
          stats: vendor.fakes.filter((f) => !f.name.includes("auth")).map((f) => f.limitStats()),
          routes,
          candidates: vendor.candidates().length,
        },
      ];
    }),
  ),
}));

const env: Record<string, string> = {
  HRFLOW_API_SECRET: hrflow.apiSecret,
  HRFLOW_API_USER: hrflow.apiUser,
  HRFLOW_BASE_URL: hrflow.baseUrl,
};
const targets = Object.fromEntries(
  vendors.map((vendor) => {
    Object.assign(env, vendor.env());
    return [vendor.connector, { options: vendor.options(), env: vendor.env() }];
  }),
);
process.stdout.write(`${JSON.stringify({ url: hub.url, sourceKey, env, targets, control: control.url })}\n`);
