import { checkCvUrl } from "../../core/cv.js";
import { compact } from "../../core/compact.js";
import { MappingError } from "../../core/errors.js";
import { textCleaner } from "../../core/text.js";
import {
  normalizeUrl,
  profileEmail,
  profileLinks,
  profilePhoneNumber,
  requiredName,
  resumeAttachment,
} from "../../hrflow/fields.js";
import type { HrflowProfile } from "../../hrflow/schema.js";
import type { MappingExtras } from "../definition.js";
import type { FlatchrCandidateInput, FlatchrUrls } from "./schema.js";

/** Flatchr's `urls` object: one link per network; the first other link (site, GitHub, ...) is `other`. */
function flatchrUrls(profile: HrflowProfile): FlatchrUrls | undefined {
  const out: FlatchrUrls = {};
  for (const link of profileLinks(profile)) {
    if (link.network === "linkedin") out.linkedin ??= link.url;
    else if (link.network === "facebook") out.facebook ??= link.url;
    else if (link.network === "twitter") out.twitter ??= link.url;
    else out.other ??= link.url;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

type Resume = Pick<FlatchrCandidateInput, "type" | "resume">;

function phoneOf(profile: HrflowProfile): string | undefined {
  const phone = profilePhoneNumber(profile);
  return phone?.e164 ?? phone?.written;
}

/**
 * The CV, which Flatchr requires: the downloaded file as a base64 `document`, else (the download failed)
 * the attachment's public URL as a `link` for Flatchr to fetch. No CV attachment at all: MappingError.
 */
function flatchrResume(profile: HrflowProfile, extras: MappingExtras): Resume {
  const { cv } = extras;
  if (cv?.status === "ok") {
    return {
      type: "document",
      resume: {
        data: Buffer.from(cv.file.bytes).toString("base64"),
        fileName: cv.file.fileName,
        contentType: cv.file.contentType,
      },
    };
  }
  const attachment = resumeAttachment(profile);
  const url = normalizeUrl(attachment?.public_url);
  // Flatchr fetches a link itself: only a URL that passes the same checks as a download (https, a public
  // host name, no IP literal) is handed over, never an internal address.
  if (url && typeof checkCvUrl(url, extras.allowInsecureCvUrls ?? false) !== "string")
    return { type: "link", resume: url };
  throw new MappingError(
    "attachments",
    "Flatchr requires a CV (its create takes `type` and `resume`) and the profile has no attachment of type resume or original with a public URL",
  );
}

/**
 * HrFlow profile to the body of Flatchr's careers create (without `token`, added when sent). Pure. Requires
 * a first and a last name (split from the full name when needed) and a CV; the email is optional for
 * Flatchr, but without it a repeated push can only be recognised by the push ledger.
 */
export function mapFlatchrCandidate(
  profile: HrflowProfile,
  options: { vacancy: string },
  extras: MappingExtras,
): FlatchrCandidateInput {
  const name = requiredName(profile, "Flatchr");
  const resume = flatchrResume(profile, extras);
  return compact({
    vacancy: options.vacancy,
    firstname: name.first,
    lastname: name.last,
    email: profileEmail(profile),
    // A string in E.164 when the number can be read (see docs/vendor-notes.md: the docs type it as an
    // integer, which would lose the `+` and a leading 0), else as written.
    phone: phoneOf(profile),
    type: resume.type,
    resume: resume.resume,
    urls: flatchrUrls(profile),
    comment: textCleaner("Flatchr", extras.warnings)(
      profile.info.summary,
      { from: "info.summary", to: "comment" },
      { multiline: true, maxLength: 5_000 },
    ),
  });
}
