import type { z } from "zod";
import type { CvFile } from "../../core/cv.js";
import { ResponseValidationError, type ErrorContext } from "../../core/errors.js";
import type { RequestSpec } from "../../core/http/types.js";
import { formatPath } from "../../hrflow/schema.js";
import {
  BreezyCandidateSchema,
  BreezyCandidateSummaryListSchema,
  BreezyCompanyListSchema,
  BreezySearchResultSchema,
  type BreezyCandidate,
  type BreezyCandidateSummary,
  type BreezyCompany,
  type BreezySearchHit,
  type BreezyCandidateInput,
  type BreezyCandidateUpdate,
  type BreezyEducationInput,
  type BreezyWorkHistoryInput,
} from "./schema.js";

/** Where a candidate lives: every candidate endpoint is under a company and a position. */
export interface BreezyPosition {
  companyId: string;
  positionId: string;
}

/** Parses an answer read without a response schema; an unexpected shape is a ResponseValidationError. */
export function parseAnswer<T>(
  schema: z.ZodType<T>,
  data: unknown,
  operation: string,
  context: ErrorContext,
): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new ResponseValidationError(
    `Breezy HR: ${operation}`,
    parsed.error.issues.map((issue) => `${formatPath(issue.path) || "(body)"}: ${issue.message}`),
    context,
  );
}

const enc = encodeURIComponent;
const positionPath = (p: BreezyPosition): string =>
  `/company/${enc(p.companyId)}/position/${enc(p.positionId)}`;
const candidatePath = (p: BreezyPosition, id: string): string => `${positionPath(p)}/candidate/${enc(id)}`;

// https://developer.breezy.hr/docs/companies
// The companies the signed-in user belongs to (`_id`, `name`), to resolve `companyName`.
export const listCompanies = (companyName: string): RequestSpec<BreezyCompany[]> => ({
  operation: "list companies",
  method: "GET",
  path: "/companies",
  response: BreezyCompanyListSchema,
  dryRun: { response: [{ _id: `<id of company ${companyName}>`, name: companyName }] },
});

// https://developer.breezy.hr/docs/company-candidates-search
// Exact match on the email across every position of the company; one hit per position.
export const searchByEmail = (companyId: string, email: string): RequestSpec<BreezySearchHit[]> => ({
  operation: "search candidates by email",
  method: "GET",
  path: `/company/${enc(companyId)}/candidates/search`,
  // URLSearchParams encodes the email (a `+` in it would otherwise read as a space).
  query: { email_address: email },
  response: BreezySearchResultSchema,
  dryRun: { response: [] },
});

// https://developer.breezy.hr/docs/company-position-candidates
// Without a page size the whole list comes back in one answer (the docs disagree on `page_size` and
// `pageSize`, so neither is sent).
export const listPositionCandidates = (position: BreezyPosition): RequestSpec<unknown> => ({
  operation: "list position candidates",
  method: "GET",
  path: `${positionPath(position)}/candidates`,
  expect: [200, 404],
  dryRun: { response: [] },
});

/** Parses a `listPositionCandidates` answer (404 gives an empty list). */
export const candidateSummaries = (
  status: number,
  data: unknown,
  context: ErrorContext,
): BreezyCandidateSummary[] =>
  status === 404
    ? []
    : parseAnswer(BreezyCandidateSummaryListSchema, data, "list position candidates", context);

// https://developer.breezy.hr/docs/company-position-candidate (read with `http.find`: 404 is "gone")
export const getCandidate = (position: BreezyPosition, id: string): RequestSpec<BreezyCandidate> => ({
  operation: "get candidate",
  method: "GET",
  path: candidatePath(position, id),
  response: BreezyCandidateSchema,
});

// https://developer.breezy.hr/docs/company-position-candidates-add
// 200 with the Candidate; 202 `partialCandidateCreated` when an `applied` candidate misses required
// application-form fields (Breezy emails them; no candidate exists yet); 409 when already on the position.
export const createCandidate = (
  position: BreezyPosition,
  body: BreezyCandidateInput,
): RequestSpec<unknown> => ({
  operation: "create candidate on position",
  method: "POST",
  path: `${positionPath(position)}/candidates`,
  notFound: {
    option: "positionId",
    what: `position ${position.positionId} in company ${position.companyId}`,
  },
  body: { json: body },
  expect: [200, 201, 202],
  dryRun: { response: { _id: "<new candidate id>" } },
});

// https://developer.breezy.hr/docs/company-position-candidate-update
// Work history and education are not replaced by this call; they are appended one entry at a time.
export const updateCandidate = (
  position: BreezyPosition,
  id: string,
  body: BreezyCandidateUpdate,
): RequestSpec<unknown> => ({
  operation: "update candidate",
  method: "PUT",
  path: candidatePath(position, id),
  body: { json: body },
  // The answer (the Candidate) is not used, so its shape is not held against the push.
  dryRun: { response: undefined },
});

// https://developer.breezy.hr/docs/company-position-candidate-work-history-add
export const addWorkHistory = (
  position: BreezyPosition,
  id: string,
  entry: BreezyWorkHistoryInput,
): RequestSpec<unknown> => ({
  operation: "add work history entry",
  method: "PUT",
  // Appends: repeating it after a lost answer would add the entry twice.
  idempotent: false,
  path: `${candidatePath(position, id)}/work-history`,
  body: { json: entry },
  dryRun: { response: undefined },
});

// https://developer.breezy.hr/docs/company-position-candidate-education-add
export const addEducation = (
  position: BreezyPosition,
  id: string,
  entry: BreezyEducationInput,
): RequestSpec<unknown> => ({
  operation: "add education entry",
  method: "PUT",
  // Appends: repeating it after a lost answer would add the entry twice.
  idempotent: false,
  path: `${candidatePath(position, id)}/education`,
  body: { json: entry },
  dryRun: { response: undefined },
});

// https://developer.breezy.hr/docs/company-position-candidate-resume-add
// Multipart; the schema names the part `file` (the curl sample says `data`). Success is 204, no body.
export const uploadResume = (position: BreezyPosition, id: string, file: CvFile): RequestSpec<unknown> => ({
  operation: "upload resume",
  method: "POST",
  path: `${candidatePath(position, id)}/resume`,
  body: { multipart: { file } },
  expect: [200, 201, 204],
  dryRun: { response: undefined },
});
