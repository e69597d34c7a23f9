/**
 * Memory of a batch: maps 5,000 generated profiles (parse + map + validate) per connector and reports the
 * heap growth after a forced GC, to show that nothing is retained per profile. Run with
 * `node --expose-gc --import tsx bench/memory.ts` (npm run bench does).
 */
import { connectorDefinitions } from "../src/connectors/registry.js";
import { parseHrflowProfile } from "../src/hrflow/schema.js";
import { samplePdf } from "../src/testing/files.js";
import { hrflowKey, sampleProfiles } from "../src/testing/profiles.js";
import { startSandbox } from "../src/testing/sandbox.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const samples = sampleProfiles().filter((s) => s.name !== "sergio" && s.name !== "messy");
const sandbox = await startSandbox({ samples: [] });
const today = { year: 2026, month: 11, day: 22 };
// Connectors that carry the CV inside the create body (Flatchr) need it at mapping time.
const cv = {
  status: "ok",
  file: {
    fileName: "cv.pdf",
    contentType: "application/pdf",
    bytes: samplePdf(),
    sourceUrl: "https://files.example/cv.pdf",
  },
} as const;
const COUNT = 5000;

console.log(`| connector | profiles | heap before (MB) | heap after (MB) | growth (MB) | ms |`);
console.log(`|---|---|---|---|---|---|`);
for (const definition of connectorDefinitions()) {
  const { baseUrl: _baseUrl, ...vendorOptions } = sandbox.vendor(definition.name).options();
  const options = definition.optionsSchema.parse(vendorOptions);
  // Warm up first (JIT, lazily built tables), so the growth measured is per-profile retention only.
  for (let i = 0; i < 200; i++) {
    const sample = samples[i % samples.length];
    if (sample)
      definition.map(parseHrflowProfile(sample.profile), options, {
        cv: definition.cvMode === "inline" ? cv : undefined,
        today,
      });
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < COUNT; i++) {
    const sample = samples[i % samples.length];
    if (!sample) continue;
    const profile = parseHrflowProfile({ ...sample.profile, key: hrflowKey(`${definition.name}-${i}`) });
    bytes += JSON.stringify(
      definition.payloadSchema.parse(
        definition.map(profile, options, { cv: definition.cvMode === "inline" ? cv : undefined, today }),
      ),
    ).length;
  }
  const ms = performance.now() - started;
  gc();
  const after = process.memoryUsage().heapUsed;
  const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
  console.log(
    `| ${definition.name} | ${COUNT} | ${mb(before)} | ${mb(after)} | ${mb(after - before)} | ${ms.toFixed(0)} |`,
  );
  if (bytes === 0) throw new Error("nothing mapped");
}
await sandbox.close();
