import { ResponseValidationError, type ErrorContext } from "../../core/errors.js";
import type { HttpResponse, RequestSpec } from "../../core/http/types.js";
import {
  FlatchrApplicantListSchema,
  FlatchrCreateAnswerSchema,
  type FlatchrApplicant,
  type FlatchrCandidateInput,
} from "./schema.js";

// https://developers.flatchr.io/docs/QuickStart/Candidats/Recuperer_un_candidat
// API host. A POST that only reads: safe to repeat. The `vacancy` filter takes the vacancy's encoded id
// (not the slug this connector is given), so the search covers the whole company.
export const searchApplicants = (
  companyId: string,
  filters: { email: string },
): RequestSpec<FlatchrApplicant[]> => ({
  operation: "search applicants",
  method: "POST",
  path: `/company/${encodeURIComponent(companyId)}/search/applicants`,
  body: { json: filters },
  idempotent: true,
  readOnly: true,
  notFound: { option: "company", what: `company "${companyId}"` },
  response: FlatchrApplicantListSchema,
  dryRun: { response: [] },
});

// https://developers.flatchr.io/docs/QuickStart/Candidats/Creer_un_candidat
// Careers host (`ctx.client(careersBaseUrl)`). The key goes both in `Authorization: Bearer` (wire auth)
// and in the body as `token`. The answer carries no applicant id; read it with `createdMessage`.
export const createCandidate = (body: FlatchrCandidateInput, apiKey: string): RequestSpec<unknown> => ({
  operation: "create applicant",
  method: "POST",
  path: "/vacancy/candidate/json",
  notFound: { option: "vacancy", what: `vacancy "${body.vacancy}" (check careersBaseUrl too)` },
  body: { json: { ...body, token: apiKey } },
  dryRun: { response: { response: "applicant created" } },
});

/**
 * Reads the create's 2xx answer: `{"response":"applicant created"}` (the docs), a JSON string, or a plain
 * text saying "created". Anything else is an unreadable answer: the create may or may not have happened,
 * so a ResponseValidationError lets `createOnce` look the applicant up before trying again.
 */
export function createdMessage(
  response: HttpResponse<unknown>,
  context: ErrorContext,
  redact: (text: string) => string,
): string {
  const parsed = FlatchrCreateAnswerSchema.safeParse(response.data);
  if (parsed.success)
    return redact(typeof parsed.data === "string" ? parsed.data : parsed.data.response).slice(0, 200);
  const text = response.text.trim();
  if (response.data === undefined && /created|créé/i.test(text)) return redact(text).slice(0, 200);
  throw new ResponseValidationError(
    `Flatchr: create applicant (${response.status})`,
    [
      `expected {"response":"applicant created"}, got ${text === "" ? "an empty body" : `"${redact(text.slice(0, 80))}"`}`,
    ],
    context,
  );
}
