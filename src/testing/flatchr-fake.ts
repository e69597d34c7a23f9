import { randomBytes } from "node:crypto";
import { AuthorizationAuth } from "../core/auth/static.js";
import {
  FakeServer,
  type FakeLimitStats,
  type FakeLimits,
  type FakeRequest,
  type FakeResponse,
} from "./fake-server.js";
import { BodyChecker, EMAIL, isRecord } from "./fake-helpers.js";
import type { SandboxVendor } from "./sandbox.js";

/** A vacancy of the fake. */
export interface FakeFlatchrVacancy {
  /** Encoded id, e.g. `k0M5O9ylKZnxbQBy` (the search's `vacancy` filter). */
  id: string;
  /** Numeric id. */
  vacancy_id: number;
  /** What the create's `vacancy` field takes. */
  slug: string;
  title: string;
  company: string;
}

/** An applicant as the fake stores it. */
export interface FakeFlatchrApplicant {
  /** Encoded applicant id (Flatchr's create never returns it; the search does). */
  applicant: string;
  vacancy: FakeFlatchrVacancy;
  column: string;
  firstname: string;
  lastname: string;
  email: string | undefined;
  phone: string | undefined;
  /** `DD/MM/YY`, as the search answers it. */
  created_at: string;
  createdAtMs: number;
  source: string;
  /** The CV: the decoded bytes of a `document`, or the URL of a `link`. */
  resume:
    | { kind: "document"; fileName: string; contentType: string; bytes: Uint8Array }
    | { kind: "link"; url: string };
  /** The body received, without `token` and with the CV data left out. */
  body: Record<string, unknown>;
}

/** Options of {@link FlatchrFake}. */
export interface FlatchrFakeOptions {
  /** The API key it accepts (as `Authorization: Bearer` or `?token=`, and as the create's `token`). @default "fl-key-sbx-2a9d" */
  apiKey?: string;
  /** Vacancies that exist. @default one "Data Engineer (H/F)" vacancy of company `LEZBvp5b4LdMoVmg` */
  vacancies?: readonly FakeFlatchrVacancy[];
  /** Mount names of the API and careers hosts. @default "flatchr-api", "flatchr-careers" */
  apiName?: string;
  careersName?: string;
}

const DEFAULT_VACANCY: FakeFlatchrVacancy = {
  id: "k0M5O9ylKZnxbQBy",
  vacancy_id: 4242,
  slug: "k0m5o9ylkznxbqby-data-engineer-h-f",
  title: "Data Engineer (H/F)",
  company: "LEZBvp5b4LdMoVmg",
};

/** Flatchr answers errors the hapi way: `{statusCode, error, message}`. */
const error = (status: number, message: string): FakeResponse => {
  const names: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    415: "Unsupported Media Type",
  };
  return { status, body: { statusCode: status, error: names[status] ?? "Error", message } };
};

const CREATE_FIELDS = [
  "vacancy",
  "firstname",
  "lastname",
  "token",
  "email",
  "phone",
  "type",
  "resume",
  "comment",
  "offerer_id",
  "urls",
  "legalNewsletterPartners",
  "similarities",
  "response_text",
  "answers",
  // Not in the docs, but HrFlow's own connector sends it and Flatchr takes it.
  "source",
] as const;
const SEARCH_FIELDS = [
  "firstname",
  "lastname",
  "email",
  "hired",
  "column",
  "start",
  "end",
  "company",
  "vacancy",
] as const;
const URL_KEYS = ["facebook", "linkedin", "twitter", "other"] as const;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The docs' link example has no scheme (`storage.s3...amazonaws.com/CV/x.pdf`): both accepted. */
const LINK = /^(https?:\/\/)?[^\s/]+\.[^\s]+$/;
const PLACEHOLDERS = new Set(["undefined", "null", "n/a", "na", "xxxxx", "none", "-"]);
const MMDDYY = /^(\d{2})\/(\d{2})\/(\d{2})$/;

const newId = (): string =>
  randomBytes(12)
    .toString("base64")
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, 16)
    .padEnd(16, "x");

const ddmmyy = (ms: number): string => {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)}`;
};

/**
 * Fake Flatchr, on its two hosts:
 * - `careers`: `POST /vacancy/candidate/json` checks `Authorization: Bearer <key>` **and** the body's
 *   `token`, validates the documented body (no unknown fields; firstname, lastname, vacancy, type and
 *   resume required; a `document` resume is `{data (base64), fileName, contentType}`, a `link` resume a
 *   URL; `urls` an object `{facebook, linkedin, twitter, other}` or HrFlow v2's list), answers 404 for an
 *   unknown vacancy and 200 `{"response":"applicant created"}` with no id. Like Flatchr it does not
 *   deduplicate: posting twice makes two applicants.
 * - `api`: `POST /company/{companyId}/search/applicants` (filters matched loosely, like a search) and
 *   `GET /company/{companyId}/vacancies`.
 */
export class FlatchrFake {
  readonly apiKey: string;
  readonly vacancies: FakeFlatchrVacancy[];
  /** Applicants by id, in creation order. */
  readonly applicants = new Map<string, FakeFlatchrApplicant>();
  /** `https://api.flatchr.io`. */
  readonly api: FakeServer;
  /** `https://careers.flatchr.io`. */
  readonly careers: FakeServer;

  constructor(options: FlatchrFakeOptions = {}) {
    this.apiKey = options.apiKey ?? "fl-key-sbx-2a9d";
    this.vacancies = [...(options.vacancies ?? [DEFAULT_VACANCY])];
    this.api = new FakeServer(options.apiName ?? "flatchr-api");
    this.careers = new FakeServer(options.careersName ?? "flatchr-careers");
    this.careers.route("POST", "/vacancy/candidate/json", (req) => this.#create(req));
    this.api.route("POST", "/company/:companyId/search/applicants", (req) =>
      this.#guard(req, () => this.#search(req)),
    );
    this.api.route("GET", "/company/:companyId/vacancies", (req) =>
      this.#guard(req, () => this.#listVacancies(req)),
    );
  }

  /** Company ids that exist (those of the vacancies). */
  get companies(): string[] {
    return [...new Set(this.vacancies.map((v) => v.company))];
  }

  /** Applicants with this email (case-insensitive). */
  findByEmail(email: string): FakeFlatchrApplicant[] {
    return [...this.applicants.values()].filter((a) => a.email?.toLowerCase() === email.toLowerCase());
  }

  /** Starts both hosts standalone on loopback. */
  async listen(): Promise<void> {
    await this.api.listen();
    await this.careers.listen();
  }

  async close(): Promise<void> {
    await this.api.close();
    await this.careers.close();
  }

  /**
   * Flatchr publishes no limit; this enforces the one the client assumes for it (5 requests per second and
   * 4 in flight per API key, the library's default for vendors without a published limit) on each host,
   * answering 429 with `Retry-After`. Overrides replace single figures.
   */
  enforceVendorLimits(overrides: Partial<FakeLimits> = {}): this {
    const limits: FakeLimits = {
      requests: 5,
      perMs: 1000,
      concurrency: 4,
      retryAfter: true,
      credential: (req) => req.headers["authorization"] ?? "(none)",
      ...overrides,
    };
    this.api.limit(limits);
    this.careers.limit(limits);
    return this;
  }

  /** Adds this much latency to every request on both hosts. */
  latency(ms: number): this {
    this.api.latency(ms);
    this.careers.latency(ms);
    return this;
  }

  /** The pace the client kept on each host (see {@link FakeServer.limitStats}). */
  limitStats(): { api: FakeLimitStats; careers: FakeLimitStats } {
    return { api: this.api.limitStats(), careers: this.careers.limitStats() };
  }

  /** Removes scripted faults and recorded requests on both hosts. */
  clearFaults(): void {
    this.api.clearFaults();
    this.careers.clearFaults();
  }

  #keyOf(req: FakeRequest): string | undefined {
    const header = req.headers["authorization"];
    const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    return bearer?.[1] ?? req.query.get("token") ?? undefined;
  }

  #guard(req: FakeRequest, handle: () => FakeResponse): FakeResponse {
    if (this.#keyOf(req) !== this.apiKey) return error(401, "Invalid token");
    const company = req.params["companyId"] ?? "";
    if (!this.companies.includes(company)) return error(404, "Company not found");
    return handle();
  }

  #listVacancies(req: FakeRequest): FakeResponse {
    const company = req.params["companyId"];
    return {
      status: 200,
      body: this.vacancies.filter((v) => v.company === company).map((v) => ({ ...v, status: 1 })),
    };
  }

  #search(req: FakeRequest): FakeResponse {
    const body: unknown = req.body ?? {};
    if (!isRecord(body)) return error(400, "The body must be a JSON object of filters");
    const check = new BodyChecker();
    check.onlyKeys(body, SEARCH_FIELDS);
    for (const key of ["firstname", "lastname", "email", "column", "company", "vacancy"])
      check.string(body, key);
    for (const key of ["start", "end"]) check.string(body, key, { pattern: MMDDYY });
    const hired = body["hired"];
    if (hired !== undefined && typeof hired !== "boolean" && hired !== "true" && hired !== "false")
      check.add("hired", "must be a boolean");
    if (check.problems.length > 0)
      return error(400, check.problems.map((p) => `${p.field}: ${p.message}`).join("; "));

    const contains = (value: string | undefined, wanted: unknown): boolean =>
      typeof wanted !== "string" || (value ?? "").toLowerCase().includes(wanted.toLowerCase());
    const dateMs = (value: unknown): number | undefined => {
      const m = typeof value === "string" ? MMDDYY.exec(value) : null;
      return m ? Date.UTC(2000 + Number(m[3]), Number(m[1]) - 1, Number(m[2])) : undefined;
    };
    const company = typeof body["company"] === "string" ? body["company"] : req.params["companyId"];
    const start = dateMs(body["start"]);
    const end = dateMs(body["end"]);
    const hits = [...this.applicants.values()].filter(
      (a) =>
        a.vacancy.company === company &&
        contains(a.firstname, body["firstname"]) &&
        contains(a.lastname, body["lastname"]) &&
        contains(a.email, body["email"]) &&
        (body["column"] === undefined || a.column === body["column"]) &&
        (body["vacancy"] === undefined || a.vacancy.id === body["vacancy"]) &&
        (hired === undefined || hired === false || hired === "false") &&
        (start === undefined || a.createdAtMs >= start) &&
        (end === undefined || a.createdAtMs < end + 86_400_000),
    );
    return {
      status: 200,
      body: hits.map((a) => ({
        applicant: a.applicant,
        vacancy: a.vacancy.title,
        vacancy_id: a.vacancy.vacancy_id,
        column: a.column,
        external_id: "",
        firstname: a.firstname,
        lastname: a.lastname,
        email: a.email ?? "",
        phone: a.phone ?? "",
        created_at: a.created_at,
        source: a.source,
      })),
    };
  }

  #validate(body: Record<string, unknown>): BodyChecker {
    const check = new BodyChecker();
    check.onlyKeys(body, CREATE_FIELDS);
    check.string(body, "vacancy", { required: true, max: 255 });
    // The docs say /[a-zA-Z]/: read as "contains a letter" (accented and non-Latin names are real names).
    check.string(body, "firstname", { required: true, max: 100, pattern: /\p{L}/u });
    check.string(body, "lastname", { required: true, max: 100, pattern: /\p{L}/u });
    check.string(body, "email", { pattern: EMAIL });
    const phone = body["phone"];
    // The docs type it as an integer; HrFlow's connector sends a string: both accepted.
    if (phone !== undefined && !(typeof phone === "number" && Number.isInteger(phone) && phone > 0)) {
      check.string(body, "phone", { max: 50 });
      if (typeof phone === "string" && (phone.match(/\d/g) ?? []).length < 6)
        check.add("phone", `is not a phone number: "${phone}"`);
    }
    for (const key of ["comment", "response_text", "source"]) check.string(body, key);
    check.integer(body, "offerer_id");
    check.boolean(body, "legalNewsletterPartners");
    check.boolean(body, "similarities");

    const type = body["type"];
    const resume = body["resume"];
    if (type === undefined) check.add("type", "is required");
    else if (type !== "document" && type !== "link") check.add("type", 'must be "document" or "link"');
    if (resume === undefined) check.add("resume", "is required");
    else if (type === "document") {
      if (!isRecord(resume))
        check.add("resume", 'must be {data, fileName, contentType} when type is "document"');
      else {
        check.onlyKeys(resume, ["data", "fileName", "contentType"], "resume.");
        check.string(resume, "fileName", { required: true, max: 255, prefix: "resume." });
        check.string(resume, "contentType", {
          required: true,
          pattern: /^[\w.+-]+\/[\w.+-]+$/,
          prefix: "resume.",
        });
        const data = resume["data"];
        if (typeof data !== "string" || data.length === 0) check.add("resume.data", "is required (base64)");
        else if (data.length % 4 !== 0 || !BASE64.test(data))
          check.add("resume.data", "must be valid base64");
      }
    } else if (type === "link") {
      if (typeof resume !== "string" || !LINK.test(resume))
        check.add("resume", 'must be the URL of the CV when type is "link"');
    }

    const urls = body["urls"];
    if (urls !== undefined) {
      if (Array.isArray(urls)) {
        // HrFlow v2 sends a list of {<type>: url}; the docs describe one object. Both accepted.
        urls.forEach((entry, i) => {
          if (!isRecord(entry) || Object.keys(entry).length !== 1)
            check.add(`urls[${i}]`, "must be {<type>: url}");
          else for (const key of Object.keys(entry)) check.url(entry, key, `urls[${i}].`);
        });
      } else if (!isRecord(urls)) check.add("urls", "must be an object {facebook, linkedin, twitter, other}");
      else {
        check.onlyKeys(urls, URL_KEYS, "urls.");
        for (const key of URL_KEYS) check.url(urls, key, "urls.");
      }
    }
    const answers = body["answers"];
    if (answers !== undefined) {
      if (!Array.isArray(answers)) check.add("answers", "must be a list");
      else
        answers.forEach((answer, i) => {
          if (!isRecord(answer)) {
            check.add(`answers[${i}]`, "must be {question, value}");
            return;
          }
          const q = answer["question"];
          if (!(typeof q === "string" && q !== "") && !(typeof q === "number" && Number.isInteger(q)))
            check.add(`answers[${i}].question`, "must be a question text or a tag id");
          if (typeof answer["value"] !== "string") check.add(`answers[${i}].value`, "must be a string");
        });
    }
    for (const [key, value] of Object.entries(body)) {
      if (typeof value === "string" && PLACEHOLDERS.has(value.trim().toLowerCase()))
        check.add(key, `is a placeholder ("${value}"): omit unknown fields instead`);
    }
    return check;
  }

  #create(req: FakeRequest): FakeResponse {
    if (this.#keyOf(req) !== this.apiKey) return error(401, "Invalid token");
    if (!req.contentType.startsWith("application/json"))
      return error(415, "Expected a JSON body (Content-Type: application/json)");
    const body = req.body;
    if (!isRecord(body)) return error(400, "The body must be a JSON object");
    // The key is checked twice: in the header and in the body.
    if (body["token"] === undefined) return error(401, "token is required");
    if (body["token"] !== this.apiKey) return error(401, "Invalid token");
    const check = this.#validate(body);
    if (check.problems.length > 0)
      return error(400, check.problems.map((p) => `${p.field}: ${p.message}`).join("; "));
    const wanted = String(body["vacancy"]);
    const vacancy = this.vacancies.find((v) => v.slug === wanted || v.id === wanted);
    if (!vacancy) return error(404, "Vacancy not found");

    const resume = body["resume"];
    const stored: FakeFlatchrApplicant["resume"] =
      isRecord(resume) && typeof resume["data"] === "string"
        ? {
            kind: "document",
            fileName: String(resume["fileName"]),
            contentType: String(resume["contentType"]),
            bytes: new Uint8Array(Buffer.from(resume["data"], "base64")),
          }
        : { kind: "link", url: String(resume) };
    if (stored.kind === "document" && stored.bytes.byteLength === 0)
      return error(400, "resume.data: the file is empty");
    const kept: Record<string, unknown> = { ...body };
    delete kept["token"];
    if (stored.kind === "document")
      kept["resume"] = { fileName: stored.fileName, contentType: stored.contentType };
    const now = Date.now();
    const applicant: FakeFlatchrApplicant = {
      applicant: newId(),
      vacancy,
      column: "Nouveaux candidats",
      firstname: String(body["firstname"]),
      lastname: String(body["lastname"]),
      email: typeof body["email"] === "string" ? body["email"] : undefined,
      phone:
        typeof body["phone"] === "string" || typeof body["phone"] === "number"
          ? String(body["phone"])
          : undefined,
      created_at: ddmmyy(now),
      createdAtMs: now,
      source: typeof body["source"] === "string" ? body["source"] : "API",
      resume: stored,
      body: kept,
    };
    this.applicants.set(applicant.applicant, applicant);
    return { status: 200, body: { response: "applicant created" } };
  }
}

/** The Flatchr part of the sandbox: two fakes (API and careers hosts). */
export function createFlatchrSandbox(fake = new FlatchrFake()): SandboxVendor {
  const vacancy = fake.vacancies[0] ?? DEFAULT_VACANCY;
  return {
    connector: "flatchr",
    fakes: [fake.api, fake.careers],
    // Credentials only: the hosts are options (`baseUrl`, `careersBaseUrl`), which no variable sets.
    env: () => ({ FLATCHR_API_KEY: fake.apiKey }),
    auth: () => new AuthorizationAuth({ value: fake.apiKey }),
    options: () => ({
      baseUrl: fake.api.url,
      careersBaseUrl: fake.careers.url,
      vacancy: vacancy.slug,
      company: vacancy.company,
    }),
    cliFlags: () => [
      "--base-url",
      fake.api.url,
      "--careers-base-url",
      fake.careers.url,
      "--vacancy",
      vacancy.slug,
      "--company",
      vacancy.company,
    ],
    faults: {
      create: { fake: fake.careers, method: "POST", path: /^\/vacancy\/candidate\/json$/ },
    },
    candidates: () =>
      [...fake.applicants.values()].map((a) => ({
        vendorId: a.applicant,
        name: `${a.firstname} ${a.lastname}`,
        email: a.email,
        cv: a.resume.kind === "document" ? a.resume.fileName : a.resume.url,
        details: `vacancy "${a.vacancy.title}", CV as ${a.resume.kind}${isRecord(a.body["urls"]) ? `, ${Object.keys(a.body["urls"]).length} links` : ""}`,
      })),
  };
}
