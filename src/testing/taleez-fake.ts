import { XTaleezAuth } from "../core/auth/static.js";
import type { SandboxVendor } from "./sandbox.js";
import {
  FakeServer,
  isReceivedFile,
  type FakeLimits,
  type FakeRequest,
  type FakeResponse,
} from "./fake-server.js";
import { BodyChecker, EMAIL, isRecord } from "./fake-helpers.js";

/** Options of {@link TaleezFake}. */
export interface TaleezFakeOptions {
  /** The secret it accepts in `X-taleez-api-secret`. @default "taleez-sandbox-secret" */
  secret?: string;
  /** Job ids that exist. @default [9] */
  jobs?: readonly number[];
  /** Recruiter ids that exist (`GET /0/recruiters`). @default [15886] */
  recruiters?: readonly number[];
  /** Unit ids that exist; empty means the account is not segmented by unit (any unitId goes). @default [] */
  units?: readonly number[];
  /**
   * Refuse a `location` without city, country, lat and lng (what one third-party source says). Off by
   * default: HrFlow's own connector sends partial locations.
   * @default false
   */
  requireFullLocation?: boolean;
  /** Mount name. @default "taleez" */
  name?: string;
}

/** A document as the fake stores it. */
export interface FakeTaleezDocument {
  id: number;
  name: string;
  contentType: string;
  size: number;
  bytes: Uint8Array;
  cv: boolean;
  date: number;
}

/** A candidate as the fake stores it. */
export interface FakeTaleezCandidate {
  id: number;
  /** The create body as received (unwrapped when it came in the legacy `{candidate}` wrapper). */
  body: Record<string, unknown>;
  /** True when the body came in the legacy `{candidate: {...}}` wrapper. */
  wrapped: boolean;
  jobs: number[];
  documents: FakeTaleezDocument[];
  dateCreation: number;
  /** A phone the create carried in a form Taleez does not read: ignored (the candidate has no phone). */
  ignoredPhone?: string;
}

/**
 * The phone forms Taleez reads (`+33611223344`, `0033611223344`, `0611223344`); it silently ignores any
 * other, spaces and dots included (vendor-apis.md, Taleez create: "invalid numbers are ignored silently").
 */
const READABLE_PHONE = /^(?:(?:\+|00)[1-9]\d{6,14}|0\d{9})$/;

const CANDIDATE_KEYS = [
  "firstName",
  "lastName",
  "mail",
  "phone",
  "lang",
  "initialReferrer",
  // A third-party description calls the referrer `source`.
  "source",
  "recruiterId",
  "unitId",
  // HrFlow's mapping writes `social_links`; the read shape says `socialLinks`: both accepted.
  "social_links",
  "socialLinks",
  "location",
];
const SOCIAL_KEYS = ["linkedin", "viadeo", "twitter", "github", "behance", "other", "website", "dribble"];
const LOCATION_KEYS = ["country", "lat", "lng", "city", "postalCode", "street", "streetNumber"];
const PLACEHOLDER = /^(undefined|null|none|n\/?a|x{3,}|-+|\?+)$/i;

/** Spring Boot's error body, which Taleez (a Spring application, by its springdoc operation ids) sends. */
function error(
  req: FakeRequest,
  status: number,
  message: string,
  errors?: { field: string; message: string }[],
): FakeResponse {
  const reasons: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    409: "Conflict",
    415: "Unsupported Media Type",
  };
  return {
    status,
    body: {
      timestamp: new Date().toISOString(),
      status,
      error: reasons[status] ?? "Error",
      message,
      ...(errors ? { errors } : {}),
      path: req.path,
    },
  };
}

/**
 * Fake Taleez API (`/0/...`): checks `X-taleez-api-secret`, validates the candidate (strict keys, names
 * required, `mail` unique per company with a 409, integer ids, upper-case `lang` and ISO-2 country, http(s)
 * social links, no placeholders, no 0,0 coordinates), keeps candidates, documents (`?cv=true` marks the
 * CV) and job memberships, and answers lookups by mail.
 */
export class TaleezFake extends FakeServer {
  readonly secret: string;
  readonly jobs: Set<number>;
  readonly recruiters: Set<number>;
  readonly units: Set<number>;
  readonly requireFullLocation: boolean;
  readonly candidates = new Map<number, FakeTaleezCandidate>();
  #nextId = 10_482_301;
  #nextDocumentId = 7_001;

  constructor(options: TaleezFakeOptions = {}) {
    super(options.name ?? "taleez");
    this.secret = options.secret ?? "taleez-sandbox-secret";
    this.jobs = new Set(options.jobs ?? [9]);
    this.recruiters = new Set(options.recruiters ?? [15886]);
    this.units = new Set(options.units ?? []);
    this.requireFullLocation = options.requireFullLocation ?? false;
    this.route("GET", "/0/candidates", (req) => this.#auth(req, () => this.#list(req)));
    this.route("POST", "/0/candidates", (req) => this.#auth(req, () => this.#create(req)));
    this.route("GET", "/0/candidates/:id", (req) => this.#auth(req, () => this.#get(req)));
    this.route("GET", "/0/candidates/:id/documents", (req) => this.#auth(req, () => this.#documents(req)));
    this.route("POST", "/0/candidates/:id/documents", (req) => this.#auth(req, () => this.#upload(req)));
    this.route("POST", "/0/candidates/:id/jobs", (req) => this.#auth(req, () => this.#candidateJobs(req)));
    this.route("POST", "/0/jobs/:jobId/candidates", (req) => this.#auth(req, () => this.#jobCandidates(req)));
  }

  /**
   * Taleez publishes no limit; this enforces the one the client assumes for it (5 requests per second and 4
   * in flight per API secret, the library's default for vendors without a published limit), answering 429
   * with `Retry-After`. Overrides replace single figures.
   */
  enforceVendorLimits(overrides: Partial<FakeLimits> = {}): this {
    return this.limit({
      requests: 5,
      perMs: 1000,
      concurrency: 4,
      retryAfter: true,
      credential: (req) => req.headers["x-taleez-api-secret"] ?? "(none)",
      ...overrides,
    });
  }

  /** Candidates with this mail (case-insensitive). */
  findByMail(mail: string): FakeTaleezCandidate[] {
    return [...this.candidates.values()].filter(
      (c) => typeof c.body["mail"] === "string" && c.body["mail"].toLowerCase() === mail.toLowerCase(),
    );
  }

  /** The document marked as the candidate's CV (the last one uploaded with `cv=true`). */
  cvOf(candidate: FakeTaleezCandidate): FakeTaleezDocument | undefined {
    return candidate.documents.filter((d) => d.cv).at(-1);
  }

  async #auth(req: FakeRequest, handle: () => FakeResponse | Promise<FakeResponse>): Promise<FakeResponse> {
    // Header names are case-insensitive (Pipedream sends it lower-case).
    if (req.headers["x-taleez-api-secret"] !== this.secret)
      return error(req, 401, "Invalid or missing X-taleez-api-secret");
    return handle();
  }

  #candidate(req: FakeRequest): FakeTaleezCandidate | undefined {
    const raw = req.params["id"] ?? "";
    return /^\d+$/.test(raw) ? this.candidates.get(Number(raw)) : undefined;
  }

  /** The read shape (`GET /0/candidates/{id}`). */
  #read(c: FakeTaleezCandidate): Record<string, unknown> {
    const { social_links: snake, socialLinks: camel, initialReferrer, source, ...rest } = c.body;
    const cv = this.cvOf(c);
    return {
      id: c.id,
      dateCreation: c.dateCreation,
      ...rest,
      initialReferrer: initialReferrer ?? source,
      socialLinks: snake ?? camel ?? {},
      cv: cv ? `${this.url}/0/documents/${cv.id}/download` : null,
      properties: [],
    };
  }

  #list(req: FakeRequest): FakeResponse {
    const page = Number(req.query.get("page") ?? "0");
    const pageSize = Number(req.query.get("pageSize") ?? "20");
    if (!Number.isInteger(page) || page < 0) return error(req, 400, "page must be an integer >= 0");
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      return error(req, 400, "pageSize must be between 1 and 1000");
    const mail = req.query.get("mail");
    const hits = mail === null ? [...this.candidates.values()] : this.findByMail(mail);
    const slice = hits.slice(page * pageSize, (page + 1) * pageSize);
    return {
      status: 200,
      body: { list: slice.map((c) => this.#read(c)), hasMore: hits.length > (page + 1) * pageSize },
    };
  }

  #validate(body: Record<string, unknown>): BodyChecker {
    const check = new BodyChecker();
    check.onlyKeys(body, CANDIDATE_KEYS);
    check.string(body, "firstName", { required: true, max: 100 });
    check.string(body, "lastName", { required: true, max: 100 });
    check.string(body, "mail", { pattern: EMAIL, max: 200 });
    check.string(body, "phone", { max: 40 });
    check.string(body, "lang", { pattern: /^[A-Z]{2}$/ });
    check.string(body, "initialReferrer", { max: 100 });
    check.string(body, "source", { max: 100 });
    check.integer(body, "recruiterId", { min: 1 });
    check.integer(body, "unitId", { min: 1 });
    for (const [key, value] of Object.entries(body))
      if (typeof value === "string" && PLACEHOLDER.test(value.trim()))
        check.add(key, `is a placeholder ("${value}"): omit unknown fields`);
    if (body["social_links"] !== undefined && body["socialLinks"] !== undefined)
      check.add("socialLinks", "give social_links or socialLinks, not both");
    for (const key of ["social_links", "socialLinks"]) {
      const links = body[key];
      if (links === undefined) continue;
      if (!isRecord(links)) {
        check.add(key, "must be an object");
        continue;
      }
      check.onlyKeys(links, SOCIAL_KEYS, `${key}.`);
      for (const network of SOCIAL_KEYS) check.url(links, network, `${key}.`);
    }
    const location = body["location"];
    if (location !== undefined) {
      if (!isRecord(location)) check.add("location", "must be an object");
      else {
        check.onlyKeys(location, LOCATION_KEYS, "location.");
        const required = this.requireFullLocation;
        check.string(location, "country", { required, pattern: /^[A-Z]{2}$/, prefix: "location." });
        check.string(location, "city", { required, max: 100, prefix: "location." });
        for (const key of ["postalCode", "street", "streetNumber"])
          check.string(location, key, { max: 200, prefix: "location." });
        for (const [key, limit] of [
          ["lat", 90],
          ["lng", 180],
        ] as const) {
          const value = location[key];
          if (value === undefined) {
            if (required) check.add(`location.${key}`, "is required");
          } else if (typeof value !== "number" || !Number.isFinite(value) || Math.abs(value) > limit)
            check.add(`location.${key}`, `must be a number within ±${limit}`);
        }
        if (location["lat"] === 0 && location["lng"] === 0)
          check.add("location.lat", "0,0 is not a real location");
        if (Object.keys(location).length === 0) check.add("location", "must not be empty");
      }
    }
    return check;
  }

  #create(req: FakeRequest): FakeResponse {
    if (!req.contentType.startsWith("application/json") || !isRecord(req.body))
      return error(req, 400, "The body must be a JSON candidate");
    // The 0.4.0-era clients wrapped the candidate as {"candidate": {...}}.
    const wrapped = Object.keys(req.body).length === 1 && isRecord(req.body["candidate"]);
    const body = wrapped && isRecord(req.body["candidate"]) ? req.body["candidate"] : req.body;
    const check = this.#validate(body);
    if (check.problems.length > 0) return error(req, 400, "Invalid candidate", check.problems);
    const recruiterId = body["recruiterId"];
    if (typeof recruiterId === "number" && !this.recruiters.has(recruiterId))
      return error(req, 400, `Unknown recruiter ${recruiterId}`, [
        { field: "recruiterId", message: "no such recruiter in this company" },
      ]);
    const unitId = body["unitId"];
    if (typeof unitId === "number" && this.units.size > 0 && !this.units.has(unitId))
      return error(req, 400, `Unknown unit ${unitId}`, [
        { field: "unitId", message: "no such unit in this company" },
      ]);
    const mail = body["mail"];
    if (typeof mail === "string" && this.findByMail(mail).length > 0)
      return error(req, 409, `A candidate with the mail ${mail} already exists in this company`);
    const stored = structuredClone(body);
    const phone = stored["phone"];
    const ignoredPhone = typeof phone === "string" && !READABLE_PHONE.test(phone) ? phone : undefined;
    if (ignoredPhone !== undefined) delete stored["phone"];
    const candidate: FakeTaleezCandidate = {
      id: this.#nextId++,
      body: stored,
      wrapped,
      jobs: [],
      documents: [],
      dateCreation: Date.now(),
      ...(ignoredPhone === undefined ? {} : { ignoredPhone }),
    };
    this.candidates.set(candidate.id, candidate);
    return { status: 200, body: this.#read(candidate) };
  }

  #get(req: FakeRequest): FakeResponse {
    const candidate = this.#candidate(req);
    return candidate ? { status: 200, body: this.#read(candidate) } : error(req, 404, "Candidate not found");
  }

  #describe(d: FakeTaleezDocument): Record<string, unknown> {
    return {
      id: d.id,
      name: d.name,
      date: d.date,
      size: d.size,
      url: `${this.url}/0/documents/${d.id}/download`,
    };
  }

  #documents(req: FakeRequest): FakeResponse {
    const candidate = this.#candidate(req);
    if (!candidate) return error(req, 404, "Candidate not found");
    return { status: 200, body: candidate.documents.map((d) => this.#describe(d)) };
  }

  #upload(req: FakeRequest): FakeResponse {
    const candidate = this.#candidate(req);
    if (!candidate) return error(req, 404, "Candidate not found");
    if (!req.contentType.startsWith("multipart/form-data") || !isRecord(req.body))
      return error(req, 415, "Expected multipart/form-data with a file part");
    const cvFlag = req.query.get("cv");
    if (cvFlag !== null && !/^(true|false)$/i.test(cvFlag))
      return error(req, 400, "cv must be true or false");
    const file = req.body["file"];
    if (!isReceivedFile(file))
      return error(req, 400, "Missing file", [
        { field: "file", message: "the multipart part `file` is required" },
      ]);
    if (file.size === 0) return error(req, 400, "Empty file");
    if (file.fileName.trim() === "") return error(req, 400, "The file has no name");
    const document: FakeTaleezDocument = {
      id: this.#nextDocumentId++,
      name: file.fileName,
      contentType: file.contentType,
      size: file.size,
      bytes: file.bytes,
      cv: cvFlag?.toLowerCase() === "true",
      date: Date.now(),
    };
    candidate.documents.push(document);
    return { status: 200, body: this.#describe(document) };
  }

  /** `{"ids": [int, ...]}`, strict. */
  #ids(req: FakeRequest): number[] | FakeResponse {
    const body = req.body;
    if (!isRecord(body)) return error(req, 400, 'The body must be {"ids": [...]}');
    const check = new BodyChecker();
    check.onlyKeys(body, ["ids"]);
    const ids = body["ids"];
    if (!Array.isArray(ids) || ids.length === 0) check.add("ids", "must be a non-empty list");
    else
      ids.forEach((id, i) => {
        if (typeof id !== "number" || !Number.isInteger(id) || id < 1)
          check.add(`ids[${i}]`, `must be an integer id, got ${JSON.stringify(id)}`);
      });
    if (check.problems.length > 0 || !Array.isArray(ids))
      return error(req, 400, "Invalid ids", check.problems);
    return ids.map(Number);
  }

  #jobCandidates(req: FakeRequest): FakeResponse {
    const jobId = Number(req.params["jobId"]);
    if (!this.jobs.has(jobId)) return error(req, 404, `Job ${req.params["jobId"] ?? ""} not found`);
    const ids = this.#ids(req);
    if (!Array.isArray(ids)) return ids;
    const missing = ids.filter((id) => !this.candidates.has(id));
    if (missing.length > 0) return error(req, 404, `Candidate(s) not found: ${missing.join(", ")}`);
    // Membership: adding a candidate already in the job changes nothing.
    for (const id of ids) {
      const candidate = this.candidates.get(id);
      if (candidate && !candidate.jobs.includes(jobId)) candidate.jobs.push(jobId);
    }
    return { status: 200 };
  }

  #candidateJobs(req: FakeRequest): FakeResponse {
    const candidate = this.#candidate(req);
    if (!candidate) return error(req, 404, "Candidate not found");
    const ids = this.#ids(req);
    if (!Array.isArray(ids)) return ids;
    const missing = ids.filter((id) => !this.jobs.has(id));
    if (missing.length > 0) return error(req, 404, `Job(s) not found: ${missing.join(", ")}`);
    for (const id of ids) if (!candidate.jobs.includes(id)) candidate.jobs.push(id);
    return { status: 200 };
  }
}

/** The Taleez part of the sandbox. */
export function createTaleezSandbox(fake = new TaleezFake()): SandboxVendor {
  const recruiterId = [...fake.recruiters][0] ?? 15886;
  const jobId = [...fake.jobs][0];
  return {
    connector: "taleez",
    fakes: [fake],
    env: () => ({ TALEEZ_API_SECRET: fake.secret }),
    auth: () => new XTaleezAuth({ value: fake.secret }),
    options: () => ({
      baseUrl: `${fake.url}/0`,
      recruiterId,
      ...(jobId === undefined ? {} : { jobId }),
    }),
    cliFlags: () => [
      "--base-url",
      `${fake.url}/0`,
      "--recruiter-id",
      String(recruiterId),
      ...(jobId === undefined ? [] : ["--job-id", String(jobId)]),
    ],
    faults: {
      create: { fake, method: "POST", path: /^\/0\/candidates$/ },
      cvUpload: { fake, method: "POST", path: /^\/0\/candidates\/\d+\/documents$/ },
    },
    candidates: () =>
      [...fake.candidates.values()].map((c) => {
        const links = c.body["social_links"] ?? c.body["socialLinks"];
        return {
          vendorId: String(c.id),
          name: `${String(c.body["firstName"])} ${String(c.body["lastName"])}`,
          email: typeof c.body["mail"] === "string" ? c.body["mail"] : undefined,
          cv: fake.cvOf(c)?.name,
          details: `lang ${typeof c.body["lang"] === "string" ? c.body["lang"] : "-"}, ${isRecord(links) ? Object.keys(links).length : 0} links, ${isRecord(c.body["location"]) ? "location" : "no location"}, jobs: ${c.jobs.join(", ") || "none"}`,
        };
      }),
  };
}
