import type { CvFile } from "../core/cv.js";
import type { PushContext, RecordStep } from "./definition.js";

/** How a connector uploads the CV. */
export interface CvUpload {
  /** True when the vendor already holds this file for the candidate (asked before uploading to a record this push did not create). */
  alreadyThere?: (file: CvFile) => Promise<boolean>;
  upload: (file: CvFile) => Promise<void>;
}

/**
 * The CV step of connectors that upload it separately. An upload adds a file each time it is sent, so it is
 * a `create` step: recorded in flight before it is sent, and looked up (`alreadyThere`) before it is sent
 * again. A profile without a CV is reported, and a CV that could not be downloaded fails the step (the
 * push is partial, and a later push uploads it).
 */
export function cvStep<O, P>(ctx: PushContext<O, P>, upload: CvUpload): RecordStep {
  const { alreadyThere } = upload;
  return {
    name: "cv",
    kind: "create",
    cv: true,
    ...(alreadyThere
      ? {
          lookup: async () => {
            const cv = await ctx.cv();
            if (cv.status !== "ok" || !(await alreadyThere(cv.file))) return undefined;
            return { detail: `${cv.file.fileName} is already attached` };
          },
        }
      : {}),
    perform: async () => {
      const cv = await ctx.cv();
      if (cv.status === "absent")
        return { status: "skipped", detail: "the profile has no CV attachment", cv: { status: "absent" } };
      if (cv.status === "failed")
        return { status: "failed", detail: cv.reason, cv: { status: "failed", reason: cv.reason } };
      const { file } = cv;
      await upload.upload(file);
      return {
        status: "done",
        detail: file.fileName,
        cv: { status: "uploaded", fileName: file.fileName, contentType: file.contentType },
      };
    },
  };
}
