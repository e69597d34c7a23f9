import { createReadStream, createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import { RUN_COUNTERS, type BatchItemResult, type BatchSummary, type ProfileSelector } from "../index.js";

/**
 * The JSON Lines report of a `push-profiles` run: a first line that describes the run, one line per item,
 * a last line with the summary. `--json` streams the same lines on stdout. Nothing in it is a secret: the
 * command line has none (credentials are never flags), messages are redacted by the library and again on
 * the way out.
 */

/** Where `push-profiles` writes its reports unless `--report` says otherwise. */
export const DEFAULT_REPORT_DIR = ".hrflow-connectors/runs";

const Counts = z.object(Object.fromEntries(RUN_COUNTERS.map((c) => [c, z.number()])));
const ErrorLine = z.object({ name: z.string(), message: z.string(), kind: z.string() });

/** The first line: what the run is. */
export const ReportRunLineSchema = z.object({
  type: z.literal("run"),
  runId: z.string(),
  startedAt: z.string(),
  command: z.string(),
  connectors: z.array(z.string()),
  sourceKeys: z.array(z.string()),
  dryRun: z.union([z.literal(false), z.enum(["ledger", "vendor"])]),
  ledger: z.string(),
  filter: z.record(z.string(), z.unknown()),
});

/** One item: a profile pushed (or planned) to one target. */
export const ReportItemLineSchema = z.object({
  type: z.literal("item"),
  runId: z.string(),
  at: z.string(),
  profileKey: z.string(),
  reference: z.string().nullable(),
  sourceKey: z.string(),
  connector: z.string(),
  action: z.enum(RUN_COUNTERS),
  planned: z.boolean(),
  vendorId: z.string().nullable(),
  cv: z
    .object({ status: z.string(), fileName: z.string().optional(), reason: z.string().optional() })
    .nullable(),
  steps: z.array(
    z.object({
      step: z.string(),
      status: z.string(),
      detail: z.string().optional(),
      vendorId: z.string().optional(),
    }),
  ),
  warnings: z.array(z.string()),
  error: ErrorLine.nullable(),
  message: z.string(),
  attempts: z.number(),
  durationMs: z.number(),
});

/** The last line: how the run ended. */
export const ReportSummaryLineSchema = z.object({
  type: z.literal("summary"),
  runId: z.string(),
  status: z.enum(["completed", "incomplete", "interrupted", "failed"]),
  startedAt: z.string(),
  endedAt: z.string(),
  durationMs: z.number(),
  profiles: z.number(),
  items: z.number(),
  counts: Counts,
  byConnector: z.record(z.string(), Counts),
  reasons: z.array(z.object({ reason: z.string(), count: z.number() })),
  error: ErrorLine.nullable(),
});

/** Any line of a report. */
export const ReportLineSchema = z.discriminatedUnion("type", [
  ReportRunLineSchema,
  ReportItemLineSchema,
  ReportSummaryLineSchema,
]);

/** The first line of a report. */
export type ReportRunLine = z.infer<typeof ReportRunLineSchema>;
/** An item line of a report. */
export type ReportItemLine = z.infer<typeof ReportItemLineSchema>;
/** The last line of a report. */
export type ReportSummaryLine = z.infer<typeof ReportSummaryLineSchema>;
/** Any line of a report. */
export type ReportLine = z.infer<typeof ReportLineSchema>;

/** The report line of an item. */
export function itemLine(runId: string, item: BatchItemResult, at: string): ReportItemLine {
  return {
    type: "item",
    runId,
    at,
    profileKey: item.profileKey,
    reference: item.reference ?? null,
    sourceKey: item.sourceKey,
    connector: item.connector,
    action: item.action,
    planned: item.planned,
    vendorId: item.vendorId ?? null,
    cv: item.cv
      ? {
          status: item.cv.status,
          ...(item.cv.fileName !== undefined ? { fileName: item.cv.fileName } : {}),
          ...(item.cv.reason !== undefined ? { reason: item.cv.reason } : {}),
        }
      : null,
    steps: item.steps.map((s) => ({
      step: s.step,
      status: s.status,
      ...(s.detail !== undefined ? { detail: s.detail } : {}),
      ...(s.vendorId !== undefined ? { vendorId: s.vendorId } : {}),
    })),
    warnings: item.warnings,
    error: item.error ?? null,
    message: item.message,
    attempts: item.attempts,
    durationMs: item.durationMs,
  };
}

/** The report line of a summary. */
export function summaryLine(summary: BatchSummary): ReportSummaryLine {
  return {
    type: "summary",
    runId: summary.runId,
    status: summary.status,
    startedAt: summary.startedAt,
    endedAt: summary.endedAt,
    durationMs: summary.durationMs,
    profiles: summary.profiles,
    items: summary.items,
    counts: summary.counts,
    byConnector: summary.byConnector,
    reasons: summary.reasons,
    error: summary.error ?? null,
  };
}

/** Writes report lines to a file (created with its folder, private to the user). */
export class ReportWriter {
  readonly path: string;
  readonly #stream: WriteStream;
  readonly #redact: (text: string) => string;

  constructor(path: string, redact: (text: string) => string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.path = path;
    this.#redact = redact;
    this.#stream = createWriteStream(path, { flags: "w", mode: 0o600 });
  }

  /** Writes one line; resolves when the stream can take more (backpressure). */
  write(line: ReportLine): Promise<void> {
    const text = `${this.#redact(JSON.stringify(line))}\n`;
    if (this.#stream.write(text)) return Promise.resolve();
    return new Promise((resolve) => this.#stream.once("drain", resolve));
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#stream.end((error?: Error | null) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }
}

/** Reads a report line by line (never the whole file in memory); unreadable lines are skipped. */
export async function* readReport(path: string): AsyncGenerator<ReportLine> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const text of lines) {
    if (text.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue;
    }
    const parsed = ReportLineSchema.safeParse(json);
    if (parsed.success) yield parsed.data;
  }
}

/** Actions of items that did not arrive, which `--retry-failed` pushes again. */
export const NOT_ARRIVED: readonly string[] = ["failed", "partial", "refused"];

/**
 * The items of a report that did not arrive, as profile selectors narrowed to their connector (a profile
 * that failed at one target only is retried there only). Read as the batch goes.
 */
export async function* failedSelectors(
  path: string,
  connectors: readonly string[],
  onSkipped: (line: ReportItemLine) => void,
): AsyncGenerator<ProfileSelector> {
  for await (const line of readReport(path)) {
    if (line.type !== "item" || !NOT_ARRIVED.includes(line.action)) continue;
    if (!connectors.includes(line.connector)) {
      onSkipped(line);
      continue;
    }
    yield line.profileKey.startsWith("ref:")
      ? { reference: line.profileKey.slice(4), connectors: [line.connector] }
      : { key: line.profileKey, connectors: [line.connector] };
  }
}

/** The first line and the summary of a report, when it has them. */
export async function reportHeads(
  path: string,
): Promise<{ run: ReportRunLine | undefined; summary: ReportSummaryLine | undefined }> {
  let run: ReportRunLine | undefined;
  let summary: ReportSummaryLine | undefined;
  for await (const line of readReport(path)) {
    if (line.type === "run") run ??= line;
    else if (line.type === "summary") summary = line;
  }
  return { run, summary };
}
