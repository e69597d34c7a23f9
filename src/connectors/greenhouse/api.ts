import type { CvFile } from "../../core/cv.js";
import type { RequestSpec } from "../../core/http/types.js";
import {
  GreenhouseV1ApplicationSchema,
  GreenhouseV1CreateCandidateResponseSchema,
  GreenhouseV3ApplicationSchema,
  GreenhouseV3AttachmentSchema,
  GreenhouseV3CreateCandidateResponseSchema,
  type GreenhouseV1CandidateBody,
  type GreenhouseV1CreatedCandidate,
  type GreenhouseV3Application,
  type GreenhouseV3ApplicationBody,
  type GreenhouseV3AttachmentBody,
  type GreenhouseV3CandidateBody,
  type GreenhouseV3CreatedCandidate,
  type GreenhouseV3EmploymentBody,
  type WireId,
} from "./schema.js";

/** Page size of list calls (Harvest allows 1..500). */
const PER_PAGE = 100;

/** Placeholder ids of dry runs (nothing is sent, so nothing is created). */
export const DRY_RUN_CANDIDATE_ID = "<new candidate id>";
export const DRY_RUN_APPLICATION_ID = "<new application id>";

/** A Greenhouse id for a request body: an integer (dry-run placeholders stay as they are). */
export const wireId = (id: string): WireId => (/^\d+$/.test(id) ? Number(id) : id);

// ---------------------------------------------------------------------------------------------------
// Harvest v3 (Bearer token from OAuth2 client credentials). Lists are bare arrays, paginated by a
// `Link: <...?cursor=...>; rel="next"` header. 403 is answered (not thrown) by the list calls so the
// connector can say what is missing: a Site Admin acting user (`sub`) or a list scope.

// https://harvestdocs.greenhouse.io/reference/get_v3-candidates
// The `email` filter's exactness is not documented: the connector re-checks `email_addresses[].value`.
export const v3ListCandidatesByEmail = (email: string): RequestSpec<unknown> => ({
  operation: "look up candidates by email",
  method: "GET",
  path: "/v3/candidates",
  query: { email, per_page: PER_PAGE },
  expect: [200, 403],
  dryRun: { response: [] },
});

// https://harvestdocs.greenhouse.io/reference/get_v3-candidates (v3 has no single-record GET: `ids=`)
export const v3ListCandidatesById = (id: string): RequestSpec<unknown> => ({
  operation: "get candidate",
  method: "GET",
  path: "/v3/candidates",
  query: { ids: id },
  expect: [200, 403],
  dryRun: { response: [] },
});

// https://harvestdocs.greenhouse.io/reference/post_v3-candidates
// The candidate and its first application in one call. No idempotency key exists: a timeout or a 5xx is
// ambiguous and the candidate is looked up again before any retry (see createOnce).
export const v3CreateCandidate = (
  body: GreenhouseV3CandidateBody,
): RequestSpec<GreenhouseV3CreatedCandidate> => ({
  operation: "create candidate",
  method: "POST",
  path: "/v3/candidates",
  body: { json: body },
  expect: [200, 201],
  response: GreenhouseV3CreateCandidateResponseSchema,
  dryRun: { response: { candidateId: DRY_RUN_CANDIDATE_ID, applicationId: DRY_RUN_APPLICATION_ID } },
});

// https://harvestdocs.greenhouse.io/reference/get_v3-applications
export const v3ListApplications = (candidateId: string): RequestSpec<unknown> => ({
  operation: "list applications",
  method: "GET",
  path: "/v3/applications",
  query: { candidate_ids: candidateId, per_page: PER_PAGE },
  expect: [200, 403],
  dryRun: { response: [] },
});

// https://harvestdocs.greenhouse.io/reference/post_v3-applications (candidate arm: one job per call)
export const v3CreateApplication = (
  body: GreenhouseV3ApplicationBody,
): RequestSpec<GreenhouseV3Application> => ({
  operation: `create application to job ${body.job_id}`,
  method: "POST",
  path: "/v3/applications",
  body: { json: body },
  expect: [200, 201],
  response: GreenhouseV3ApplicationSchema,
  dryRun: {
    response: {
      id: DRY_RUN_APPLICATION_ID,
      candidateId: String(body.candidate_id),
      jobIds: [String(body.job_id)],
    },
  },
});

// https://harvestdocs.greenhouse.io/reference/get_v3-attachments
// Used to recognise a CV uploaded by an earlier push made without this ledger. Any refusal (scope, filter)
// is answered, not thrown: the connector then cannot tell and says so.
export const v3ListAttachments = (candidateId: string): RequestSpec<unknown> => ({
  operation: "list attachments",
  method: "GET",
  path: "/v3/attachments",
  query: { candidate_ids: candidateId, per_page: PER_PAGE },
  expect: [200, 400, 403, 404, 422],
  dryRun: { response: [] },
});

// https://harvestdocs.greenhouse.io/reference/post_v3-attachments
// The attachment belongs to an application; base64 `content` (v3 has no `content_type`: the file name's
// extension tells the type). Uploading a resume reclassifies the previous one as `other`.
export const v3CreateAttachment = (body: GreenhouseV3AttachmentBody): RequestSpec<unknown> => ({
  operation: "upload resume",
  method: "POST",
  path: "/v3/attachments",
  body: { json: body },
  expect: [200, 201],
  response: GreenhouseV3AttachmentSchema,
  dryRun: { response: { id: "<new attachment id>" } },
});

// https://harvestdocs.greenhouse.io/reference/post_v3-candidate-employments
// Optional scope `harvest:candidate_employments:create`: a 403 is answered so the step can be reported
// as unsupported instead of failing the push.
export const v3CreateEmployment = (body: GreenhouseV3EmploymentBody): RequestSpec<unknown> => ({
  operation: "add employment",
  method: "POST",
  path: "/v3/candidate_employments",
  body: { json: body },
  expect: [200, 201, 403],
  dryRun: { response: {} },
});

// ---------------------------------------------------------------------------------------------------
// Harvest v1 (legacy: switched off on 2026-08-31; kept for keys that still work). Basic auth with the
// key as user name; every write carries `On-Behalf-Of: <Greenhouse user id>`.

const onBehalfOfHeader = (userId: string): Record<string, string> => ({ "On-Behalf-Of": userId });

// https://developers.greenhouse.io/harvest.html#get-list-candidates
export const v1ListCandidatesByEmail = (email: string): RequestSpec<unknown> => ({
  operation: "look up candidates by email",
  method: "GET",
  path: "/v1/candidates",
  query: { email, per_page: PER_PAGE },
  expect: [200, 403],
  dryRun: { response: [] },
});

// https://developers.greenhouse.io/harvest.html#get-retrieve-candidate
// 404 is answered: after an asynchronous create the candidate is not readable for a while.
export const v1GetCandidate = (id: string): RequestSpec<unknown> => ({
  operation: "get candidate",
  method: "GET",
  path: `/v1/candidates/${encodeURIComponent(id)}`,
  expect: [200, 404],
  dryRun: { response: undefined },
});

// https://developers.greenhouse.io/harvest.html#post-add-candidate
// The answer may be truncated to the ids when Greenhouse creates the candidate asynchronously.
export const v1CreateCandidate = (
  body: GreenhouseV1CandidateBody,
  onBehalfOf: string,
): RequestSpec<GreenhouseV1CreatedCandidate> => ({
  operation: "create candidate",
  method: "POST",
  path: "/v1/candidates",
  headers: onBehalfOfHeader(onBehalfOf),
  body: { json: body },
  expect: [200, 201],
  response: GreenhouseV1CreateCandidateResponseSchema,
  dryRun: { response: { candidateId: DRY_RUN_CANDIDATE_ID, applicationIds: [], truncated: false } },
});

// https://developers.greenhouse.io/harvest.html#post-add-application-to-candidate-prospect
export const v1AddApplication = (
  candidateId: string,
  jobId: number,
  onBehalfOf: string,
): RequestSpec<{ id: string }> => ({
  operation: `create application to job ${jobId}`,
  method: "POST",
  path: `/v1/candidates/${encodeURIComponent(candidateId)}/applications`,
  headers: onBehalfOfHeader(onBehalfOf),
  body: { json: { job_id: jobId } },
  expect: [200, 201],
  response: GreenhouseV1ApplicationSchema,
  dryRun: { response: { id: DRY_RUN_APPLICATION_ID } },
});

// https://developers.greenhouse.io/harvest.html#post-add-attachment
export const v1AddAttachment = (
  candidateId: string,
  file: CvFile,
  onBehalfOf: string,
): RequestSpec<unknown> => ({
  operation: "upload resume",
  method: "POST",
  path: `/v1/candidates/${encodeURIComponent(candidateId)}/attachments`,
  headers: onBehalfOfHeader(onBehalfOf),
  body: {
    json: {
      filename: file.fileName,
      type: "resume",
      content: Buffer.from(file.bytes).toString("base64"),
      content_type: file.contentType,
    },
  },
  expect: [200, 201],
  dryRun: { response: {} },
});
