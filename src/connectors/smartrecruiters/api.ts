import type { CvFile } from "../../core/cv.js";
import type { RequestSpec } from "../../core/http/types.js";
import {
  SmartRecruitersAttachmentListSchema,
  SmartRecruitersAttachmentSchema,
  SmartRecruitersCandidateListSchema,
  SmartRecruitersCandidateSchema,
  type SmartRecruitersCandidate,
  type SmartRecruitersCandidateInput,
} from "./schema.js";

// https://developers.smartrecruiters.com/reference/candidatesall-1
// Free-text search; SmartRecruiters allows one concurrent call of this endpoint per credential.
export const searchCandidates = (
  query: string,
): RequestSpec<{ content: { id: string; email?: string | null | undefined }[] }> => ({
  operation: "search candidates",
  method: "GET",
  path: "/candidates",
  query: { q: query, limit: 100 },
  lane: "search",
  response: SmartRecruitersCandidateListSchema,
  dryRun: { response: { content: [] } },
});

// https://developers.smartrecruiters.com/reference/candidatesget-1 (read with `http.find`: 404 is "gone")
export const getCandidate = (id: string): RequestSpec<SmartRecruitersCandidate> => ({
  operation: "get candidate",
  method: "GET",
  path: `/candidates/${encodeURIComponent(id)}`,
  response: SmartRecruitersCandidateSchema,
});

// https://developers.smartrecruiters.com/reference/candidatesaddtojob-1 (with a job)
// https://developers.smartrecruiters.com/reference/candidatesadd-1 (talent pool)
export const createCandidate = (
  body: SmartRecruitersCandidateInput,
  jobId: string | undefined,
): RequestSpec<{ id: string }> => ({
  operation: jobId ? "create candidate on job" : "create candidate in talent pool",
  method: "POST",
  path: jobId ? `/jobs/${encodeURIComponent(jobId)}/candidates` : "/candidates",
  ...(jobId ? { notFound: { option: "jobId", what: `job ${jobId}` } } : {}),
  body: { json: body },
  expect: [200, 201],
  response: SmartRecruitersCandidateSchema,
  dryRun: { response: { id: "<new candidate id>" } },
});

// https://developers.smartrecruiters.com/reference/candidatesattachmentsget-1
export const listAttachments = (
  candidateId: string,
): RequestSpec<{ content: { name?: string | null | undefined; type?: string | null | undefined }[] }> => ({
  operation: "list candidate attachments",
  method: "GET",
  path: `/candidates/${encodeURIComponent(candidateId)}/attachments`,
  response: SmartRecruitersAttachmentListSchema,
  dryRun: { response: { content: [] } },
});

/**
 * Uploads the resume. With a job the candidate is assigned to, the job-scoped upload
 * (`POST /candidates/{id}/jobs/{jobId}/attachments`, https://developers.smartrecruiters.com/reference,
 * Candidate API, "attachments for a job"): the candidate-level `POST /candidates/{id}/attachments`
 * (https://developers.smartrecruiters.com/reference/candidatesattachmentsadd-1) is marked deprecated in
 * SmartRecruiters' current API description and is used only for a candidate without a job (Talent Pool).
 * Multipart either way: `attachmentType=RESUME` and the file part `file`. See docs/vendor-notes.md.
 */
export const uploadResume = (
  candidateId: string,
  file: CvFile,
  jobId: string | undefined,
): RequestSpec<{ id: string }> => ({
  operation: jobId ? "upload resume for the job" : "upload resume",
  method: "POST",
  path: jobId
    ? `/candidates/${encodeURIComponent(candidateId)}/jobs/${encodeURIComponent(jobId)}/attachments`
    : `/candidates/${encodeURIComponent(candidateId)}/attachments`,
  body: { multipart: { attachmentType: "RESUME", file } },
  expect: [200, 201],
  response: SmartRecruitersAttachmentSchema,
  dryRun: { response: { id: "<new attachment id>" } },
});
