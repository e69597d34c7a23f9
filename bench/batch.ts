/**
 * Batch benchmark (`npm run bench` runs it; alone: `node --expose-gc --import tsx bench/batch.ts`).
 *
 * The fakes run in a child process (bench/fakes-server.ts), as a vendor would, with 25 ms of latency added
 * to every vendor request and each vendor's limits enforced; this process runs `pushProfiles` alone, so its
 * CPU time and memory are the engine's. It prints Markdown tables:
 * 1. throughput per connector next to the vendor's ceiling (its rate limit divided by the requests one
 *    profile needs), with the 429s the fake answered and the most requests it saw in one window;
 * 2. SmartRecruiters at concurrency 1, 8 and 32 (more concurrency must never be slower nor draw a 429);
 * 3. requests per profile per connector, by route;
 * 4. the same pushes with no latency and no limits: the CPU cost of the engine itself;
 * 5. resident memory after 1,000 and 10,000 profiles (after a GC): flat, not growing with N.
 * BENCH_QUICK=1 runs fewer profiles.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import {
  connectorDefinitions,
  createLocalRateLimits,
  createRuntime,
  createSqliteStore,
  Hrflow,
  pushProfiles,
  systemClock,
  withRateScale,
  type BatchTarget,
  type RateLimits,
} from "../src/index.js";

const gc = (globalThis as { gc?: () => void }).gc;
const quick = process.env["BENCH_QUICK"] === "1";
const SERVER = fileURLToPath(new URL("./fakes-server.ts", import.meta.url));

const FakeInfo = z.object({
  sourceKey: z.string(),
  env: z.record(z.string(), z.string()),
  targets: z.record(z.string(), z.object({ options: z.record(z.string(), z.unknown()) })),
  control: z.string(),
});
const LimitStats = z.object({
  requests: z.number(),
  throttled: z.number(),
  maxInWindow: z.number(),
  maxInFlight: z.number(),
});
const Stats = z.record(
  z.string(),
  z.object({ stats: z.array(LimitStats), routes: z.record(z.string(), z.number()), candidates: z.number() }),
);

interface Fakes {
  child: ChildProcess;
  info: z.infer<typeof FakeInfo>;
  stats(): Promise<z.infer<typeof Stats>>;
}

async function startFakes(env: Record<string, string>): Promise<Fakes> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => {
      reject(new Error(`fakes exited with ${String(code)}`));
    });
  });
  const info = FakeInfo.parse(JSON.parse(first));
  return {
    child,
    info,
    stats: async () => Stats.parse(await (await fetch(`${info.control}/stats`)).json()),
  };
}

function stopFakes(fakes: Fakes): Promise<void> {
  return new Promise((resolve) => {
    fakes.child.once("exit", () => {
      resolve();
    });
    fakes.child.kill("SIGTERM");
  });
}

/** The vendor's limit as the fakes enforce it (per second), for the ceiling. */
const LIMITS: Record<string, { requests: number; perMs: number; label: string; scale: number }> = {
  smartrecruiters: { requests: 10, perMs: 1000, label: "10 req/s, 8 in flight, 1 search", scale: 1 },
  taleez: { requests: 5, perMs: 1000, label: "5 req/s, 4 in flight (assumed: none published)", scale: 1 },
  flatchr: { requests: 5, perMs: 1000, label: "5 req/s, 4 in flight (assumed: none published)", scale: 1 },
  // Long windows run shorter (as the fakes do), so that a run spans many windows in little time.
  breezyhr: { requests: 100, perMs: 60_000, label: "100 req/min", scale: 10 },
  greenhouse: { requests: 75, perMs: 30_000, label: "75 req/30 s, announced in v3 headers", scale: 3 },
};

/** Lifts the client's limits (the CPU benchmark): no window, wide concurrency, lanes kept. */
function unlimited(): RateLimits {
  const local = createLocalRateLimits(systemClock);
  return {
    limiterFor: (bucket, policy) =>
      local.limiterFor(bucket, {
        perMs: policy.perMs,
        concurrency: 64,
        ...(policy.lanes ? { lanes: policy.lanes } : {}),
      }),
    close: () => local.close(),
  };
}

interface Measure {
  connector: string;
  profiles: number;
  seconds: number;
  cpuMsPerProfile: number;
  vendorRequests: number;
  throttled: number;
  maxInWindow: number;
  maxInFlight: number;
  routes: Record<string, number>;
  created: number;
  failed: number;
  rssMb: { at: number; mb: number; heapMb: number; heapTotalMb: number; externalMb: number }[];
}

async function measure(options: {
  connector: string;
  count: number;
  concurrency: number;
  latencyMs: number;
  limits: boolean;
  samples?: readonly number[];
}): Promise<Measure> {
  const scale = LIMITS[options.connector]?.scale ?? 1;
  const fakes = await startFakes({
    BENCH_COUNT: String(options.count),
    BENCH_LATENCY_MS: String(options.latencyMs),
    BENCH_LIMITS: options.limits ? "on" : "off",
  });
  try {
    const def = connectorDefinitions().find((d) => d.name === options.connector);
    const target = fakes.info.targets[options.connector];
    if (!def || !target) throw new Error(options.connector);
    const env = fakes.info.env;
    const baseUrl =
      typeof target.options["baseUrl"] === "string" ? target.options["baseUrl"] : def.defaultBaseUrl;
    const targets: BatchTarget[] = [
      { connector: def, auth: def.auth.fromEnv(env, { baseUrl }), options: target.options },
    ];
    const rateLimits = options.limits
      ? withRateScale(createLocalRateLimits(systemClock), scale)
      : unlimited();
    // The CLI's store: a SQLite file (an in-memory ledger would grow with N by design).
    const dir = mkdtempSync(join(tmpdir(), "bench-batch-"));
    const runtime = createRuntime({ rateLimits, store: createSqliteStore(join(dir, "ledger.sqlite")) });
    const hrflowClient = new Hrflow({
      apiSecret: env["HRFLOW_API_SECRET"] ?? "",
      apiUser: env["HRFLOW_API_USER"] ?? "",
      baseUrl: env["HRFLOW_BASE_URL"] ?? "",
    });
    const rss: { at: number; mb: number; heapMb: number; heapTotalMb: number; externalMb: number }[] = [];
    const samples = new Set(options.samples ?? []);
    gc?.();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const summary = await pushProfiles({
      hrflowClient,
      source: { key: fakes.info.sourceKey },
      connectors: targets,
      runtime,
      concurrency: options.concurrency,
      pushOptions: { allowInsecureCvUrls: true },
      onProgress: (progress) => {
        if (samples.has(progress.done)) {
          samples.delete(progress.done);
          gc?.();
          const usage = process.memoryUsage();
          rss.push({
            at: progress.done,
            mb: usage.rss / 2 ** 20,
            heapMb: usage.heapUsed / 2 ** 20,
            heapTotalMb: usage.heapTotal / 2 ** 20,
            externalMb: usage.external / 2 ** 20,
          });
        }
      },
    }).summary();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
    const stats = (await fakes.stats())[options.connector];
    if (!stats) throw new Error("no stats");
    const vendorRequests = Object.entries(stats.routes)
      .filter(([route]) => !route.includes("(token)") && !route.includes("/signin"))
      .reduce((n, [, c]) => n + c, 0);
    return {
      connector: options.connector,
      profiles: summary.profiles,
      seconds,
      cpuMsPerProfile: (used.user + used.system) / 1000 / Math.max(1, summary.profiles),
      vendorRequests,
      throttled: stats.stats.reduce((n, s) => n + s.throttled, 0),
      maxInWindow: Math.max(...stats.stats.map((s) => s.maxInWindow)),
      maxInFlight: Math.max(...stats.stats.map((s) => s.maxInFlight)),
      routes: stats.routes,
      created: summary.counts.created,
      failed: summary.counts.failed + summary.counts.partial + summary.counts.refused,
      rssMb: rss,
    };
  } finally {
    await stopFakes(fakes);
  }
}

/** Profiles per second the vendor's limit allows, given the requests one profile needs. */
function ceiling(m: Measure): { reqPerProfile: number; ceiling: number; limitPerS: number } {
  const limit = LIMITS[m.connector];
  if (!limit) throw new Error(m.connector);
  const limitPerS = (limit.requests / limit.perMs) * 1000 * limit.scale;
  const reqPerProfile = m.vendorRequests / m.profiles;
  return { reqPerProfile, ceiling: limitPerS / reqPerProfile, limitPerS };
}

const f = (n: number, digits = 2): string => n.toFixed(digits);

const counts: Record<string, number> = quick
  ? { smartrecruiters: 40, taleez: 20, flatchr: 30, breezyhr: 60, greenhouse: 30 }
  : { smartrecruiters: 120, taleez: 50, flatchr: 80, breezyhr: 150, greenhouse: 60 };

const only = process.env["BENCH_ONLY"];
if (only === undefined || only === "throughput") {
  console.log("\n### Throughput at the vendors' limits (25 ms latency per vendor request, concurrency 8)\n");
  console.log(
    "| connector | vendor limit | profiles | profiles/s | ceiling (profiles/s) | ratio | requests/profile | 429 from the fake | most requests in one window | most in flight |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  const throughput: Measure[] = [];
  for (const connector of Object.keys(counts)) {
    const m = await measure({
      connector,
      count: counts[connector] ?? 30,
      concurrency: 8,
      latencyMs: 25,
      limits: true,
    });
    throughput.push(m);
    const c = ceiling(m);
    const limit = LIMITS[connector];
    console.log(
      `| ${connector} | ${limit?.label ?? ""}${limit && limit.scale > 1 ? ` (window ÷${limit.scale}: ${f(c.limitPerS, 1)} req/s)` : ""} | ${m.profiles} | ${f(m.profiles / m.seconds)} | ${f(c.ceiling)} | ${f(m.profiles / m.seconds / c.ceiling)} | ${f(c.reqPerProfile, 1)} | ${m.throttled} | ${m.maxInWindow} | ${m.maxInFlight} |`,
    );
  }

  console.log("\n### SmartRecruiters: more concurrency is never slower, never draws a 429\n");
  console.log(
    "| concurrency | profiles | profiles/s | ceiling | ratio | 429 from the fake | most requests in one second | most in flight |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const concurrency of [1, 8, 32]) {
    const m = await measure({
      connector: "smartrecruiters",
      count: counts["smartrecruiters"] ?? 40,
      concurrency,
      latencyMs: 25,
      limits: true,
    });
    const c = ceiling(m);
    console.log(
      `| ${concurrency} | ${m.profiles} | ${f(m.profiles / m.seconds)} | ${f(c.ceiling)} | ${f(m.profiles / m.seconds / c.ceiling)} | ${m.throttled} | ${m.maxInWindow} | ${m.maxInFlight} |`,
    );
  }

  console.log("\n### Requests per profile, by route (first push of each profile)\n");
  for (const m of throughput) {
    const routes = Object.entries(m.routes)
      .sort((a, b) => b[1] - a[1])
      .map(([route, n]) => `${route} ${f(n / m.profiles, 2)}`)
      .join("; ");
    console.log(`- ${m.connector}: ${f(m.vendorRequests / m.profiles, 2)} (${routes})`);
  }

  console.log("\n### The engine's own cost: no latency, no limits (concurrency 32)\n");
  console.log("| connector | profiles | profiles/s | CPU ms per profile (this process) |");
  console.log("|---|---|---|---|");
  for (const connector of Object.keys(counts)) {
    const m = await measure({
      connector,
      count: quick ? 200 : 500,
      concurrency: 32,
      latencyMs: 0,
      limits: false,
    });
    console.log(
      `| ${connector} | ${m.profiles} | ${f(m.profiles / m.seconds, 1)} | ${f(m.cpuMsPerProfile)} |`,
    );
  }
}
console.log("\n### Resident memory while pushing a source (Taleez, no latency, no limits, after a GC)\n");
const big = quick ? 2000 : 10_000;
const memory = await measure({
  connector: "taleez",
  count: big,
  concurrency: 32,
  latencyMs: 0,
  limits: false,
  samples: [100, 1000, 2500, 5000, 7500, big],
});
console.log("| profiles pushed | RSS (MB) | heap used (MB) | heap reserved (MB) | external (MB) |");
console.log("|---|---|---|---|---|");
for (const sample of memory.rssMb)
  console.log(
    `| ${sample.at} | ${f(sample.mb, 1)} | ${f(sample.heapMb, 1)} | ${f(sample.heapTotalMb, 1)} | ${f(sample.externalMb, 1)} |`,
  );
console.log(
  `\n(${memory.profiles} profiles in ${f(memory.seconds, 1)} s, ${memory.created} created, ${memory.failed} not)`,
);
