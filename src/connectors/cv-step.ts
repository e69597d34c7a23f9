import type { CvFile } from "../core/cv.js";
import { isConnectorsError } from "../core/errors.js";
import type { CvReport, PushContext } from "./definition.js";

/** How a connector uploads the CV. */
export interface CvUploadSteps {
  /** True when the vendor already holds this file for the candidate (checked before uploading). */
  alreadyThere?: (file: CvFile) => Promise<boolean>;
  upload: (file: CvFile) => Promise<void>;
}

/**
 * The CV step shared by connectors that upload it separately: skipped when the ledger says it was
 * uploaded, reported (not thrown) when the profile has none or the download failed, recorded when done.
 */
export async function uploadCvOnce<O, P>(
  ctx: PushContext<O, P>,
  steps: CvUploadSteps,
  stepName = "cv",
): Promise<CvReport> {
  const previous = ctx.record.step(stepName);
  if (previous?.status === "done") {
    ctx.report({ step: stepName, status: "skipped", detail: "uploaded by an earlier push" });
    return { status: "already-uploaded", fileName: previous.detail };
  }
  const cv = await ctx.cv();
  if (cv.status === "absent") {
    ctx.report({ step: stepName, status: "skipped", detail: "the profile has no CV attachment" });
    return { status: "absent" };
  }
  if (cv.status === "failed") {
    if (!ctx.dryRun) await ctx.record.failed(stepName, cv.reason);
    ctx.report({ step: stepName, status: "failed", detail: cv.reason });
    return { status: "failed", reason: cv.reason };
  }
  const { file } = cv;
  if (!ctx.dryRun && steps.alreadyThere && (await steps.alreadyThere(file))) {
    await ctx.record.done(stepName, { detail: file.fileName });
    ctx.report({ step: stepName, status: "skipped", detail: `${file.fileName} is already attached` });
    return { status: "already-uploaded", fileName: file.fileName, contentType: file.contentType };
  }
  await steps.upload(file);
  if (!ctx.dryRun) await ctx.record.done(stepName, { detail: file.fileName });
  ctx.report({
    step: stepName,
    status: "done",
    detail: `${file.fileName} (${file.contentType}, ${file.bytes.byteLength} bytes)`,
  });
  return { status: "uploaded", fileName: file.fileName, contentType: file.contentType };
}

/**
 * Turns a failed upload into a reported, recorded CV failure: the candidate exists, the push says the CV
 * failed and why, and the ledger lets the next run upload it. Programming errors are rethrown.
 */
export async function failedCv<O, P>(
  ctx: PushContext<O, P>,
  error: unknown,
  stepName = "cv",
): Promise<CvReport> {
  if (!isConnectorsError(error)) throw error;
  if (!ctx.dryRun) await ctx.record.failed(stepName, error.message);
  ctx.report({ step: stepName, status: "failed", detail: error.message });
  ctx.warn(`CV upload failed: ${error.message}`);
  return { status: "failed", reason: error.message };
}
