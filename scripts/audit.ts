/**
 * `npm run audit`: known vulnerabilities in the packages the library needs at run time (`npm audit
 * --omit=dev`), with an answer that cannot be mistaken for a pass when no check could run.
 *
 * Exit codes: 0 no known vulnerability; 1 vulnerabilities found (listed); 3 the registry's audit endpoint
 * could not be reached or refused the request, so NOTHING WAS CHECKED. The registry this project's machines
 * use answers `405 Method Not Allowed` to npm's bulk advisory endpoint, so here the result is 3; it is not
 * part of `npm test` for that reason (see "Dependencies and known vulnerabilities" in the README).
 */
import { spawnSync } from "node:child_process";
import { z } from "zod";

const AuditReport = z.looseObject({
  vulnerabilities: z.record(
    z.string(),
    z.looseObject({ name: z.string(), severity: z.string(), range: z.string().optional() }),
  ),
  metadata: z.looseObject({
    vulnerabilities: z.record(z.string(), z.number()),
  }),
});
const AuditFailure = z.looseObject({
  message: z.string().optional(),
  statusCode: z.number().optional(),
  error: z.unknown().optional(),
});

const run = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8", timeout: 120_000 });
let output: unknown;
try {
  output = JSON.parse(run.stdout);
} catch {
  output = undefined;
}

const report = AuditReport.safeParse(output);
if (report.success) {
  const found = Object.values(report.data.vulnerabilities);
  if (found.length === 0) {
    console.log("npm audit --omit=dev: no known vulnerability in the runtime dependencies");
    process.exit(0);
  }
  console.log(`npm audit --omit=dev: ${found.length} vulnerable package(s) in the runtime dependencies:`);
  for (const v of found) console.log(`  - ${v.name} (${v.severity})${v.range ? `: ${v.range}` : ""}`);
  process.exit(1);
}

const failure = AuditFailure.safeParse(output);
const why = failure.success
  ? (failure.data.message ?? `status ${String(failure.data.statusCode)}`)
  : (run.error?.message ?? run.stderr.trim().split("\n").at(-1) ?? "no answer");
console.error(
  `npm audit --omit=dev could not run: ${why}.\n` +
    "The registry's audit endpoint is not available from this machine, so NO vulnerability check was made.\n" +
    "Run `npm run audit` where the public npm registry's audit endpoint is reachable (or read the README's\n" +
    '"Dependencies and known vulnerabilities" section for what is checked and what is not).',
);
process.exit(3);
