import {
  connectorDefinitions,
  createRuntime,
  describeRateLimit,
  isMappingError,
  runPushProfile,
  type ConnectorDefinition,
  type Logger,
  type Runtime,
} from "../index.js";
import type { Sandbox, SandboxCandidate, SandboxVendor, SampleProfile } from "../testing/index.js";
import type { Output } from "./output.js";
import { sampleName } from "./sandbox.js";
import { textTable } from "./table.js";
import { definitionList } from "./wrap.js";

/** How one push of the demo ended. */
export interface DemoPushOutcome {
  /** `rejected`: a MappingError, the profile lacks what the ATS requires (nothing sent). */
  outcome: "created" | "updated" | "unchanged" | "partial" | "rejected" | "failed";
  vendorId?: string;
  cv?: string;
  warnings: string[];
  error?: { name: string; message: string; field?: string };
}

/** One sample profile pushed twice into one ATS. */
export interface DemoPush {
  sample: string;
  first: DemoPushOutcome;
  second: DemoPushOutcome;
}

/** What the demo found for one ATS. */
export interface DemoConnectorReport {
  connector: string;
  displayName: string;
  pushes: DemoPush[];
  /** What the fake ATS holds after both rounds. */
  received: SandboxCandidate[];
  /** Candidates that appeared during the second round (must be 0). */
  duplicates: number;
  /** Anything that did not behave as designed (empty when all is well). */
  problems: string[];
  /** Wall time of both rounds, in milliseconds (the rate limiter's waits included). */
  elapsedMs: number;
  /** The client-side rate limit of this ATS, e.g. `50 requests / 30 s`. */
  rateLimit: string;
}

/** Called after each push (the demo command shows progress with it). */
export type DemoProgress = (event: {
  connector: string;
  sample: string;
  round: 1 | 2;
  done: number;
  total: number;
}) => void;

/** The demo's report (`demo --json` prints it). */
export interface DemoReport {
  sandboxUrl: string;
  samples: { name: string; fullName: string; description: string }[];
  connectors: DemoConnectorReport[];
  ok: boolean;
}

async function pushOnce(
  def: ConnectorDefinition,
  vendor: SandboxVendor,
  sandbox: Sandbox,
  key: string,
  runtime: Runtime,
  logger: Logger,
): Promise<DemoPushOutcome> {
  try {
    const response = await runPushProfile(def, {
      hrflowClient: sandbox.hrflowClient,
      auth: vendor.auth(),
      profile: { key, source: { key: sandbox.sourceKey } },
      ...vendor.options(),
      runtime,
      logger,
      // The sandbox serves the CVs from http://127.0.0.1; never set this against real hosts.
      allowInsecureCvUrls: true,
    });
    const result = response.result;
    if (!result) return { outcome: "unchanged", warnings: [] };
    return {
      outcome: response.status_code === 202 ? "partial" : result.action,
      ...(result.vendorId ? { vendorId: result.vendorId } : {}),
      cv: result.cv.status,
      warnings: result.warnings,
    };
  } catch (error) {
    if (isMappingError(error)) {
      return {
        outcome: "rejected",
        warnings: [],
        error: { name: error.name, message: error.detail, field: error.field },
      };
    }
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    return { outcome: "failed", warnings: [], error: { name, message } };
  }
}

function keyOf(profile: Record<string, unknown>, fallback: string): string {
  const key = profile["key"];
  return typeof key === "string" ? key : fallback;
}

/**
 * The embedded main job: every sample profile through every connector of the sandbox, twice (the second
 * round must create nothing), with what each fake ATS received.
 */
export async function runDemo(
  sandbox: Sandbox,
  logger: Logger,
  onProgress: DemoProgress = () => undefined,
): Promise<DemoReport> {
  const runtime = createRuntime();
  try {
    return await demoWith(sandbox, runtime, logger, onProgress);
  } finally {
    await runtime.close();
  }
}

async function demoWith(
  sandbox: Sandbox,
  runtime: Runtime,
  logger: Logger,
  onProgress: DemoProgress,
): Promise<DemoReport> {
  const defs = connectorDefinitions();
  const total = sandbox.vendors.length * sandbox.samples.length * 2;
  let done = 0;
  // Each ATS has its own rate limits: the connectors run side by side, the pushes of one ATS in order.
  const reports = await Promise.all(
    sandbox.vendors.map(async (vendor): Promise<DemoConnectorReport> => {
      const started = Date.now();
      const def = defs.find((d) => d.name === vendor.connector);
      if (!def) {
        return {
          connector: vendor.connector,
          displayName: vendor.connector,
          pushes: [],
          received: vendor.candidates(),
          duplicates: 0,
          problems: [
            `the sandbox has a fake for ${vendor.connector} but no connector of that name is registered`,
          ],
          elapsedMs: 0,
          rateLimit: "",
        };
      }
      const push = async (sample: SampleProfile, round: 1 | 2): Promise<DemoPushOutcome> => {
        const outcome = await pushOnce(
          def,
          vendor,
          sandbox,
          keyOf(sample.profile, sample.name),
          runtime,
          logger,
        );
        done += 1;
        onProgress({ connector: def.displayName, sample: sample.name, round, done, total });
        return outcome;
      };
      const pushes: DemoPush[] = [];
      for (const sample of sandbox.samples) {
        pushes.push({
          sample: sample.name,
          first: await push(sample, 1),
          second: { outcome: "failed", warnings: [] },
        });
      }
      // Second round, same ledger: everything must be recognised; nothing may be created again.
      const before = vendor.candidates().length;
      for (const [i, sample] of sandbox.samples.entries()) {
        const entry = pushes[i];
        if (entry) entry.second = await push(sample, 2);
      }
      const received = vendor.candidates();
      return {
        connector: def.name,
        displayName: def.displayName,
        pushes,
        received,
        duplicates: Math.max(0, received.length - before),
        problems: [],
        elapsedMs: Date.now() - started,
        rateLimit: describeRateLimit(
          typeof def.rateLimit === "function" ? def.rateLimit(vendor.auth()) : def.rateLimit,
        ),
      };
    }),
  );

  for (const report of reports) {
    for (const push of report.pushes) {
      for (const [round, outcome] of [
        ["first", push.first],
        ["second", push.second],
      ] as const) {
        if (outcome.outcome === "failed" || outcome.outcome === "partial") {
          report.problems.push(
            `${push.sample} (${round} push): ${outcome.outcome}${outcome.error ? `: ${outcome.error.name}: ${outcome.error.message}` : ""}`,
          );
        }
      }
      if (push.second.outcome === "created")
        report.problems.push(`${push.sample}: the second push created the candidate again`);
      if ((push.first.outcome === "rejected") !== (push.second.outcome === "rejected"))
        report.problems.push(`${push.sample}: refused in one round and accepted in the other`);
    }
    if (report.duplicates > 0)
      report.problems.push(`${report.duplicates} candidate(s) appeared during the second round (duplicates)`);
  }

  return {
    sandboxUrl: sandbox.url,
    samples: sandbox.samples.map((s) => ({
      name: s.name,
      fullName: sampleName(s),
      description: s.description,
    })),
    connectors: reports,
    ok: reports.every((r) => r.problems.length === 0),
  };
}

function outcomeText(outcome: DemoPushOutcome): string {
  switch (outcome.outcome) {
    case "rejected":
      return "not sent";
    case "failed":
      return "FAILED";
    case "partial":
      return "PARTIAL";
    default:
      return outcome.outcome;
  }
}

/** Prints the demo report as tables. */
export function printDemo(out: Output, report: DemoReport): void {
  out.json(report);
  const total = report.samples.length;
  out.paragraph(
    `HrFlow.ai → ATS demo: ${total} sample profiles pushed into ${report.connectors.length} fake ATS, twice. Everything runs in this process on loopback (${report.sandboxUrl}): no account, nothing leaves this machine.`,
    "",
  );
  out.detail();
  out.detail("Sample profiles");
  for (const line of textTable(
    ["sample", "name", "what it exercises"],
    report.samples.map((s) => [s.name, s.fullName, s.description]),
    { maxWidth: out.width, wrapColumn: 2 },
  ))
    out.detail(line);

  for (const c of report.connectors) {
    out.detail();
    out.detail(`== ${c.displayName} (${c.connector}) ==`);
    const notes: string[] = [];
    const note = (text: string): number => {
      const existing = notes.indexOf(text);
      if (existing !== -1) return existing + 1;
      notes.push(text);
      return notes.length;
    };
    const cell = (push: DemoPush, outcome: DemoPushOutcome, withWarnings: boolean): string => {
      const refs: number[] = [];
      if (outcome.error) {
        refs.push(
          note(
            outcome.outcome === "rejected"
              ? `${push.sample}: ${outcome.error.message}. Nothing was sent: the profile lacks what ${c.displayName} requires (expected; a MappingError names the field).`
              : `${push.sample}: ${outcome.error.name}: ${outcome.error.message}`,
          ),
        );
      }
      if (withWarnings) for (const w of outcome.warnings) refs.push(note(`${push.sample}: warning: ${w}`));
      return `${outcomeText(outcome)}${refs.length > 0 ? ` [${refs.join(",")}]` : ""}`;
    };
    const rows = c.pushes.map((p) => [
      p.sample,
      cell(p, p.first, true),
      cell(p, p.second, false),
      p.first.cv ?? "",
    ]);
    for (const line of textTable(["sample", "1st push", "2nd push (same ledger)", "CV"], rows, {
      maxWidth: out.width,
      wrapColumn: 3,
    }))
      out.detail(line);
    notes.forEach((n, i) => {
      if (!out.mode.quiet) out.paragraph(`  [${i + 1}] ${n}`, "      ");
    });
    out.detail();
    out.detail(
      `  What ${c.displayName} holds: ${c.received.length} candidate(s), ${c.duplicates} duplicate(s)`,
    );
    // One entry per candidate: the id, then who it is, its CV and what it holds, wrapped to the width.
    const received = c.received.map((r): [string, string] => [
      r.vendorId,
      `${r.name}${r.email ? ` <${r.email}>` : ""}; CV: ${r.cv ?? "none"}; ${r.details}`,
    ]);
    for (const line of definitionList(received, out.width, "    ")) out.detail(line);
    for (const problem of c.problems) out.print(`  PROBLEM: ${problem}`);
  }

  const count = (c: DemoConnectorReport, f: (p: DemoPush) => boolean): string =>
    String(c.pushes.filter(f).length);
  out.print();
  out.print("Summary");
  for (const line of textTable(
    ["ATS", "held", "created", "re-push ok", "refused", "failed", "dupes", "time"],
    report.connectors.map((c) => [
      c.displayName,
      String(c.received.length),
      count(c, (p) => p.first.outcome === "created"),
      count(c, (p) => p.second.outcome === "unchanged" || p.second.outcome === "updated"),
      count(c, (p) => p.first.outcome === "rejected"),
      count(
        c,
        (p) =>
          ["failed", "partial"].includes(p.first.outcome) || ["failed", "partial"].includes(p.second.outcome),
      ),
      String(c.duplicates),
      `${(c.elapsedMs / 1000).toFixed(1)} s`,
    ]),
    { alignRight: [1, 2, 3, 4, 5, 6, 7] },
  ))
    out.print(line);
  out.detail();
  if (!out.mode.quiet)
    out.paragraph(
      "held: candidates the fake ATS holds; re-push ok: second pushes that found the candidate (unchanged or updated); refused: profiles the ATS cannot take, refused before sending; dupes: candidates created twice (must be 0). Client-side rate limits:",
      "",
    );
  for (const line of definitionList(
    report.connectors.map((c): [string, string] => [c.displayName, c.rateLimit]),
    out.width,
    "    ",
  ))
    out.detail(line);
  const slow = report.connectors.filter((c) => c.elapsedMs > 5000);
  if (slow.length > 0) {
    out.detail();
    if (!out.mode.quiet)
      out.paragraph(
        `${slow.map((c) => c.displayName).join(", ")} took longest: each client keeps under the ATS's published rate limit (above), against the sandbox too. That is the rate limiter at work, not a hang.`,
        "",
      );
  }
  out.print();
  const created = report.connectors.reduce(
    (n, c) => n + c.pushes.filter((p) => p.first.outcome === "created").length,
    0,
  );
  const rejected = report.connectors.reduce(
    (n, c) => n + c.pushes.filter((p) => p.first.outcome === "rejected").length,
    0,
  );
  if (report.ok) {
    out.paragraph(
      `All ${report.connectors.length} connectors behaved as expected: ${created} candidates created once, no duplicates on the second push, ` +
        `${rejected} push(es) refused before sending because the profile lacks a field the ATS requires.`,
      "",
    );
  } else {
    const bad = report.connectors.filter((c) => c.problems.length > 0).map((c) => c.displayName);
    out.paragraph(
      `Unexpected behaviour in ${bad.join(", ")}: see PROBLEM lines above (run with --verbose for logs).`,
      "",
    );
  }
}
