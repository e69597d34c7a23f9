import type { CvFile } from "../../core/cv.js";
import type { RequestSpec } from "../../core/http/types.js";
import {
  TaleezCandidateListSchema,
  TaleezCandidateSchema,
  TaleezCreatedSchema,
  TaleezDocumentListSchema,
  type TaleezCandidate,
  type TaleezCandidateInput,
  type TaleezDocument,
} from "./schema.js";

/** Taleez ids are integers in request bodies; a dry run's placeholder id stays as it is. */
const idValue = (id: string): number | string => (/^\d+$/.test(id) ? Number(id) : id);

// https://api.taleez.com/swagger-ui/index.html#/candidates (list, filter `mail`; pages are 0-based)
export const findCandidatesByMail = (mail: string): RequestSpec<{ list: TaleezCandidate[] }> => ({
  operation: "search candidates by mail",
  method: "GET",
  path: "/candidates",
  query: { mail, page: 0, pageSize: 100 },
  response: TaleezCandidateListSchema,
  dryRun: { response: { list: [] } },
});

// https://api.taleez.com/swagger-ui/index.html#/candidates (get one; read with `http.find`: 404 is "gone")
export const getCandidate = (id: string): RequestSpec<TaleezCandidate> => ({
  operation: "get candidate",
  method: "GET",
  path: `/candidates/${encodeURIComponent(id)}`,
  response: TaleezCandidateSchema,
});

// https://api.taleez.com/swagger-ui/index.html#/candidates/create_1
// The candidate goes unwrapped (the 0.4.0-era `{candidate: {...}}` wrapper is obsolete).
export const createCandidate = (body: TaleezCandidateInput): RequestSpec<{ id: string }> => ({
  operation: "create candidate",
  method: "POST",
  path: "/candidates",
  body: { json: body },
  response: TaleezCreatedSchema,
  dryRun: { response: { id: "<new candidate id>" } },
});

// https://api.taleez.com/swagger-ui/index.html#/candidates (documents of a candidate)
// Documented only by a third-party description; a 404/405 means "cannot tell", not a failure.
export const listDocuments = (candidateId: string): RequestSpec<unknown> => ({
  operation: "list candidate documents",
  method: "GET",
  path: `/candidates/${encodeURIComponent(candidateId)}/documents`,
  expect: [200, 404, 405],
  dryRun: { response: [] },
});

/** Parses a `listDocuments` answer; undefined when Taleez could not list them. */
export function documentsOrUndefined(status: number, data: unknown): TaleezDocument[] | undefined {
  if (status !== 200) return undefined;
  const parsed = TaleezDocumentListSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

// https://api.taleez.com/swagger-ui/index.html#/candidates (add a document)
// Multipart, file part `file`; `cv=true` marks the file as the candidate's CV. The answer is not used.
export const uploadCv = (candidateId: string, file: CvFile): RequestSpec<unknown> => ({
  operation: "upload CV",
  method: "POST",
  path: `/candidates/${encodeURIComponent(candidateId)}/documents`,
  query: { cv: true },
  body: { multipart: { file } },
  dryRun: { response: undefined },
});

// https://api.taleez.com/swagger-ui/index.html#/jobs/addCandidate_1
// Adding a candidate to a job is membership, not a new record: repeating it cannot duplicate the
// candidate, and "already there" answers are handled by the caller, so it is retried like a PUT.
export const addCandidateToJob = (jobId: number, candidateId: string): RequestSpec<unknown> => ({
  operation: `add candidate to job ${jobId}`,
  method: "POST",
  path: `/jobs/${jobId}/candidates`,
  notFound: { option: "jobId", what: `job ${jobId}` },
  body: { json: { ids: [idValue(candidateId)] } },
  idempotent: true,
  dryRun: { response: undefined },
});
