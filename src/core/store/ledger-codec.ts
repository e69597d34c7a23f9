import { z } from "zod";
import type { LedgerEntry } from "./types.js";

/** A {@link StepRecord} as a backend reads it back. */
export const StepRecordSchema = z.object({
  status: z.enum(["done", "failed", "in-flight"]),
  at: z.string(),
  recordId: z.string().optional(),
  vendorId: z.string().optional(),
  detail: z.string().optional(),
  origin: z.enum(["created", "found"]).optional(),
  seen: z.boolean().optional(),
});

/** The part of a ledger entry a backend keeps in one JSON column: what is not a column of its own. */
export const LedgerDataSchema = z.object({
  options: z.record(z.string(), z.unknown()),
  steps: z.record(z.string(), StepRecordSchema),
  lastError: z
    .object({
      name: z.string(),
      message: z.string(),
      kind: z.enum(["retryable", "config", "auth", "mapping", "in-doubt"]),
    })
    .optional(),
  fingerprint: z.record(z.string(), z.string()).optional(),
});

/** The JSON column's value. */
export type LedgerData = z.input<typeof LedgerDataSchema>;

/** The outcomes a backend accepts when it reads a row. */
export const LedgerOutcomeSchema = z.enum([
  "created",
  "updated",
  "unchanged",
  "partial",
  "failed",
  "pending",
  "in-doubt",
]);

/** The JSON column of an entry (absent optional fields left out). */
export function ledgerData(entry: LedgerEntry): LedgerData {
  const data: LedgerData = { options: entry.options, steps: entry.steps };
  if (entry.lastError) data.lastError = entry.lastError;
  if (entry.fingerprint) data.fingerprint = entry.fingerprint;
  return data;
}
